/**
 * The informers' objects → one ProviderSnapshot per publish.
 *
 * Informers write into per-kind stores and mark what they touched; `assemble()` then compares each
 * touched object with the one the previous snapshot served (by identity: an informer hands us a new
 * object only when its resourceVersion changed). Each snapshot gets its own ResourceSet, so a
 * reconciler still holding the previous one never sees it change under it, but the new set is a
 * copy-on-write clone of the previous one and each kind's sorted list is patched rather than re-sorted:
 * a publish costs what changed (and a copy of the changed kinds' indexes), not the whole set.
 * Unchanged objects keep their identity from one snapshot to the next.
 *
 * Secrets and ConfigMaps are served through tls-references.ts: only the referenced ones, with only the
 * keys their references read. Their filtered copies are memoised so they too keep their identity.
 */
import { ALL_KINDS, KINDS, ResourceSet, type BackendTLSPolicy, type ConfigMap, type Gateway, type Ingress, type Kind, type ListenerSet, type Resource, type Secret, type SecurityPolicy } from '@portico/resources';
import type { ObjectChange } from '../types.js';
import { collectTlsReferences, keySetName, withOnlyKeys, type ReferencedKeys } from './tls-references.js';

export interface AssembledSnapshot {
  resources: ResourceSet;
  /** Kinds in ALL_KINDS order, each sorted by namespace then name. */
  objects: Resource[];
  changes: ObjectChange[];
}

export interface SnapshotAssembler {
  upsert(kind: Kind, object: Resource): void;
  delete(kind: Kind, namespace: string | undefined, name: string): void;
  /** A kind's stored objects, served or not. */
  stored(kind: Kind): Resource[];
  /** The latest object the informer holds (it may be newer than the served one: see STATUS_KINDS). */
  latest(kind: Kind, namespace: string | undefined, name: string): Resource | undefined;
  /** Objects of a kind the last assembled snapshot served. */
  servedCount(kind: Kind): number;
  /** True when something was written since the last assemble(). */
  dirty(): boolean;
  /** Serves what the stores hold now; undefined when that is what the previous snapshot served. */
  assemble(): AssembledSnapshot | undefined;
}

/**
 * Kinds whose status Portico writes. A change to one of them that touches only its status (or its
 * resourceVersion and managedFields, which every write changes) is not served: the translator never
 * reads these statuses, and serving it would make each of our own status writes trigger a whole
 * translation. The status writer reads the latest object (`latest`) for its resourceVersion.
 */
