/**
 * Envoy warms every Cluster it receives at a new version, not only new ones, and "warming of Cluster
 * is completed only when a new ClusterLoadAssignment response is supplied by management server even
 * if there is no change in endpoints" (xDS protocol, "Resource warming", Envoy implementation note).
 * Until then the old cluster keeps serving and the new one waits for the EDS initial_fetch_timeout
 * (15 s by default). So when a cluster a client has changes, its endpoints are owed to that client,
 * after the cluster, even unchanged (as go-control-plane's users and Envoy Gateway resend them).
 *
 * Both ADS state machines use this: the SotW stream resends the owed endpoints alone (EDS responses
 * need not carry every subscribed resource, unlike CDS and LDS ones), the delta stream sends them
 * as if they had changed. Endpoints of unchanged clusters are never resent.
 */
import type { CachedResource, TypeUrl } from '../types.js';

export const CLUSTER_TYPE_URL: TypeUrl = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE_URL: TypeUrl = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

/**
 * The ClusterLoadAssignment an EDS cluster warms with. Envoy asks EDS for the cluster's
 * `eds_cluster_config.service_name`, or its own name when that is unset; Portico's clusters never set
 * it (@portico/xds clusters.ts). A cluster that is not EDS has no endpoints of that name to resend,
 * and resending ones a client holds is harmless, so the name alone is enough here.
 */
export function endpointsOfCluster(clusterName: string): string {
  return clusterName;
}

// Comparisons of two shared selections (subscription.ts), made once for every stream that goes from
// one to the other: all the Envoys of a gateway receive the same cluster lists.
const changes = new WeakMap<readonly CachedResource[], WeakMap<readonly CachedResource[], string[]>>();

/**
 * The endpoints owed after a state-of-the-world CDS response: those of the clusters in `after` that
 * `before` (the previous response on the stream) had at another version. Both lists sorted by name.
 */
export function endpointsOfChangedClusters(before: readonly CachedResource[] | undefined, after: readonly CachedResource[]): string[] {
  if (!before || before === after) return [];
  let from = changes.get(before);
  if (!from) changes.set(before, (from = new WeakMap()));
  let names = from.get(after);
  if (!names) from.set(after, (names = changedNames(before, after).map(endpointsOfCluster)));
  return names;
}

function changedNames(before: readonly CachedResource[], after: readonly CachedResource[]): string[] {
  const versions = new Map(before.map((r) => [r.name, r.version]));
  const names: string[] = [];
  for (const { name, version } of after) {
    const previous = versions.get(name);
    if (previous !== undefined && previous !== version) names.push(name);
  }
  return names;
}
