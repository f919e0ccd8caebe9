/**
 * The snapshot cache, after go-control-plane's pkg/cache/v3 (snapshot.go, simple.go): one snapshot per
 * gateway (`namespace/name`, what an Envoy names in `node.cluster`), published only when consistent,
 * read by the ADS streams through the ConfigWatcher interface.
 *
 * - Versions are `<boot id>-<sequence>`: the boot id is random per cache, so a version never repeats
 *   across restarts or replicas, and an Envoy that reconnects elsewhere is never told "nothing changed".
 * - Encode once: a resource whose name, version and wildcard flag are unchanged keeps the CachedResource
 *   instance (and its bytes) of the previous snapshot, and every stream sends that same instance.
 * - Subscribers are notified synchronously, after the snapshot is stored, in subscription order: when
 *   `setSnapshot` returns, every stream has already written its responses (deterministic for tests, and
 *   the push latency is measured from one well-defined instant).
 */
import { randomBytes } from 'node:crypto';
import type { CachedResource, ConfigWatcher, ResourceSnapshot, TypeUrl } from './types.js';

export interface SnapshotCacheOptions {
  /** Prefix of every snapshot version; random by default. Give one only in tests. */
  bootId?: string;
  /**
   * The consistency gate (go-control-plane's Snapshot.Consistent): problems that forbid publishing the
   * candidate; empty when it is consistent. The composition root wires @portico/xds
   * `consistencyProblems` here (this package must not import it).
   */
  checkConsistency?: (snapshot: ResourceSnapshot, gateway: string) => string[];
  /** Called when a subscriber throws; the others are still notified. Rethrown asynchronously by default. */
  onSubscriberError?: (error: unknown, gateway: string) => void;
}

export interface SetSnapshotResult {
  /** True when a new snapshot was published and subscribers were notified. */
  published: boolean;
  /** Why the candidate was refused (the last good snapshot stays). Empty when published or unchanged. */
  problems: string[];
  /** The version now served: the new one, or the current one when the candidate was identical. */
  version?: string;
}

export interface SnapshotCache extends ConfigWatcher {
  /**
   * Publishes the resources of a gateway, unless they are inconsistent (refused, problems returned) or
   * identical to the current snapshot (nothing happens: `published: false`, no problems).
   */
  setSnapshot(gateway: string, resourcesByType: ReadonlyMap<TypeUrl, readonly CachedResource[]>): SetSnapshotResult;
  /**
   * A new snapshot equal to the served one but for some resources replaced by name (they must all be
   * in it already: the names, so the consistency of the snapshot, do not change). For the fast path
   * of endpoint changes: O(size of the replaced types), no sorting, no comparison of the rest.
   */
  patchSnapshot(gateway: string, replacements: ReadonlyMap<TypeUrl, readonly CachedResource[]>): SetSnapshotResult;
  /** Forgets a gateway's snapshot (its streams keep what they have); true if there was one. */
  deleteSnapshot(gateway: string): boolean;
  /** Gateways with a published snapshot, sorted. */
  gateways(): string[];
  /** The boot-unique prefix of every version this cache publishes. */
  readonly bootId: string;
}

export function createSnapshotCache(options: SnapshotCacheOptions = {}): SnapshotCache {
  const bootId = options.bootId ?? randomBytes(6).toString('hex');
  const onSubscriberError = options.onSubscriberError ?? ((error: unknown) => queueMicrotask(() => { throw error; }));
  const snapshots = new Map<string, ResourceSnapshot>();
  const subscribers = new Map<string, Set<(snapshot: ResourceSnapshot) => void>>();
  let sequence = 0;

  function notify(gateway: string, snapshot: ResourceSnapshot): void {
    // A copy: a subscriber may unsubscribe (or subscribe another) while being notified.
    for (const onChange of [...(subscribers.get(gateway) ?? [])]) {
      try {
        onChange(snapshot);
      } catch (error) {
        onSubscriberError(error, gateway);
      }
    }
  }

  return {
    bootId,
    snapshot: (gateway) => snapshots.get(gateway),
    subscribe(gateway, onChange) {
      let set = subscribers.get(gateway);
      if (!set) subscribers.set(gateway, (set = new Set()));
      // Wrapped so that one callback subscribed twice is two subscriptions, each removable once.
      const entry = (snapshot: ResourceSnapshot) => onChange(snapshot);
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && subscribers.get(gateway) === set) subscribers.delete(gateway);
      };
    },
    setSnapshot(gateway, resourcesByType) {
      const current = snapshots.get(gateway);
      const { resources, problems } = indexResources(resourcesByType, current);
      if (problems.length === 0 && current && sameResources(current.resources, resources)) {
        return { published: false, problems: [], version: current.version };
      }
      const candidate: ResourceSnapshot = { version: `${bootId}-${sequence + 1}`, resources };
      problems.push(...(options.checkConsistency?.(candidate, gateway) ?? []));
      if (problems.length > 0) return { published: false, problems, ...(current ? { version: current.version } : {}) };
      sequence += 1;
      snapshots.set(gateway, candidate);
      notify(gateway, candidate);
      return { published: true, problems: [], version: candidate.version };
    },
    patchSnapshot(gateway, replacements) {
      const current = snapshots.get(gateway);
      if (!current) return { published: false, problems: [`${gateway} has no snapshot to patch`] };
      const resources = new Map(current.resources);
      for (const [typeUrl, list] of replacements) {
        const before = current.resources.get(typeUrl);
        let patched: Map<string, CachedResource> | undefined;
        for (const resource of list) {
          const old = before?.get(resource.name);
          if (!old) return { published: false, problems: [`${typeUrl}: ${resource.name} is not in the snapshot being patched`], version: current.version };
          if (sameResource(old, resource)) continue;
          patched ??= new Map(before);
          patched.set(resource.name, resource); // an existing key keeps its place: the order stays sorted
        }
        if (patched) resources.set(typeUrl, patched);
      }
      if ([...replacements.keys()].every((typeUrl) => resources.get(typeUrl) === current.resources.get(typeUrl))) {
        return { published: false, problems: [], version: current.version };
      }
      const candidate: ResourceSnapshot = { version: `${bootId}-${sequence + 1}`, resources };
      const problems = options.checkConsistency?.(candidate, gateway) ?? [];
      if (problems.length > 0) return { published: false, problems, version: current.version };
      sequence += 1;
      snapshots.set(gateway, candidate);
      notify(gateway, candidate);
      return { published: true, problems: [], version: candidate.version };
    },
    deleteSnapshot: (gateway) => snapshots.delete(gateway),
    gateways: () => [...snapshots.keys()].sort(),
  };
}

