/**
 * What changed between two published object lists of the file provider, by kind/namespace/name. A
 * re-read file yields new objects for every document in it, edited or not: an object equal in content
 * to the one served before is replaced by that one, so it keeps its identity (the translator reuses
 * what it made from it) and is not reported as changed. Objects of files that were not re-read are the
 * same objects already and cost nothing.
 */
import { KINDS, type Resource } from '@portico/resources';
import type { ObjectChange } from '../types.js';

export interface ServedObjects {
  objects: Resource[];
  changes: ObjectChange[];
  byKey: Map<string, Resource>;
}

export function servedObjects(merged: readonly Resource[], previous: ReadonlyMap<string, Resource> | undefined): ServedObjects {
  const byKey = new Map<string, Resource>();
  const changes: ObjectChange[] = [];
  const objects = merged.map((object) => {
    const key = keyOf(object);
    const before = previous?.get(key);
    const served = before && before !== object && JSON.stringify(before) === JSON.stringify(object) ? before : object;
    if (served !== before) changes.push(change(served, 'upsert'));
    byKey.set(key, served);
    return served;
  });
  for (const [key, before] of previous ?? []) if (!byKey.has(key)) changes.push(change(before, 'delete'));
  return { objects, changes, byKey };
}

function keyOf(object: Resource): string {
  const { namespace, name } = object.metadata;
  return KINDS[object.kind].namespaced ? `${object.kind}/${namespace ?? 'default'}/${name}` : `${object.kind}/${name}`;
}

function change(object: Resource, type: ObjectChange['type']): ObjectChange {
  const { namespace, name } = object.metadata;
  return { kind: object.kind, ...(KINDS[object.kind].namespaced ? { namespace: namespace ?? 'default' } : {}), name, type };
}