const STATUS_KINDS: ReadonlySet<Kind> = new Set(['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'BackendPolicy', 'XTelemetryPolicy', 'AccessLogPolicy', 'RateLimitPolicy', 'Ingress']);

/**
 * Same object but for status: the same object (uid: one deleted and created again under its name
 * between two snapshots starts at generation 1 again, with a spec of its own), same generation (spec
 * changes bump it), labels and annotations, read at the same version (a kind that moves to a more
 * preferred version is served anew).
 */
function onlyStatusChanged(previous: Resource, current: Resource): boolean {
  const [a, b] = [previous.metadata, current.metadata];
  return (
    previous.apiVersion === current.apiVersion &&
    a.uid === b.uid &&
    a.generation !== undefined &&
    a.generation === b.generation &&
    JSON.stringify(a.labels ?? {}) === JSON.stringify(b.labels ?? {}) &&
    JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {})
  );
}

/** Kinds whose objects decide which Secrets and ConfigMaps are served. */
const REFERRING_KINDS: ReadonlySet<Kind> = new Set(['Gateway', 'ListenerSet', 'Ingress', 'BackendTLSPolicy', 'SecurityPolicy', 'Secret', 'ConfigMap']);
/** Past this many changes in one kind, re-sorting beats patching the sorted list. */
const PATCH_LIMIT = 64;

interface ServedKind {
  byKey: Map<string, Resource>;
  sorted: Resource[];
}

interface FilteredCopy {
  source: Resource;
  keys: string;
  copy: Resource;
}

export function createSnapshotAssembler(): SnapshotAssembler {
  const stores = new Map<Kind, Map<string, Resource>>(ALL_KINDS.map((kind) => [kind, new Map()]));
  const served = new Map<Kind, ServedKind>(ALL_KINDS.map((kind) => [kind, { byKey: new Map(), sorted: [] }]));
  const touched = new Map<Kind, Set<string>>(ALL_KINDS.map((kind) => [kind, new Set()]));
  const filtered = new Map<Kind, Map<string, FilteredCopy>>([
    ['Secret', new Map()],
    ['ConfigMap', new Map()],
  ]);
  let referencesDirty = true;
  let pending = false;
  /** The last snapshot's set: each publish clones it (copy-on-write) and writes only what changed. */
  let published = new ResourceSet();

  const store = (kind: Kind) => stores.get(kind) as Map<string, Resource>;
  const keyOf = (kind: Kind, namespace: string | undefined, name: string) =>
    KINDS[kind].namespaced ? `${namespace ?? 'default'}/${name}` : name;

  function mark(kind: Kind, key: string): void {
    (touched.get(kind) as Set<string>).add(key);
    if (REFERRING_KINDS.has(kind)) referencesDirty = true;
    pending = true;
  }

  /** What a Secret or ConfigMap kind should serve now: referenced objects, trimmed to the referenced keys. */
  function desiredFiltered(kind: 'Secret' | 'ConfigMap', references: ReferencedKeys): Map<string, Resource> {
    const memo = filtered.get(kind) as Map<string, FilteredCopy>;
    const desired = new Map<string, Resource>();
    for (const [key, keys] of references) {
      const source = store(kind).get(key);
      if (!source) continue;
      const name = keySetName(keys);
      let entry = memo.get(key);
      if (!entry || entry.source !== source || entry.keys !== name) {
        entry = { source, keys: name, copy: withOnlyKeys(source as Secret | ConfigMap, keys) };
        memo.set(key, entry);
      }
      desired.set(key, entry.copy);
    }
    for (const key of memo.keys()) if (!desired.has(key)) memo.delete(key);
    return desired;
  }

  /**
   * Applies `next` (key → object, or undefined for gone) to a kind's served view and to `resources`
   * (the clone of the previous snapshot's set); returns the kind's changes.
   */
  function applyToServed(kind: Kind, next: Iterable<[string, Resource | undefined]>, resources: ResourceSet): ObjectChange[] {
    const view = served.get(kind) as ServedKind;
    const changes: ObjectChange[] = [];
    const replaced: Resource[] = [];
    const added: Resource[] = [];
    const removed: Resource[] = [];
    for (const [key, current] of next) {
      const previous = view.byKey.get(key);
      if (current === previous) continue;
      if (current && previous && STATUS_KINDS.has(kind) && onlyStatusChanged(previous, current)) continue;
      if (current) {
        view.byKey.set(key, current);
        (previous ? replaced : added).push(current);
        changes.push(change(kind, current, 'upsert'));
      } else if (previous) {
        view.byKey.delete(key);
        removed.push(previous);
        changes.push(change(kind, previous, 'delete'));
      }
    }
    if (changes.length === 0) return changes;
    view.sorted =
      changes.length > PATCH_LIMIT ? [...view.byKey.values()].sort(compareObjects) : patchSorted(view.sorted, replaced, added, removed);
    // The set's index keeps insertion order, and the translator reads `list()` in that order: keep it
    // sorted whatever the history of events. Replacing and deleting keep the others' places; an added
    // object lands at the end, so what sorts after it is moved behind it.
    for (const object of removed) resources.delete(kind, object.metadata.namespace, object.metadata.name);
    for (const object of replaced) resources.upsert(object);
    if (added.length > 0) {
      const fresh = new Set(added);
      let from = view.sorted.length;
      for (const object of added) from = Math.min(from, search(view.sorted, object).index);
      const tail = view.sorted.slice(from);
      for (const object of tail) if (!fresh.has(object)) resources.delete(kind, object.metadata.namespace, object.metadata.name);
      for (const object of tail) resources.upsert(object);
    }
    return changes;
  }

  return {
    upsert(kind, object) {
      const key = keyOf(kind, object.metadata.namespace, object.metadata.name);
      store(kind).set(key, object);
      mark(kind, key);
    },
    delete(kind, namespace, name) {
      const key = keyOf(kind, namespace, name);
      if (store(kind).delete(key)) mark(kind, key);
    },
    stored: (kind) => [...store(kind).values()],
    latest: (kind, namespace, name) => store(kind).get(keyOf(kind, namespace, name)),
    servedCount: (kind) => (served.get(kind) as ServedKind).byKey.size,
    dirty: () => pending,
    assemble() {
      const changes: ObjectChange[] = [];
      const resources = published.clone();
      let references: { secrets: ReferencedKeys; configMaps: ReferencedKeys } | undefined;
      if (referencesDirty) {
        references = collectTlsReferences(
          [...(store('Gateway').values() as Iterable<Gateway>), ...(store('ListenerSet').values() as Iterable<ListenerSet>)],
          store('Ingress').values() as Iterable<Ingress>,
          store('BackendTLSPolicy').values() as Iterable<BackendTLSPolicy>,
          store('SecurityPolicy').values() as Iterable<SecurityPolicy>,
        );
      }
      for (const kind of ALL_KINDS) {
        const keys = touched.get(kind) as Set<string>;
        if (kind === 'Secret' || kind === 'ConfigMap') {
          // Touching either kind makes references dirty: with references unchanged, neither view changes.
          keys.clear();
          if (!references) continue;
          const desired = desiredFiltered(kind, kind === 'Secret' ? references.secrets : references.configMaps);
          const view = (served.get(kind) as ServedKind).byKey;
          const next: [string, Resource | undefined][] = [...desired];
          for (const key of view.keys()) if (!desired.has(key)) next.push([key, undefined]);
          changes.push(...applyToServed(kind, next, resources));
        } else if (keys.size > 0) {
          const current = store(kind);
          changes.push(...applyToServed(kind, [...keys].map((key): [string, Resource | undefined] => [key, current.get(key)]), resources));
          keys.clear();
        }
      }
      referencesDirty = false;
      pending = false;
      if (changes.length === 0) return undefined;
      const objects: Resource[] = [];
      for (const kind of ALL_KINDS) for (const object of (served.get(kind) as ServedKind).sorted) objects.push(object);
      published = resources;
      return { resources, objects, changes };
    },
  };
}

function change(kind: Kind, object: Resource, type: ObjectChange['type']): ObjectChange {
  const { namespace, name } = object.metadata;
  return KINDS[kind].namespaced ? { kind, namespace: namespace ?? 'default', name, type } : { kind, name, type };
}

/** Snapshot order within a kind: namespace, then name (code-unit order: stable across locales). */
export function compareObjects(a: Resource, b: Resource): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const a2 = a.metadata.name;
  const b2 = b.metadata.name;
  return a2 < b2 ? -1 : a2 > b2 ? 1 : 0;
}

/** A copy of `sorted` with objects replaced, added and removed, found by binary search. */
function patchSorted(sorted: readonly Resource[], replaced: Resource[], added: Resource[], removed: Resource[]): Resource[] {
  const next = sorted.slice();
  for (const object of replaced) {
    const at = search(next, object);
    if (at.found) next[at.index] = object;
  }
  for (const object of removed) {
    const at = search(next, object);
    if (at.found) next.splice(at.index, 1);
  }
  for (const object of added) next.splice(search(next, object).index, 0, object);
  return next;
}

function search(sorted: readonly Resource[], object: Resource): { index: number; found: boolean } {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = compareObjects(sorted[mid] as Resource, object);
    if (order === 0) return { index: mid, found: true };
    if (order < 0) low = mid + 1;
    else high = mid;
  }
  return { index: low, found: false };
}
