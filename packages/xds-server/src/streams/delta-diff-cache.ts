/**
 * Delta diffs shared between streams. The Envoys of one gateway usually hold the same subscription
 * state (the same names, the same versions held and in flight), so a snapshot change makes the same
 * diff for all of them: it is computed once per (resources of the type, subscription state) and the
 * same object is handed to every such stream, so what is derived from it (the response body, the
 * in-flight bookkeeping) is shared too (delta-stream.ts).
 *
 * A subscription's state is named by a digest chained over every change made to it
 * (delta-subscription.ts `advance`): two subscriptions with equal digests went through the same
 * changes from the same start, so they are equal in everything a diff reads. Equal states reached by
 * different paths only miss the sharing, never get a wrong diff.
 *
 * Bounded, and never keeping a snapshot alive: the diffs are kept with the resources they were made
 * of (weakly, so they go with their snapshot), at most `capacity` states per resource map, the least
 * recently used dropped first; a dropped one is recomputed when asked for again.
 */
import type { CachedResource } from '../types.js';

export interface PendingChanges {
  /** Resources to send: wanted, existing, at a version the client neither holds nor refused. */
  updated: CachedResource[];
  /** Names the client holds that are gone from the snapshot or no longer asked for. */
  removed: string[];
}

export type TypeResources = ReadonlyMap<string, CachedResource> | undefined;

export interface DeltaDiffCache {
  get(resources: TypeResources, state: string): PendingChanges | undefined;
  set(resources: TypeResources, state: string, changes: PendingChanges): void;
  /** Diffs stored (computed, not found) since creation: what the fan-out test counts. */
  diffsComputed(): number;
}

/** Distinct subscription states of one resource map kept: the Envoys of a gateway are usually in one or two. */
export const DEFAULT_DIFF_CACHE_CAPACITY = 64;

export function createDeltaDiffCache(capacity = DEFAULT_DIFF_CACHE_CAPACITY): DeltaDiffCache {
  // A snapshot's map of one type is replaced, never changed, when the snapshot is: its identity
  // names its content.
  const byResources = new WeakMap<object, Map<string, PendingChanges>>();
  /** The type is absent from the snapshot: no resources, a key of its own. */
  const noResources = {};
  const diffsOf = (resources: TypeResources) => {
    const key = resources ?? noResources;
    let diffs = byResources.get(key);
    if (!diffs) byResources.set(key, (diffs = new Map()));
    return diffs;
  };
  let computed = 0;
  return {
    get(resources, state) {
      const diffs = diffsOf(resources);
      const changes = diffs.get(state);
      if (changes) {
        // Most recently used last: Map iteration order is insertion order.
        diffs.delete(state);
        diffs.set(state, changes);
      }
      return changes;
    },
    set(resources, state, changes) {
      const diffs = diffsOf(resources);
      diffs.set(state, changes);
      computed++;
      while (diffs.size > capacity) diffs.delete(diffs.keys().next().value!);
    },
    diffsComputed: () => computed,
  };
}
