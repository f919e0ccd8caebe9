/**
 * IR → the Envoy resources one gateway's Envoys are served (pure). Listeners bring their route
 * tables and secrets; backends become clusters with their endpoints; the shared invalid-backend and
 * blackhole clusters are added only when something routes to them.
 */
import type { BackendIR, GatewayIR } from '@portico/ir';
import { createXdsBuildCache, forgetStaleHosts, memoized, stableList, withBuildCache, type XdsBuildCache } from './build-cache.js';
import { blackholeCluster, buildClusters, invalidBackendCluster } from './clusters/clusters.js';
import { referencedNames, referencesOf } from './snapshot/consistency.js';
import { buildListener } from './listeners/listeners.js';
import { BLACKHOLE_CLUSTER, INVALID_BACKEND_CLUSTER } from './names.js';
import { buildProxylessResources } from './proxyless.js';
import { certificateSecrets } from './secrets.js';
import type { NamedResource, XdsResources } from './resources.js';
import { udpListenerResources } from './clusters/udp-clusters.js';
import { rateLimitServiceCluster } from './clusters/rate-limit-service-cluster.js';

export interface BuildXdsOptions {
  /** Also build the API listeners and route tables of proxyless gRPC clients (served by name only). */
  proxyless?: boolean;
  /** Memory between builds (`createXdsBuildCache()`): unchanged IR objects reuse their Envoy JSON. */
  cache?: XdsBuildCache;
}

export function buildXds(gateway: GatewayIR, options: BuildXdsOptions = {}): XdsResources {
  // Without a cache from the caller, one for this build alone: within a build, each route table's
  // references are still found once, not once per reader (connection manager, special clusters).
  const cache = options.cache ?? createXdsBuildCache({ transient: true });
  const resources = withBuildCache(cache, () => build(gateway, options));
  if (options.cache) forgetStaleHosts(options.cache);
  return resources;
}

function build(gateway: GatewayIR, options: BuildXdsOptions): XdsResources {
  const listeners: NamedResource[] = [];
  const routes: NamedResource[] = [];
  const secrets = new Map<string, NamedResource>();
  for (const l of gateway.listeners) {
    const out = buildListener(gateway, l);
    listeners.push(out.listener);
    routes.push(...out.routes);
    for (const s of out.secrets) secrets.set(s.name, s);
  }
  const namedOnly = new Set<string>();
  if (options.proxyless) {
    const proxyless = buildProxylessResources(gateway);
    for (const r of [...proxyless.listeners, ...proxyless.routes]) namedOnly.add(r.name);
    listeners.push(...proxyless.listeners);
    routes.push(...proxyless.routes);
  }
  const built = withUdpListenerClusters(buildClusters(gateway), udpListenerResources(gateway));
  // Client certificates the clusters present to TLS backends (upstream-tls.ts), over SDS.
  for (const s of certificateSecrets(gateway.backends.flatMap((b) => (b.tls?.clientCertificate && b.protocol !== 'UDP' ? [b.tls.clientCertificate] : [])))) {
    secrets.set(s.name, s);
  }
  // Decided over everything served: proxyless tables send redirects and direct responses there too.
  // Route tables answer from their remembered references; listeners and clusters are walked once.
  const outsideTables = referencedNames({ listeners, routes: [], clusters: built.clusters }).clusters;
  const used = (name: string) => outsideTables.has(name) || routes.some((r) => referencesOf(r).clusters.has(name));
  const specials = SPECIAL_CLUSTERS.filter(([name]) => used(name)).map(([, make]) => memoized('special-cluster', make, make));
  // The rate-limit service's cluster: the Gateway has one only when a route has global limits.
  const extra = [...specials.map((s) => s.cluster), ...(gateway.rateLimitService ? [rateLimitServiceCluster(gateway.rateLimitService)] : [])];
  const clusters = extra.length === 0 ? built.clusters : sortByName([...built.clusters, ...extra]);
  const endpoints = specials.length === 0 ? built.endpoints : sortByName([...built.endpoints, ...specials.map((s) => s.endpoints)]);
  // Unchanged lists stay the same arrays from build to build (the encoder and the snapshot cache skip them).
  const stable = <T extends object>(kind: string, list: T[]) => stableList(`${gateway.name}|${kind}`, list);
  return {
    listeners: stable('listeners', sortByName(listeners)),
    routes: stable('routes', sortByName(routes)),
    clusters: stable('clusters', clusters),
    endpoints: stable('endpoints', endpoints),
    secrets: stable('secrets', sortByName([...secrets.values()])),
    ...(namedOnly.size > 0 ? { namedOnly } : {}),
  };
}

const SPECIAL_CLUSTERS = [
  [INVALID_BACKEND_CLUSTER, invalidBackendCluster],
  [BLACKHOLE_CLUSTER, blackholeCluster],
] as const;

function sortByName(list: NamedResource[]): NamedResource[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

type ClusterLists = Pick<XdsResources, 'clusters' | 'endpoints'>;

/** The backends' clusters with the UDP listeners' clusters added (the same lists when there are none). */
function withUdpListenerClusters(built: ClusterLists, udp: ClusterLists): ClusterLists {
  if (udp.clusters.length === 0) return built;
  return { clusters: sortByName([...built.clusters, ...udp.clusters]), endpoints: sortByName([...built.endpoints, ...udp.endpoints]) };
}

/**
 * The clusters and endpoint sets of some backends only: what changes when only endpoints did
 * (@portico/server publishes them into the served snapshot without rebuilding the rest). With the
 * `gateway` they belong to, the clusters of the UDP listeners that route to any of them come too:
 * their endpoint sets are made of those backends' endpoints.
 */
export function buildBackendResources(backends: readonly BackendIR[], cache?: XdsBuildCache, gateway?: GatewayIR): ClusterLists {
  return withBuildCache(cache, () => {
    const built = buildClusters({ name: '', gatewayClass: '', listeners: [], backends: [...backends] });
    if (!gateway) return built;
    return withUdpListenerClusters(built, udpListenerResources(gateway, new Set(backends.map((b) => b.name))));
  });
}
