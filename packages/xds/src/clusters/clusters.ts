/**
 * Backends → Envoy clusters (CDS) and their endpoints (EDS). Every BackendIR (one Service port in
 * one protocol) is one EDS cluster fed over ADS, so pod churn only ever changes its
 * ClusterLoadAssignment, never the cluster (Envoy would re-warm it and drop its connection pools).
 * ExternalName Services are LOGICAL_DNS clusters instead (dns-clusters.ts).
 * UDP backends are the exception: UDP listeners route to clusters of their own that list the
 * backends' endpoints (udp-clusters.ts), and nothing else routes UDP, so they get none.
 */
import { RESOURCE_TYPES, type Proto3Json } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import { adsConfigSource } from '../config-source.js';
import { memoizedAcrossBuilds, reusedHost } from '../build-cache.js';
import { hasEdsEndpoints } from './dns-clusters.js';
import { BLACKHOLE_CLUSTER, INVALID_BACKEND_CLUSTER } from '../names.js';
import type { NamedResource } from '../resources.js';
import { backendClusterResource } from '../wire/cluster-wire.js';
import { backendEndpointsResource } from '../wire/endpoints-wire.js';
import { encodedJsonResource } from '../wire/encoded-json.js';
import { noReferences } from '../wire/wire-references.js';
import { clusterReferences } from '../snapshot/consistency.js';

/** Empty clusters need no real timeout: they never connect. */
const EMPTY_CLUSTER_CONNECT_TIMEOUT = '1s';

export function buildClusters(gateway: GatewayIR): { clusters: NamedResource[]; endpoints: NamedResource[] } {
  // The same backends as last time (the translator reuses unchanged BackendIR objects): the same lists.
  if (gateway.name) return reusedHost(`backends|${gateway.name}`, gateway.backends, '', () => buildClusterLists(gateway));
  return buildClusterLists(gateway);
}

function buildClusterLists(gateway: GatewayIR): { clusters: NamedResource[]; endpoints: NamedResource[] } {
  const streamBackends = gateway.backends.filter((b) => b.protocol !== 'UDP');
  return {
    // Written straight into wire format (wire/): their JSON is built only for dumps and goldens.
    clusters: sortByName(streamBackends.map((b) => memoizedAcrossBuilds('cluster', b, () => backendClusterResource(b)))),
    // ExternalName backends resolve DNS themselves (dns-clusters.ts): no endpoint set.
    endpoints: sortByName(streamBackends.filter(hasEdsEndpoints).map((b) => memoizedAcrossBuilds('endpoints', b, () => backendEndpointsResource(b)))),
  };
}

/** A cluster that never has endpoints, with its (empty) endpoint set. */
export interface EmptyCluster {
  cluster: NamedResource;
  endpoints: NamedResource;
}

/**
 * Where invalid backendRefs send HTTP requests: no endpoints, so Envoy answers "no healthy
 * upstream", which the connection manager turns into the spec's 500 (http-connection-manager.ts).
 */
export function invalidBackendCluster(): EmptyCluster {
  return emptyCluster(INVALID_BACKEND_CLUSTER);
}

/** Where TCP/UDP traffic for an invalid backend goes: no endpoints, so connections are refused. */
export function blackholeCluster(): EmptyCluster {
  return emptyCluster(BLACKHOLE_CLUSTER);
}

/**
 * EDS with an empty endpoint set rather than STATIC: proxyless gRPC clients (grpc-js-xds) only accept
 * EDS and LOGICAL_DNS clusters and would NACK a STATIC one; Envoy takes either.
 */
function emptyCluster(name: string): EmptyCluster {
  // Encoded from their JSON (wire/encoded-json.ts): tiny, and built once per build cache.
  return {
    cluster: encodedJsonResource(RESOURCE_TYPES.cluster, name, () => emptyClusterJson(name), clusterReferences),
    endpoints: encodedJsonResource(RESOURCE_TYPES.endpoint, name, () => ({ clusterName: name }), noReferences),
  };
}

function emptyClusterJson(name: string): Proto3Json {
  return { name, type: 'EDS', edsClusterConfig: { edsConfig: adsConfigSource() }, connectTimeout: EMPTY_CLUSTER_CONNECT_TIMEOUT };
}

function sortByName(list: NamedResource[]): NamedResource[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
