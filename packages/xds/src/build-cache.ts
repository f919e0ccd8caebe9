/**
 * Memory between xDS builds (`buildXds(ir, { cache })`): the Envoy JSON of an IR route, of a backend's
 * cluster and endpoints, and what a route references, kept per IR/JSON object. The translator hands
 * back the very same IR objects for what did not change (its TranslationCache), so a one-route edit
 * rebuilds one route's JSON, and the encoder (which reuses bytes per JSON object) re-encodes only it.
 *
 * The cache is made active for the duration of one synchronous `buildXds` call rather than passed
 * through every builder: the builders stay plain functions of the IR, and without a cache (tests,
 * `portico translate`) they behave exactly as before. IR given to a cached build must not be mutated
 * afterwards — the translator never does.
 */
export interface XdsBuildCache {
  /** Results per kind (and variant), then per key object. */
  readonly memos: Map<string, Map<string, Memo>>;
  /**
   * A cache for one build only (`buildXds` without a cache): its memos are plain Maps. A WeakMap
   * costs more per entry, to fill and for the collector (ephemeron tables are traced apart), and
   * buys nothing for a cache dropped with the build.
   */
  readonly transient: boolean;
  /** Last virtual host built under each `table|host` key, with the IR routes it was built from. */
  readonly hosts: Map<string, { routes: readonly object[]; variant: string; value: unknown; build: number }>;
  /** Counts builds, to forget the hosts of tables that were not built again. */
  builds: number;
}

/** A WeakMap, or a Map in a transient cache. */
type Memo = Pick<WeakMap<object, unknown>, 'get' | 'set' | 'has'>;

export interface XdsBuildCacheOptions {
  /** For one build only: see XdsBuildCache.transient. */
  transient?: boolean;
}

export function createXdsBuildCache(options: XdsBuildCacheOptions = {}): XdsBuildCache {
  return { memos: new Map(), transient: options.transient ?? false, hosts: new Map(), builds: 0 };
}

let active: XdsBuildCache | undefined;

/** Runs `build` with `cache` active (nested calls keep the outer one). */
export function withBuildCache<T>(cache: XdsBuildCache | undefined, build: () => T): T {
  if (!cache || active) return build();
  active = cache;
  cache.builds++;
  try {
    return build();
  } finally {
    active = undefined;
  }
}

/**
 * Runs `build` with no build cache active, and the outer one back afterwards: the JSON of a resource
 * written straight from the IR is built on demand (a dump, a golden), long after its build, and must
 * neither fill a cache meant for builds nor reuse what a build left there for other purposes.
 */
export function withoutBuildCache<T>(build: () => T): T {
  const outer = active;
  active = undefined;
  try {
    return build();
  } finally {
    active = outer;
  }
}

/**
 * A virtual host's JSON, reused when the host of the same key was last built from the very same
 * route objects in the same order (and the same `variant`: domains, listener port…). Each translation
 * makes new VirtualHostIR objects, but an untouched host lists the same route objects; checking that
 * costs a pointer comparison per route, and reusing the host keeps its encoded bytes too.
 */
export function reusedHost<V>(key: string, routes: readonly object[], variant: string, build: () => V): V {
  if (!active) return build();
  const previous = active.hosts.get(key);
  if (previous && previous.variant === variant && sameItems(previous.routes, routes)) {
    previous.build = active.builds;
    return previous.value as V;
  }
  const value = build();
  active.hosts.set(key, { routes: [...routes], variant, value, build: active.builds });
  return value;
}

/**
 * `items` itself, or the array returned last time under `key` when it held the very same objects in
 * the same order: an unchanged list of resources stays the same array, so the encoder and the
 * snapshot cache can skip it whole. The array must not be changed afterwards.
 */
export function stableList<T extends object>(key: string, items: T[]): T[] {
  return reusedHost(`list|${key}`, items, '', () => items);
}

/** Forgets hosts not built for `builds` builds (their tables or gateways are gone). */
export function forgetStaleHosts(cache: XdsBuildCache, builds = 16): void {
  for (const [key, entry] of cache.hosts) if (cache.builds - entry.build > builds) cache.hosts.delete(key);
}

function sameItems(a: readonly object[], b: readonly object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether the active cache lives for one build only (XdsBuildCache.transient): memos of parts no one asks for twice are waste then. */
export function buildCacheIsTransient(): boolean {
  return active?.transient ?? false;
}

/**
 * `memoized`, for results kept for the builds to come (an IR route's Envoy routes, a backend's
 * cluster): under a one-build cache (XdsBuildCache.transient) nothing is kept and `build()` runs.
 * Within one build the same key seldom comes twice (a route attached to two tables of one port), and
 * building it again gives an equal result: the tens of thousands of entries cost more than that.
 */
export function memoizedAcrossBuilds<K extends object, V>(table: string, key: K, build: () => V, variant = ''): V {
  return active?.transient ? build() : memoized(table, key, build, variant);
}

/**
 * `build()`'s result for `key` under `table` (a name per kind of result; `variant` distinguishes
 * results that also depend on something besides the key, like a route table's port), from the active
 * cache when there is one.
 */
export function memoized<K extends object, V>(table: string, key: K, build: () => V, variant = ''): V {
  if (!active) return build();
  // Two levels rather than one `${table}|${variant}` key: no string built and hashed per call.
  let variants = active.memos.get(table);
  if (!variants) active.memos.set(table, (variants = new Map()));
  let memo = variants.get(variant);
  if (!memo) variants.set(variant, (memo = active.transient ? new Map() : new WeakMap()));
  const hit = memo.get(key);
  if (hit !== undefined || memo.has(key)) return hit as V;
  const value = build();
  memo.set(key, value);
  return value;
}
