/**
 * The snapshot consistency check (go-control-plane's Snapshot.Consistent, extended): every route
 * table a listener names over RDS, every cluster a route or proxy names, every endpoint set an EDS
 * cluster needs and every SDS secret a TLS context names must be in the same snapshot. Envoy would
 * otherwise wait for a resource that never comes, and that listener or cluster would never warm.
 */
import type { Proto3Json } from '@portico/envoy';
import type { XdsResources } from './resources.js';

export interface ReferencedNames {
  routes: Set<string>;
  clusters: Set<string>;
  endpoints: Set<string>;
  secrets: Set<string>;
}

/** Names referenced from inside the resources, found by walking their proto3 JSON. */
export function referencedNames(resources: XdsResources): ReferencedNames {
  const names: ReferencedNames = { routes: new Set(), clusters: new Set(), endpoints: new Set(), secrets: new Set() };
  for (const { resource } of [...resources.listeners, ...resources.routes]) walk(resource, names);
  for (const { resource } of resources.clusters) {
    walk(resource, names);
    // An EDS cluster gets its endpoints under its own name unless it says otherwise.
    if (resource.type === 'EDS') names.endpoints.add(String((resource.edsClusterConfig as Proto3Json | undefined)?.serviceName ?? resource.name));
  }
  return names;
}

function walk(value: unknown, names: ReferencedNames): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, names);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Proto3Json;
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'routeConfigName' && typeof v === 'string') names.routes.add(v);
    // RouteAction.cluster, TcpProxy.cluster, UdpProxy route action, RequestMirrorPolicy.cluster.
    else if (key === 'cluster' && typeof v === 'string') names.clusters.add(v);
    // WeightedCluster.clusters[].name (HTTP) and TcpProxy.WeightedCluster.clusters[].name.
    else if (key === 'weightedClusters' && v && typeof v === 'object') {
      for (const c of ((v as Proto3Json).clusters as Proto3Json[] | undefined) ?? []) if (typeof c.name === 'string') names.clusters.add(c.name);
    } else if ((key === 'tlsCertificateSdsSecretConfigs' || key === 'validationContextSdsSecretConfig') && v) {
      for (const s of Array.isArray(v) ? v : [v]) if (typeof (s as Proto3Json).name === 'string') names.secrets.add((s as Proto3Json).name as string);
    }
    walk(v, names);
  }
}

/** Problems that make a snapshot inconsistent; empty when every reference resolves. */
export function consistencyProblems(resources: XdsResources): string[] {
  const refs = referencedNames(resources);
  const have = {
    routes: new Set(resources.routes.map((r) => r.name)),
    clusters: new Set(resources.clusters.map((r) => r.name)),
    endpoints: new Set(resources.endpoints.map((r) => r.name)),
    secrets: new Set(resources.secrets.map((r) => r.name)),
  };
  const problems: string[] = [];
  for (const kind of ['routes', 'clusters', 'endpoints', 'secrets'] as const) {
    for (const name of refs[kind]) if (!have[kind].has(name)) problems.push(`${kind}: ${name} is referenced but not in the snapshot`);
  }
  for (const kind of ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const) {
    const seen = new Set<string>();
    for (const r of resources[kind]) {
      if (seen.has(r.name)) problems.push(`${kind}: ${r.name} appears twice`);
      seen.add(r.name);
    }
  }
  return problems;
}
