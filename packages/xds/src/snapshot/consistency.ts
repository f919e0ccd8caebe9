/**
 * The snapshot consistency check (go-control-plane's Snapshot.Consistent, extended): every route
 * table a listener names over RDS, every cluster a route or proxy names, every endpoint set an EDS
 * cluster needs and every SDS secret a TLS context names must be in the same snapshot. Envoy would
 * otherwise wait for a resource that never comes, and that listener or cluster would never warm.
 */
import { isConstantJson, type Proto3Json } from '@portico/envoy';
import { buildCacheIsTransient, createXdsBuildCache, memoized, withBuildCache, type XdsBuildCache } from '../build-cache.js';
import type { NamedResource, ReferencedNames, XdsResources } from '../resources.js';

export type { ReferencedNames } from '../resources.js';

/**
 * The set of every kind without names: shared, and replaced by a set of its own on the first name
 * (addName), so never added to. Names are kept per route, and most routes name a cluster or two and
 * nothing else: four empty sets fewer per route at 10,000 routes is much less for the collector.
 */
const NONE: Set<string> = new Set();

/** No names of any kind yet (the wire writers collect references with these helpers too). */
export function emptyNames(): ReferencedNames {
  return { routes: NONE, clusters: NONE, endpoints: NONE, secrets: NONE, perFilterConfigs: NONE };
}

export function addName(names: ReferencedNames, kind: NameKind, name: string): void {
  let set = names[kind];
  if (set === NONE) names[kind] = set = new Set();
  set.add(name);
}

/** Names referenced from inside the resources (collected by their writers, or found by walking their proto3 JSON). */
export function referencedNames(resources: Pick<XdsResources, 'listeners' | 'routes' | 'clusters'>): ReferencedNames {
  const names = emptyNames();
  for (const r of resources.listeners) merge(names, referencesOf(r, listenerReferences));
  for (const r of resources.routes) merge(names, referencesOf(r));
  merge(names, clustersReferences(resources.clusters));
  return names;
}

/**
 * What resource `r` references: the names its writer collected when it was written from the IR
 * (wire/), without building its JSON; otherwise those found by `walkJson` over its JSON (the route
 * table walk by default; listenerReferences and clusterReferences for those kinds).
 */
export function referencesOf(r: NamedResource, walkJson: (json: Proto3Json) => ReferencedNames = tableReferences): ReferencedNames {
  return r.references ?? walkJson(r.resource);
}

/** What one route table references (remembered per table object under a build cache). */
export function tableReferences(table: Proto3Json): ReferencedNames {
  return memoized('table-references', table, () => tableNames(table));
}

/** What one listener references (remembered per listener object under a build cache). */
export function listenerReferences(listener: Proto3Json): ReferencedNames {
  return memoized('listener-references', listener, () => listenerNames(listener));
}

/** What one cluster references, its EDS endpoint set included (remembered per cluster object under a build cache). */
export function clusterReferences(cluster: Proto3Json): ReferencedNames {
  return memoized('cluster-references', cluster, () => clusterNames(cluster));
}

function clustersReferences(clusters: readonly NamedResource[]): ReferencedNames {
  return memoized('clusters-references', clusters, () => {
    const names = emptyNames();
    for (const r of clusters) {
      if (r.references) merge(names, r.references);
      // Under a one-build cache, as routes are: each cluster walked once, straight into the list's names.
      else if (buildCacheIsTransient()) addClusterNames(r.resource, names);
      else merge(names, clusterReferences(r.resource));
    }
    return names;
  });
}

function clusterNames(cluster: Proto3Json): ReferencedNames {
  const names = emptyNames();
  addClusterNames(cluster, names);
  return names;
}

function addClusterNames(cluster: Proto3Json, names: ReferencedNames): void {
  walk(cluster, names);
  // An EDS cluster gets its endpoints under its own name unless it says otherwise.
  if (cluster.type === 'EDS') addName(names, 'endpoints', String((cluster.edsClusterConfig as Proto3Json | undefined)?.serviceName ?? cluster.name));
}

