// A stand-in for a provider, feeding the reconciler the snapshots a watch would: every snapshot is a
// new ResourceSet and object list in which the objects that did not change are the same JS instances
// as before, with `changes` naming what did (ProviderSnapshot in packages/provider/src/types.ts).
// Like the Kubernetes provider, each snapshot's set is a copy-on-write clone of the previous one
// (ResourceSet.clone), so kinds that did not change share their index (and their kind token).
// Building a snapshot is the provider's work, so the benchmark does it before starting the clock.
import { ResourceSet } from '@portico/resources';

const keyOf = (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function changeOf(o, type) {
  return { kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name, type };
}

export function createSnapshotSource(initialObjects) {
  let objects = [...initialObjects];
  let positions = indexPositions(objects);
  let generation = 0;
  let resources = ResourceSet.from(objects);

  function snapshot(changes) {
    generation += 1;
    return { generation, resources, objects, ...(changes ? { changes } : {}) };
  }

  return {
    /** The objects of the last snapshot. */
    objects: () => objects,
    /** The first snapshot: no `changes` (everything may have changed). */
    initial: () => snapshot(undefined),
    /** Objects added, or replacing the one of the same kind/namespace/name. */
    upsert(list) {
      resources = resources.clone();
      for (const o of list) resources.upsert(o);
      objects = [...objects];
      for (const o of list) {
        const at = positions.get(keyOf(o));
        if (at === undefined) {
          positions.set(keyOf(o), objects.length);
          objects.push(o);
        } else objects[at] = o;
      }
      return snapshot(list.map((o) => changeOf(o, 'upsert')));
    },
    /** Objects removed (by kind/namespace/name). */
    remove(list) {
      resources = resources.clone();
      for (const o of list) resources.delete(o.kind, o.metadata.namespace, o.metadata.name);
      const gone = new Set(list.map(keyOf));
      objects = objects.filter((o) => !gone.has(keyOf(o)));
      positions = indexPositions(objects);
      return snapshot(list.map((o) => changeOf(o, 'delete')));
    },
  };
}

function indexPositions(objects) {
  return new Map(objects.map((o, i) => [keyOf(o), i]));
}

/** `count` indexes spread evenly over `0 … length-1` (different objects, all over the input). */
export function spread(length, count) {
  return Array.from({ length: Math.min(count, length) }, (_, i) => Math.floor(((i + 0.5) * length) / Math.min(count, length)));
}

/** A new instance of an issue-shaped HTTPRoute with another tenant header and other weights. */
export function editedRoute(route, edit) {
  const copy = structuredClone(route);
  const rule = copy.spec.rules[0];
  rule.matches[0].headers[0].value = `edited-${edit}`;
  rule.backendRefs[0].weight = 80;
  rule.backendRefs[1].weight = 20;
  return copy;
}

/** A new instance of an EndpointSlice whose last endpoint moved to another pod IP. */
export function changedEndpointSlice(slice, edit) {
  const copy = structuredClone(slice);
  copy.endpoints[copy.endpoints.length - 1].addresses = [`10.255.${(edit >> 8) & 255}.${edit & 255}`];
  return copy;
}
