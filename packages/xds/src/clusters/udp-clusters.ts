/**
 * The clusters UDP listeners route to: one per listener, fed over EDS, whose endpoints are those of
 * the backends its route sends datagrams to, one LocalityLbEndpoints per backend with
 * `load_balancing_weight` = the backendRef's weight.
 *
 * Why not the backends' own clusters, as TCP does: udp_proxy's matcher action
 * (`udp_proxy.v3.Route`) names exactly one cluster, and Envoy (1.40) has no weighted_clusters for
 * UDP as tcp_proxy has. Locality-weighted load balancing
 * (`common_lb_config.locality_weighted_lb_config`) picks a backend by weight for each new session
 * (udp_proxy picks a host once per session), then round robin among that backend's endpoints.
 *
 * Why one per listener even for a single backend: the listener then names a cluster that never
 * changes, so an edit of the route (another backend, new weights, a backend becoming invalid) is an
 * EDS update. Any change to a UDP listener makes Envoy replace it, which ends every session on it
 * and drops the replies in flight; an EDS update keeps the sessions whose host is still listed.
 * `udpListenerResources` rebuilds an endpoint set when one of its backends' endpoints change, so
 * pod churn stays an EDS-only update too.
 *
 * A route with an ExternalName backend makes the cluster STRICT_DNS instead (udpDnsCluster).
 *
 * Known gap: a locality without endpoints has no weight in Envoy, so the share of a backend whose
 * Service has no endpoints goes to the other backends; invalid shares (which the spec says must be
 * dropped) are left out the same way. With no valid backend with endpoints at all, the endpoint set
 * is empty and every datagram is dropped.
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendIR, GatewayIR, UDPListenerIR } from '@portico/ir';
import { reusedHost } from '../build-cache.js';
import { CONNECT_TIMEOUT, PER_CONNECTION_BUFFER_LIMIT_BYTES, udpCircuitBreakers } from './cluster-defaults.js';
import { adsConfigSource } from '../config-source.js';
import { backendLbEndpoints } from './endpoints.js';
import { clusterShares, type ClusterShare } from '../listeners/listener-l4.js';
import { udpListenerClusterName } from '../names.js';
import type { NamedResource, XdsResources } from '../resources.js';

/** A valid share of a UDP listener's route, with its backend. */
interface BackendShare extends ClusterShare {
  backend: BackendIR;
}

/** The cluster a UDP listener's udp_proxy routes to: always its own (see above). */
export function udpRouteCluster(gateway: GatewayIR, listener: UDPListenerIR): string {
  return udpListenerClusterName(gateway, listener);
}

/**
 * The clusters of a gateway's UDP listeners and their endpoint sets (the caller sorts them by
 * name). With `changedBackends`, only those whose route uses one of them: what an endpoint-only
 * change of those backends changes besides their own clusters.
 */
export function udpListenerResources(gateway: GatewayIR, changedBackends?: ReadonlySet<string>): Pick<XdsResources, 'clusters' | 'endpoints'> {
  const clusters: NamedResource[] = [];
  const endpoints: NamedResource[] = [];
  for (const listener of gateway.listeners) {
    if (listener.type !== 'UDP') continue;
    const shares = validShares(gateway, listener);
    if (changedBackends && !shares.some((s) => changedBackends.has(s.backend.name))) continue;
    const name = udpListenerClusterName(gateway, listener);
    const inputs = [...(listener.route ? [listener.route.destination] : []), ...shares.map((s) => s.backend)];
    if (shares.some((s) => s.backend.externalName !== undefined)) {
      // EDS carries addresses only: with a DNS name among the hosts, the cluster resolves them itself.
      clusters.push(reusedHost(`udp-cluster|${name}`, inputs, 'dns', () => udpDnsCluster(name, weightedLoadAssignment(name, shares).resource)));
      continue;
    }
    // The cluster depends on its name only; its endpoints on the weights and the backends' endpoints.
    clusters.push(reusedHost(`udp-cluster|${name}`, [], 'eds', () => udpCluster(name)));
    endpoints.push(reusedHost(`udp-endpoints|${name}`, inputs, '', () => weightedLoadAssignment(name, shares)));
  }
  return { clusters, endpoints };
}

/** Shares of backends the gateway lists, weight 0 and invalid ones left out (clusterShares). */
function validShares(gateway: GatewayIR, listener: UDPListenerIR): BackendShare[] {
  const byName = new Map(gateway.backends.map((b) => [b.name, b]));
  const shares: BackendShare[] = [];
  for (const share of clusterShares(gateway, listener.route?.destination)) {
    const backend = byName.get(share.cluster);
    if (backend) shares.push({ ...share, backend });
  }
  return shares;
}

function udpCluster(name: string): NamedResource {
  const resource: Proto3Json = {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: adsConfigSource() },
    connectTimeout: CONNECT_TIMEOUT,
    perConnectionBufferLimitBytes: PER_CONNECTION_BUFFER_LIMIT_BYTES,
    lbPolicy: 'ROUND_ROBIN',
    // Localities (one per backend) are chosen by their load_balancing_weight, hosts within one by round robin.
    commonLbConfig: { localityWeightedLbConfig: {} },
    circuitBreakers: udpCircuitBreakers(),
  };
  return { name, resource };
}

/**
 * A UDP listener's cluster when one of its backends is an ExternalName Service: the same weighted
 * localities, inline, in a STRICT_DNS cluster. STRICT_DNS because it takes many endpoints (LOGICAL_DNS
 * takes one) and resolves each, an address standing for itself; no proxyless gRPC client reads UDP
 * clusters. The price: an endpoint change of another backend of the route changes the cluster (CDS)
 * rather than an endpoint set (EDS); udp_proxy keeps the sessions whose host remains.
 */
function udpDnsCluster(name: string, loadAssignment: Proto3Json): NamedResource {
  const { type: _eds, edsClusterConfig: _config, ...common } = udpCluster(name).resource;
  const resource: Proto3Json = { name, type: 'STRICT_DNS', dnsLookupFamily: 'V4_PREFERRED', loadAssignment, ...common };
  return { name, resource };
}

/**
 * One locality per backend, named by the backend (`sub_zone`), weighted by its share. An endpoint
 * already listed for an earlier backend (two Services selecting the same Pods) is listed once only:
 * Envoy keys hosts by address, and one host in two localities would make their weights meaningless.
 * Backends left without endpoints are left out: Envoy gives an empty locality no weight anyway.
 */
function weightedLoadAssignment(name: string, shares: BackendShare[]): NamedResource {
  const seen = new Set<string>();
  const endpoints: Proto3Json[] = [];
  for (const share of [...shares].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))) {
    const lbEndpoints = backendLbEndpoints(share.backend).filter(({ key }) => !seen.has(key) && seen.add(key));
    if (lbEndpoints.length === 0) continue;
    endpoints.push({ locality: { subZone: share.backend.name }, loadBalancingWeight: share.weight, lbEndpoints: lbEndpoints.map((e) => e.lbEndpoint) });
  }
  return { name, resource: { clusterName: name, endpoints } };
}