/**
 * A route table is walked virtual host by virtual host and route by route, the names of each
 * remembered under an active build cache (build-cache.ts): tables of 10,000 routes are checked on
 * every update (by the connection manager, the special clusters and the consistency gate), and most
 * hosts and routes are the same objects as in the previous build.
 */
function tableNames(table: Proto3Json): ReferencedNames {
  const names = emptyNames();
  for (const key in table) {
    if (!Object.hasOwn(table, key)) continue;
    const value = table[key];
    if (key !== 'virtualHosts' || !Array.isArray(value)) walk(value, names);
    else for (const host of value as Proto3Json[]) merge(names, memoized('host-references', host, () => hostNames(host)));
  }
  return names;
}

function hostNames(host: Proto3Json): ReferencedNames {
  const names = emptyNames();
  for (const key in host) {
    if (!Object.hasOwn(host, key)) continue;
    const value = host[key];
    collectKey(key, value, names);
    if (key !== 'routes' || !Array.isArray(value)) walk(value, names);
    // A build's own cache is dropped with it: each route is walked once, straight into the host's names.
    else if (buildCacheIsTransient()) for (const route of value as Proto3Json[]) addRouteNames(route, names);
    else for (const route of value as Proto3Json[]) merge(names, memoized('route-references', route, () => routeNames(route)));
  }
  return names;
}

/**
 * A route's names: everything but its `match`, a RouteMatch, whose fields (paths, headers, query
 * parameters, metadata and filter-state matchers, a path-template extension) name no resource; the
 * encoder refuses any other field there. Skipping it saves a third of the walk of a typical route.
 */
export function routeNames(route: Proto3Json): ReferencedNames {
  const names = emptyNames();
  addRouteNames(route, names);
  return names;
}

function addRouteNames(route: Proto3Json, names: ReferencedNames): void {
  for (const key in route) if (Object.hasOwn(route, key) && key !== 'match') visitField(key, route[key], names);
}

/** Adds every name of `from` to `into`. */
export function merge(into: ReferencedNames, from: ReferencedNames): void {
  for (const key of NAME_KINDS) {
    const names = from[key];
    if (names.size === 1) addName(into, key, names.values().next().value!);
    else if (names.size > 1) for (const name of names) addName(into, key, name);
  }
}

const NAME_KINDS = ['routes', 'clusters', 'endpoints', 'secrets', 'perFilterConfigs'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

function collectKey(key: string, v: unknown, names: ReferencedNames): void {
  if (key === 'typedPerFilterConfig' && v && typeof v === 'object') for (const name of Object.keys(v)) addName(names, 'perFilterConfigs', name);
}

function walk(value: unknown, names: ReferencedNames): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, names);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Proto3Json;
  if (Object.isFrozen(obj) && isConstantJson(obj)) {
    merge(names, constantNames(obj));
    return;
  }
  // for…in rather than Object.entries: no [key, value] pair allocated per field of every message (at
  // 10,000 routes this walk was a fifth of building the xDS resources, half of it garbage collection).
  for (const key in obj) if (Object.hasOwn(obj, key)) visitField(key, obj[key], names);
}

/** Names inside constant JSON (@portico/envoy constant-json.ts), found once: it never changes. */
const namesInConstants = new WeakMap<object, ReferencedNames>();

function constantNames(obj: Proto3Json): ReferencedNames {
  let names = namesInConstants.get(obj);
  if (!names) {
    names = emptyNames();
    for (const key in obj) if (Object.hasOwn(obj, key)) visitField(key, obj[key], names);
    namesInConstants.set(obj, names);
  }
  return names;
}

/**
 * Fields whose messages name no resource, not walked: the header additions of routes and
 * weighted clusters (HeaderValueOption: a header's key and value, how to append) are a good part of
 * a route table, and four fields deep.
 */
