/**
 * The matches of one listener hostname that can never be taken: in precedence order (virtual-hosts.ts,
 * the order Envoy tries them), a match is shadowed when an earlier one covers it (match-cover.ts),
 * since every request it would match is taken first. The earliest covering match is named as the
 * winner; it is never shadowed itself (whatever covered it would cover the later match too, earlier).
 *
 * One sweep in order with an index of the matches seen so far, by path key and then by the exact set
 * of conditions (the first match of each pair is enough: a later one with the same pair is covered by
 * it). A match looks up only the path keys that cover it (a handful: one per path element) and, under
 * each, the subsets of its own conditions, so a table of n matches costs about n lookups rather than
 * n² comparisons. A match with more than MAX_ENUMERATED conditions (rare: the CRDs allow 16 headers
 * and 16 query params) scans the condition sets under its path keys instead.
 */
import type { RouteEntry } from '../../routes/translated-route.js';
import { isSubset, matchShape, type MatchShape } from './match-cover.js';

/** A route entry where a virtual host lists it, with the route hostname it was placed by. */
export interface PlacedEntry {
  entry: RouteEntry;
  /** The route hostname behind the listener/route intersection (hostnames.ts routeHostnameBehind). */
  behind: string;
}

export interface ShadowedEntry {
  shadowed: PlacedEntry;
  /** The earliest entry before it that covers it. */
  by: PlacedEntry;
  /** The two matches take exactly the same requests. */
  equivalent: boolean;
}

const MAX_ENUMERATED = 6;

interface Seen {
  position: number;
  conditions: readonly string[];
}

const shapes = new WeakMap<RouteEntry, MatchShape>();

/** Entries live as long as their route is unchanged (translation-cache.ts): shape each once. */
function shapeOf(entry: RouteEntry): MatchShape {
  let shape = shapes.get(entry);
  if (!shape) shapes.set(entry, (shape = matchShape(entry.ir.match, entry.grpc)));
  return shape;
}

/** `ordered`: one listener hostname's entries, in precedence order. */
export function findShadowedEntries(ordered: readonly PlacedEntry[]): ShadowedEntry[] {
  const found: ShadowedEntry[] = [];
  const index = new Map<string, Map<string, Seen>>();
  const placed = new Set<RouteEntry>();
  ordered.forEach((p, position) => {
    // An entry listed twice (two parentRefs to one listener) is served once, at its first place.
    if (placed.has(p.entry)) return;
    placed.add(p.entry);
    const shape = shapeOf(p.entry);
    let best = Infinity;
    for (const key of shape.coveredBy) {
      const bySet = index.get(key);
      if (bySet) best = Math.min(best, earliestCovering(bySet, shape.conditions));
    }
    if (best !== Infinity) {
      const by = ordered[best]!;
      const other = shapeOf(by.entry);
      found.push({ shadowed: p, by, equivalent: other.path === shape.path && other.conditions.length === shape.conditions.length });
    }
    let bySet = index.get(shape.path);
    if (!bySet) index.set(shape.path, (bySet = new Map()));
    const setKey = shape.conditions.join('\u0001');
    if (!bySet.has(setKey)) bySet.set(setKey, { position, conditions: shape.conditions });
  });
  return found;
}

/** The earliest position in `bySet` whose conditions are a subset of `conditions`, or Infinity. */
function earliestCovering(bySet: ReadonlyMap<string, Seen>, conditions: readonly string[]): number {
  let best = Infinity;
  if (conditions.length <= MAX_ENUMERATED) {
    const subsets = 1 << conditions.length;
    for (let mask = 0; mask < subsets; mask++) {
      const picked: string[] = [];
      for (let i = 0; i < conditions.length; i++) if (mask & (1 << i)) picked.push(conditions[i]!);
      const seen = bySet.get(picked.join('\u0001'));
      if (seen && seen.position < best) best = seen.position;
    }
    return best;
  }
  for (const seen of bySet.values()) if (seen.position < best && isSubset(seen.conditions, conditions)) best = seen.position;
  return best;
}
