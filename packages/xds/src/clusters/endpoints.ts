/**
 * BackendIR endpoints → the ClusterLoadAssignment its EDS cluster is served (one per backend, named
 * like the cluster). Output is canonical (localities and endpoints sorted, duplicates dropped) so an
 * unchanged EndpointSlice never changes the resource's hash and never re-pushes EDS.
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendIR, EndpointIR } from '@portico/ir';
import { dnsSocketAddress } from './dns-clusters.js';
import { clusterName } from '../names.js';
import type { NamedResource } from '../resources.js';

/**
 * One LocalityLbEndpoints per zone. A backend with no endpoints gets an assignment with none: Envoy
 * then answers HTTP with 503 "no healthy upstream", the spec's answer for a Service without endpoints.
 */
export function buildClusterLoadAssignment(backend: BackendIR): NamedResource {
  const name = clusterName(backend);
  const endpoints = [...groupByZone(backend.endpoints)].map(([zone, members]) => ({
    // gRPC's xDS client rejects a LocalityLbEndpoints without `locality` and skips one without
    // `load_balancing_weight` (gRFC A27), so both are always set. Envoy ignores locality weights
    // unless locality-weighted LB is configured (it is not), balancing over hosts directly.
    // Weighting a zone by its endpoint count keeps gRPC's per-zone pick equal per endpoint too.
    locality: zone === '' ? {} : { zone },
    loadBalancingWeight: members.length,
    lbEndpoints: members.map((e) => lbEndpoint(e, backend.protocol === 'UDP')),
  }));
  const resource: Proto3Json = { clusterName: name, endpoints };
  return { name, resource };
}

/**
 * A backend's endpoints as LbEndpoints, in canonical order without duplicates, each with its
 * `address|port` key (for the UDP listeners' clusters, which list their backends' endpoints).
 */
export function backendLbEndpoints(backend: BackendIR): { key: string; lbEndpoint: Proto3Json }[] {
  if (backend.externalName !== undefined) {
    // An ExternalName backend's one host is its DNS name, for a cluster that resolves names (udp-clusters.ts).
    return [{ key: `${backend.externalName}|${backend.service.port}`, lbEndpoint: { endpoint: { address: { socketAddress: dnsSocketAddress(backend) } } } }];
  }
  return [...groupByZone(backend.endpoints).values()].flat().map((e) => ({ key: endpointKey(e), lbEndpoint: lbEndpoint(e, backend.protocol === 'UDP') }));
}

function lbEndpoint(endpoint: EndpointIR, udp: boolean): Proto3Json {
  // IPv6 literals go in unbracketed, as SocketAddress.address expects. The UDP protocol marks the
  // address as a datagram peer for readers of the config dump; udp_proxy dials it either way.
  const socketAddress: Proto3Json = { address: endpoint.address, portValue: endpoint.port };
  if (udp) socketAddress.protocol = 'UDP';
  return {
    endpoint: { address: { socketAddress } },
    // HEALTHY even for a terminating endpoint: the IR lists terminating endpoints only when no ready
    // one exists (kube-proxy's fallback), so they must take traffic, and Envoy excludes DRAINING
    // hosts from load balancing (it would answer 503 instead).
    healthStatus: 'HEALTHY',
  };
}

/** Zones in sorted order (no zone first), each with its endpoints sorted and deduplicated. */
export function groupByZone(endpoints: EndpointIR[]): Map<string, EndpointIR[]> {
  const sorted = [...endpoints].sort(
    (a, b) => compare(a.zone ?? '', b.zone ?? '') || compare(a.address, b.address) || a.port - b.port,
  );
  const zones = new Map<string, EndpointIR[]>();
  const seen = new Set<string>();
  for (const e of sorted) {
    // The same address:port twice (one Pod in two EndpointSlices during a rollout) would count
    // double in Envoy and makes gRPC's xDS client reject the whole assignment.
    const key = endpointKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    const zone = e.zone ?? '';
    const members = zones.get(zone) ?? [];
    members.push(e);
    zones.set(zone, members);
  }
  return zones;
}

function endpointKey(e: EndpointIR): string {
  return `${e.address}|${e.port}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
