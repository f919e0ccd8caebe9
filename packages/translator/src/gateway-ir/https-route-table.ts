/**
 * The one route table of the HTTPS listeners that share a port, with the 421 Misdirected Request rule
 * (GatewayHTTPSListenerDetectMisdirectedRequests).
 *
 * A connection's SNI chooses one HTTPS listener (its filter chain and certificate), but a client may
 * reuse the connection for another host (HTTP/2 connection coalescing, RFC 9113 §9.1.1).
 * gateway_types.go Listener.Hostname: Gateways "SHOULD match the authority of the requests with all
 * the SNI hostname(s) configured across all the Gateway Listeners on the same port and protocol":
 * when another listener owns the Host (exact match or more specific wildcard), answer 421, so the
 * client retries on a new connection whose SNI picks that listener (RFC 9110 §15.5.20); when no
 * listener matches the Host, 404.
 *
 * So the table is the port's hosts partitioned among its listeners exactly as a cleartext HTTP port's
 * (virtual-hosts.ts: a host belongs to the listener with the most specific matching hostname, which is
 * also the order in which Envoy picks virtual hosts), each host tagged with the HTTPS listener that owns
 * it; the xDS layer answers 421 when the connection's listener is another. Every HTTPS listener's own
 * hostname (`*` without one) gets a virtual host, so its hosts without a route answer 404 on its own
 * connections and 421 on the others. Hosts of TLS listeners on the port keep the untagged empty host
 * that answers 404 (the spec's "same port and protocol").
 */
import type { VirtualHostIR } from '@portico/ir';
import { compareHostnameSpecificity, owningListener } from '../routes/hostnames.js';
import type { ListenerState } from '../gateways/listeners.js';
import { buildVirtualHosts, type HostnameShadowing, type ListenerRoutes, type VirtualHostOptions } from './virtual-hosts.js';

const CATCH_ALL = '*';

/**
 * The shared table of the HTTPS listeners among `peers` (the programmable listeners of one TLS port),
 * serving `served` (the routes attached to them). A host's `server` is its HTTPS listener's IR name,
 * which is also the name of that listener's HTTPS server.
 */
export function buildHTTPSRouteTable(
  served: readonly ListenerRoutes[],
  peers: readonly ListenerState[],
  shadowing?: HostnameShadowing[],
  options: VirtualHostOptions = {},
): VirtualHostIR[] {
  const hosts = new Map(buildVirtualHosts(served, peers, shadowing, options).map((h) => [h.name, h]));
  for (const l of peers) {
    const own = l.spec.hostname || CATCH_ALL;
    if (l.spec.protocol === 'HTTPS' && !hosts.has(own)) hosts.set(own, { name: own, domains: [own], routes: [] });
  }
  const peerHostnames = peers.map((l) => l.spec.hostname || undefined);
  const owner = (domain: string) => (domain === CATCH_ALL ? peers.find((l) => !l.spec.hostname) : peers[owningListener(peerHostnames, domain)]);
  const out: VirtualHostIR[] = [];
  for (const host of hosts.values()) {
    const listener = owner(host.name);
    out.push(listener?.spec.protocol === 'HTTPS' ? { ...host, server: listener.irName } : host);
  }
  return out.sort((a, b) => compareHostnameSpecificity(a.name, b.name));
}
