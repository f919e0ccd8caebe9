/**
 * Which kinds of object changed between two provider snapshots: the `kind` label of the reconcile
 * metrics, and the "what changed" of the reconcile log line. An object is identified by kind,
 * namespace and name, and compared by a hash of its JSON. The hash of an object instance is
 * remembered, so the unchanged objects a provider hands over again cost nothing.
 */
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { KubeObject } from '@portico/resources';

export interface ChangeTracker {
  /** The kinds with an object added, changed or removed since the previous call, sorted. */
  changedKinds(objects: readonly KubeObject[]): string[];
  /**
   * The same, in slices of `slice` objects, each in a turn of its own: hashing a first snapshot of
   * 10,000 objects takes ~250 ms, which the main thread must not spend in one step when translation
   * runs on the worker. Calls must not overlap.
   */
  changedKindsInSlices(objects: readonly KubeObject[], slice?: number): Promise<string[]>;
}

/** Objects hashed per turn by changedKindsInSlices (~10 ms of work). */
const OBJECTS_PER_SLICE = 500;

export function createChangeTracker(): ChangeTracker {
  const hashes = new WeakMap<object, string>();
  let previous = new Map<string, { kind: string; hash: string }>();
  /**
   * The first call's objects, not hashed yet: against nothing, every kind present changed, so the
   * hashing waits for the next call (which hashes them, the unchanged instances once for both).
   */
  let firstObjects: readonly KubeObject[] | undefined;
  let called = false;

  /** The first call's answer, or undefined after it. */
  function first(objects: readonly KubeObject[]): string[] | undefined {
    if (called) return undefined;
    called = true;
    firstObjects = objects;
    return [...new Set(objects.map((o) => o.kind))].sort();
  }

  function hashOf(object: KubeObject): string {
    let hash = hashes.get(object);
    if (hash === undefined) {
      hash = createHash('sha1').update(JSON.stringify(object)).digest('base64');
      hashes.set(object, hash);
    }
    return hash;
  }

  function compare(object: KubeObject, current: Map<string, { kind: string; hash: string }>, changed: Set<string>): void {
    const key = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const hash = hashOf(object);
    current.set(key, { kind: object.kind, hash });
    if (previous.get(key)?.hash !== hash) changed.add(object.kind);
  }

  function finish(current: Map<string, { kind: string; hash: string }>, changed: Set<string>): string[] {
    for (const [key, { kind }] of previous) if (!current.has(key)) changed.add(kind);
    previous = current;
    return [...changed].sort();
  }

  /** The first call's objects as `previous` (what `compare` with an empty `previous` would have made it). */
  function hashFirst(objects: readonly KubeObject[]): void {
    for (const object of objects) previous.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, { kind: object.kind, hash: hashOf(object) });
  }

  return {
    changedKinds(objects) {
      const kinds = first(objects);
      if (kinds) return kinds;
      if (firstObjects) hashFirst(firstObjects);
      firstObjects = undefined;
      const current = new Map<string, { kind: string; hash: string }>();
      const changed = new Set<string>();
      for (const object of objects) compare(object, current, changed);
      return finish(current, changed);
    },
    async changedKindsInSlices(objects, slice = OBJECTS_PER_SLICE) {
      // Not in the caller's turn, which started the translation (a first one: the worker thread too).
      await nextTurn();
      const kinds = first(objects);
      if (kinds) return kinds;
      const pending = firstObjects;
      firstObjects = undefined;
      for (let i = 0; pending && i < pending.length; i += slice) {
        if (i > 0) await nextTurn();
        hashFirst(pending.slice(i, i + slice));
      }
      const current = new Map<string, { kind: string; hash: string }>();
      const changed = new Set<string>();
      for (let i = 0; i < objects.length; i += slice) {
        // After the first objects' last slice, a turn of its own too.
        if (i > 0 || pending) await nextTurn();
        for (const object of objects.slice(i, i + slice)) compare(object, current, changed);
      }
      return finish(current, changed);
    },
  };
}

/** Objects by kind, for the `portico_resources` gauge and the start-up log. */
export function countByKind(objects: readonly KubeObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { kind } of objects) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}
