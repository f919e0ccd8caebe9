/**
 * UDPRoute rules that split datagrams between several backends. udp_proxy's matcher action
 * (`udp_proxy.v3.Route`) names exactly one cluster, and Envoy (1.40) has no weighted_clusters for
 * UDP as tcp_proxy has. So a UDP listener whose route has two or more backends to split between
 * gets a cluster of its own whose endpoints are the union of theirs, one LocalityLbEndpoints per
 * backend with `load_balancing_weight` = the backendRef's weight: locality-weighted load balancing
 * (`common_lb_config.locality_weighted_lb_config`) picks a backend by weight for each new session
 * (udp_proxy picks a host once per session), then round robin among that backend's endpoints.
 *
 * The backends' own clusters stay as they are; this one is fed over EDS like them, and
 * `weightedUdpResourcesOf` rebuilds its endpoint set when one of its backends' endpoints change,
 * so pod churn stays an EDS-only update.
 *
 * Known gap: a locality without endpoints has no weight in Envoy, so the share of a backend whose
 * Service has no endpoints goes to the others; invalid shares (which the spec says must be
 * dropped) are left out the same way. Only when no valid backend is left is traffic dropped
 * (BLACKHOLE_CLUSTER, listener-l4.ts).
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendIR, GatewayIR, UDPListenerIR } from '@portico/ir';
import { reusedHost } from './build-cache.js';
import { CONNECT_TIMEOUT, PER_CONNECTION_BUFFER_LIMIT_BYTES, udpCircuitBreakers } from './clusters.js';
import { adsConfigSource } from './config-source.js';
import { backendLbEndpoints } from './endpoints.js';
import { clusterShares, type ClusterShare } from './listener-l4.js';
import { BLACKHOLE_CLUSTER, udpWeightedClusterName } from './names.js';
import type { NamedResource, XdsResources } from './resources.js';

/** A UDP listener's valid shares, each with its backend; several only when there is something to split. */
interface WeightedShare extends ClusterShare {
  backend: BackendIR;
}

/**
 * The cluster a UDP listener's udp_proxy routes to: its own weighted cluster when its route splits
 * between several valid backends, else the one backend with a valid share (invalid shares are left
 * out, see above), else BLACKHOLE_CLUSTER.
 */
export function udpRouteCluster(gateway: GatewayIR, listener: UDPListenerIR): string {
  const shares = validShares(gateway, listener);
  if (shares.length > 1) return udpWeightedClusterName(gateway, listener);
  return shares[0]?.cluster ?? BLACKHOLE_CLUSTER;
}

/** The weighted clusters of a gateway's UDP listeners and their endpoint sets, sorted by name by the caller. */
export function weightedUdpResources(gateway: GatewayIR): Pick<XdsResources, 'clusters' | 'endpoints'> {
  return weightedUdpResourcesOf(gateway, () => true);
}

/**
 * The weighted clusters (and endpoint sets) that contain one of `backends`: what an endpoint-only
 * change of those backends changes besides their own clusters.
 */
export function weightedUdpResourcesOf(gateway: GatewayIR, uses: (backend: string) => boolean): Pick<XdsResources, 'clusters' | 'endpoints'> {
  const clusters: NamedResource[] = [];
  const endpoints: NamedResource[] = [];
  for (const listener of gateway.listeners) {
    if (listener.type !== 'UDP') continue;
    const shares = validShares(gateway, listener);
    if (shares.length < 2 || !shares.some((s) => uses(s.backend.name))) continue;
    const name = udpWeightedClusterName(gateway, listener);
    // The cluster depends on its name only; its endpoints on the weights and the backends' endpoints.
    clusters.push(reusedHost(`udp-weighted-cluster|${name}`, [], '', () => weightedCluster(name)));
    const inputs = [listener.route!.destination, ...shares.map((s) => s.backend)];
    endpoints.push(reusedHost(`udp-weighted-endpoints|${name}`, inputs, '', () => weightedLoadAssignment(name, shares)));
  }
  return { clusters, endpoints };
}

function validShares(gateway: GatewayIR, listener: UDPListenerIR): WeightedShare[] {
  const byName = new Map(gateway.backends.map((b) => [b.name, b]));
  const shares: WeightedShare[] = [];
  for (const share of clusterShares(gateway, listener.route?.destination)) {
    const backend = byName.get(share.cluster);
    if (backend) shares.push({ ...share, backend });
  }
  return shares;
}

function weightedCluster(name: string): NamedResource {
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
 * One locality per backend, named by the backend (`sub_zone`), weighted by its share. An endpoint
 * already listed for an earlier backend (two Services selecting the same Pods) is listed once only:
 * Envoy keys hosts by address, and one host in two localities would make their weights meaningless.
 * Backends left without endpoints are left out: Envoy gives an empty locality no weight anyway.
 */
function weightedLoadAssignment(name: string, shares: WeightedShare[]): NamedResource {
  const seen = new Set<string>();
  const endpoints: Proto3Json[] = [];
  for (const share of [...shares].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))) {
    const lbEndpoints = backendLbEndpoints(share.backend).filter(({ key }) => !seen.has(key) && seen.add(key));
    if (lbEndpoints.length === 0) continue;
    endpoints.push({ locality: { subZone: share.backend.name }, loadBalancingWeight: share.weight, lbEndpoints: lbEndpoints.map((e) => e.lbEndpoint) });
  }
  return { name, resource: { clusterName: name, endpoints } };
}
