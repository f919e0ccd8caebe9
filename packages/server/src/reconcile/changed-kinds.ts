/**
 * Which kinds of object changed between two provider snapshots: the `kind` label of the reconcile
 * metrics, and the "what changed" of the reconcile log line. An object is identified by kind,
 * namespace and name, and compared by a hash of its JSON. The hash of an object instance is
 * remembered, so the unchanged objects a provider hands over again cost nothing.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '@portico/resources';

export interface ChangeTracker {
  /** The kinds with an object added, changed or removed since the previous call, sorted. */
  changedKinds(objects: readonly KubeObject[]): string[];
}

export function createChangeTracker(): ChangeTracker {
  const hashes = new WeakMap<object, string>();
  let previous = new Map<string, { kind: string; hash: string }>();

  function hashOf(object: KubeObject): string {
    let hash = hashes.get(object);
    if (hash === undefined) {
      hash = createHash('sha1').update(JSON.stringify(object)).digest('base64');
      hashes.set(object, hash);
    }
    return hash;
  }

  return {
    changedKinds(objects) {
      const current = new Map<string, { kind: string; hash: string }>();
      const changed = new Set<string>();
      for (const object of objects) {
        const key = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        const hash = hashOf(object);
        current.set(key, { kind: object.kind, hash });
        if (previous.get(key)?.hash !== hash) changed.add(object.kind);
      }
      for (const [key, { kind }] of previous) if (!current.has(key)) changed.add(kind);
      previous = current;
      return [...changed].sort();
    },
  };
}

/** Objects by kind, for the `portico_resources` gauge and the start-up log. */
export function countByKind(objects: readonly KubeObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { kind } of objects) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}
