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
  readonly memos: Map<string, WeakMap<object, unknown>>;
}

export function createXdsBuildCache(): XdsBuildCache {
  return { memos: new Map() };
}

let active: XdsBuildCache | undefined;

/** Runs `build` with `cache` active (nested calls keep the outer one). */
export function withBuildCache<T>(cache: XdsBuildCache | undefined, build: () => T): T {
  if (!cache || active) return build();
  active = cache;
  try {
    return build();
  } finally {
    active = undefined;
  }
}

/**
 * `build()`'s result for `key` under `table` (a name per kind of result; `variant` distinguishes
 * results that also depend on something besides the key, like a route table's port), from the active
 * cache when there is one.
 */
export function memoized<K extends object, V>(table: string, key: K, build: () => V, variant = ''): V {
  if (!active) return build();
  const name = variant ? `${table}|${variant}` : table;
  let memo = active.memos.get(name) as WeakMap<K, V> | undefined;
  if (!memo) active.memos.set(name, (memo = new WeakMap()));
  if (memo.has(key)) return memo.get(key) as V;
  const value = build();
  memo.set(key, value);
  return value;
}