const NAMELESS_FIELDS: ReadonlySet<string> = new Set(['requestHeadersToAdd', 'responseHeadersToAdd', 'requestHeadersToRemove', 'responseHeadersToRemove']);

/** One field of a message: the names it holds, then everything inside it. */
function visitField(key: string, v: unknown, names: ReferencedNames): void {
  if (typeof v === 'string') {
    if (key === 'routeConfigName') addName(names, 'routes', v);
    // RouteAction.cluster, TcpProxy.cluster, UdpProxy route action, RequestMirrorPolicy.cluster.
    else if (key === 'cluster') addName(names, 'clusters', v);
    return;
  }
  if (v === null || typeof v !== 'object' || NAMELESS_FIELDS.has(key)) return;
  collectKey(key, v, names);
  // WeightedCluster.clusters[].name (HTTP) and TcpProxy.WeightedCluster.clusters[].name.
  if (key === 'weightedClusters') {
    for (const c of ((v as Proto3Json).clusters as Proto3Json[] | undefined) ?? []) if (typeof c.name === 'string') addName(names, 'clusters', c.name);
  } else if (key === 'tlsCertificateSdsSecretConfigs' || key === 'validationContextSdsSecretConfig') {
    for (const s of Array.isArray(v) ? v : [v]) if (typeof (s as Proto3Json).name === 'string') addName(names, 'secrets', (s as Proto3Json).name as string);
  }
  walk(v, names);
}

/**
 * Problems that make a snapshot inconsistent; empty when every reference resolves. Checked piece by
 * piece — each listener, each route table, all clusters — against the names of each list, with the
 * answers remembered under a build cache: after a one-route edit only the changed table is checked
 * again (the other pieces and the lists are the same objects as before).
 */
export function consistencyProblems(resources: XdsResources, cache?: XdsBuildCache): string[] {
  return withBuildCache(cache ?? createXdsBuildCache({ transient: true }), () => {
    const have = {
      routes: memoized('names', resources.routes, () => namesOf(resources.routes)),
      clusters: memoized('names', resources.clusters, () => namesOf(resources.clusters)),
      endpoints: memoized('names', resources.endpoints, () => namesOf(resources.endpoints)),
      secrets: memoized('names', resources.secrets, () => namesOf(resources.secrets)),
    };
    const problems = new Set<string>();
    const check = (refs: ReferencedNames) => {
      for (const kind of ['routes', 'clusters', 'endpoints', 'secrets'] as const) {
        for (const name of missing(refs[kind], have[kind])) problems.add(`${kind}: ${name} is referenced but not in the snapshot`);
      }
    };
    for (const r of resources.listeners) check(referencesOf(r, listenerReferences));
    for (const r of resources.routes) check(referencesOf(r));
    check(clustersReferences(resources.clusters));
    for (const kind of ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const) {
      for (const name of memoized('duplicates', resources[kind], () => duplicates(resources[kind]))) problems.add(`${kind}: ${name} appears twice`);
    }
    return [...problems];
  });
}

function namesOf(list: readonly NamedResource[]): Set<string> {
  return new Set(list.map((r) => r.name));
}

function listenerNames(listener: Proto3Json): ReferencedNames {
  const names = emptyNames();
  walk(listener, names);
  return names;
}

/** `refs` not in `have`, remembered per pair (both sets are kept while their lists are unchanged). */
function missing(refs: Set<string>, have: Set<string>): string[] {
  if (refs.size === 0) return [];
  const byHave = memoized('missing', refs, () => new WeakMap<Set<string>, string[]>());
  let out = byHave.get(have);
  if (!out) {
    out = [...refs].filter((name) => !have.has(name));
    byHave.set(have, out);
  }
  return out;
}

function duplicates(list: readonly NamedResource[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const r of list) {
    if (seen.has(r.name)) twice.push(r.name);
    seen.add(r.name);
  }
  return twice;
}
