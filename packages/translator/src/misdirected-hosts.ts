/**
 * GatewayHTTPSListenerDetectMisdirectedRequests: the virtual hosts that answer 421 Misdirected Request
 * in an HTTPS listener's route table.
 *
 * The route table of an HTTPS listener serves the connections whose SNI chose that listener. A client
 * may reuse such a connection for another host (HTTP/2 connection coalescing, RFC 9113 §9.1.1); when
 * the Host belongs to another HTTPS listener on the same port, the request must be answered 421 so the
 * client retries on a new connection, whose SNI then picks the right listener and certificate
 * (RFC 9110 §15.5.20). gateway_types.go Listener.Hostname: "Gateways SHOULD match the authority of the
 * requests with all the SNI hostname(s) configured across all the Gateway Listeners on the same port
 * and protocol": another listener with an exact or more specific match → 421; no listener matching the
 * Host → 404.
 *
 * Envoy picks a virtual host by the most specific domain (exact, then the longest `*.` suffix, then
 * `*`), the same order in which a request's listener is chosen (hostnames.ts owningListener). So one
 * virtual host per other HTTPS listener, with that listener's hostname as its domain (`*` for a
 * listener without hostname), answers exactly the hosts it owns; the listener's own routes only hold
 * hosts it owns (virtual-hosts.ts), and its own hostname always gets a virtual host so that a broader
 * peer (`*`, a shorter wildcard) does not catch the hosts it owns without a route (404, not 421).
 */
import type { VirtualHostIR } from '@portico/ir';
import { compareHostnameSpecificity } from './hostnames.js';
import type { ListenerState } from './listeners.js';

const CATCH_ALL = '*';

/**
 * `hosts` (the route table of HTTPS `listener`) with a 421 virtual host for every other HTTPS listener
 * among `peers` (the programmable listeners sharing its port). A virtual host of `hosts` for a peer's
 * hostname (an empty one that answers 404) is replaced; the result keeps the most specific first order.
 */
export function withMisdirectedHosts(listener: ListenerState, peers: readonly ListenerState[], hosts: readonly VirtualHostIR[]): VirtualHostIR[] {
  const others = peers.filter((p) => p !== listener && p.spec.protocol === 'HTTPS');
  if (others.length === 0) return [...hosts];
  const byDomain = new Map<string, VirtualHostIR>(hosts.map((h) => [h.name, h]));
  const own = listener.spec.hostname || undefined;
  if (own && !byDomain.has(own)) byDomain.set(own, { name: own, domains: [own], routes: [] });
  for (const peer of others) {
    const domain = peer.spec.hostname || CATCH_ALL;
    // A hostname the listener itself has (a conflict the translator reports) stays with the listener.
    if (domain === own) continue;
    byDomain.set(domain, { name: domain, domains: [domain], routes: [], misdirectedTo: peer.irName });
  }
  return [...byDomain.values()].sort((a, b) => compareHostnameSpecificity(a.name, b.name));
}