/**
 * Resources by type then name, sorted by name (streams keep that order, so responses are
 * deterministic), reusing the previous snapshot's instance of every unchanged resource.
 */
function indexResources(
  resourcesByType: ReadonlyMap<TypeUrl, readonly CachedResource[]>,
  previous: ResourceSnapshot | undefined,
): { resources: Map<TypeUrl, ReadonlyMap<string, CachedResource>>; problems: string[] } {
  const resources = new Map<TypeUrl, ReadonlyMap<string, CachedResource>>();
  const problems: string[] = [];
  for (const [typeUrl, list] of [...resourcesByType].sort(([a], [b]) => compare(a, b))) {
    const before = previous?.resources.get(typeUrl);
    // The very list the served index was made from (publishers hand unchanged lists back as is).
    const indexed = indexes.get(list);
    if (before && indexed === before) {
      resources.set(typeUrl, before);
      continue;
    }
    const byName = new Map<string, CachedResource>();
    for (const resource of [...list].sort((a, b) => compare(a.name, b.name))) {
      // xDS protocol "Duplicate Resource Names": a client must NACK a response naming a resource twice.
      if (byName.has(resource.name)) problems.push(`${typeUrl}: ${resource.name} appears twice`);
      const old = before?.get(resource.name);
      byName.set(resource.name, old && sameResource(old, resource) ? old : resource);
    }
    resources.set(typeUrl, byName);
    indexes.set(list, byName);
  }
  return { resources, problems };
}

/** The index each resource list was turned into; lists are never changed once given to the cache. */
const indexes = new WeakMap<readonly CachedResource[], ReadonlyMap<string, CachedResource>>();

function sameResource(a: CachedResource, b: CachedResource): boolean {
  return a.name === b.name && a.version === b.version && a.wildcard === b.wildcard;
}

/** Same resources (names, versions, wildcard flags) of every type; an absent type equals an empty one. */
function sameResources(
  a: ReadonlyMap<TypeUrl, ReadonlyMap<string, CachedResource>>,
  b: ReadonlyMap<TypeUrl, ReadonlyMap<string, CachedResource>>,
): boolean {
  for (const typeUrl of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(typeUrl) ?? new Map<string, CachedResource>();
    const y = b.get(typeUrl) ?? new Map<string, CachedResource>();
    if (x === y) continue;
    if (x.size !== y.size) return false;
    for (const [name, resource] of x) {
      const other = y.get(name);
      if (!other || !sameResource(resource, other)) return false;
    }
  }
  return true;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An encoded resource as @portico/xds `encodeResources` gives it (version = hash of the bytes). */
export interface EncodedResourceLike {
  name: string;
  version: string;
  bytes: Uint8Array;
}

/**
 * CachedResources for one type. With `previous` (that type in the current snapshot), a resource whose
 * version is unchanged reuses the previous instance, so the fresh bytes can be dropped at once;
 * `setSnapshot` does the same reuse in any case.
 */
export function cachedResourcesFrom(
  encoded: readonly EncodedResourceLike[],
  wildcard = true,
  previous?: ReadonlyMap<string, CachedResource>,
): CachedResource[] {
  return encoded.map(({ name, version, bytes }) => {
    const old = previous?.get(name);
    return old && old.version === version && old.wildcard === wildcard ? old : { name, version, bytes, wildcard };
  });
}
