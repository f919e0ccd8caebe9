/**
 * The matches of one listener hostname that can never be taken: in precedence order (virtual-hosts.ts,
 * the order Envoy tries them), a match is shadowed when an earlier one covers it (match-cover.ts),
 * since every request it would match is taken first. The earliest covering match is named as the
 * winner; it is never shadowed itself (whatever covered it would cover the later match too, earlier).
 *
 * One sweep in order with an index of the matches seen so far, by path key and then by the exact set
 * of conditions (the first match of each pair is enough: a later one with the same pair is covered by
 * it). A match looks up only the path keys that cover it (a handful: one per path element) and, under
 * each, the condition sets seen there: scanned while they are few (the usual case), looked up by each
 * subset of the match's own conditions once there are many (thousands of routes on one path told
 * apart by a header), so a table of n matches costs about n lookups rather than n² comparisons. Only
 * a match with more than MAX_ENUMERATED conditions (match-cover.ts; rare: the CRDs allow 16 headers
 * and 16 query params) under a path with many condition sets scans them, up to MAX_SCANNED.
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

interface Seen {
  position: number;
  conditions: readonly string[];
  conditionsKey: string;
}

/** The first entry of each distinct condition set under one path key, in order (positions increase). */
interface PathSlot {
  seen: Seen[];
  /** The same by condition-set key, once there are more than SCAN_LIMIT (then subsets are looked up). */
  byKey?: Map<string, number>;
}

/** Up to this many condition sets under one path are scanned; beyond, looked up by subset. */
const SCAN_LIMIT = 8;
/** At most this many condition sets are scanned for one match under one path. */
const MAX_SCANNED = 256;

/**
 * `ordered`: one listener hostname's entries, in precedence order. `rememberShapes`: keep each entry's
 * match shape for later sweeps (a long-lived translator sweeps a hostname again after each edit).
 */
export function findShadowedEntries(ordered: readonly PlacedEntry[], { rememberShapes = false } = {}): ShadowedEntry[] {
  const found: ShadowedEntry[] = [];
  const index = new Map<string, PathSlot>();
  const placed = new Set<RouteEntry>();
  const shapes: MatchShape[] = [];
  for (let position = 0; position < ordered.length; position++) {
    const p = ordered[position]!;
    const shape = rememberShapes ? entryShape(p.entry) : matchShape(p.entry.ir.match, p.entry.grpc);
    shapes.push(shape);
    // An entry listed twice (two parentRefs to one listener) is served once, at its first place.
    if (placed.has(p.entry)) continue;
    placed.add(p.entry);
    const best = earliestCovering(index, shape);
    if (best !== Infinity) {
      const other = shapes[best]!;
      found.push({ shadowed: p, by: ordered[best]!, equivalent: other.path === shape.path && other.conditionsKey === shape.conditionsKey });
    }
    remember(index, shape, position);
  }
  return found;
}

/**
 * A route entry's shape, made once: entries live (unchanged) as long as their route does
 * (translation-cache.ts), and a one-route edit sweeps again every entry of its listener hostname.
 */
const shapes = new WeakMap<RouteEntry, MatchShape>();

function entryShape(entry: RouteEntry): MatchShape {
  let shape = shapes.get(entry);
  if (!shape) shapes.set(entry, (shape = matchShape(entry.ir.match, entry.grpc)));
  return shape;
}

/** The earliest position of a match covering `shape` (match-cover.ts `covers`), or Infinity. */
function earliestCovering(index: ReadonlyMap<string, PathSlot>, shape: MatchShape): number {
  let best = Infinity;
  for (const path of shape.coveredBy) {
    const slot = index.get(path);
    if (!slot) continue;
    if (slot.byKey && shape.subsetKeys) {
      for (const key of shape.subsetKeys) {
        const position = slot.byKey.get(key);
        if (position !== undefined && position < best) best = position;
      }
      continue;
    }
    // The unconditioned earlier match, the likeliest cover, is found by key when the slot has many.
    const unconditioned = slot.byKey?.get('');
    if (unconditioned !== undefined && unconditioned < best) best = unconditioned;
    let scanned = 0;
    for (const seen of slot.seen) {
      // Only a match with more than MAX_ENUMERATED conditions scans past SCAN_LIMIT sets; giving up
      // after MAX_SCANNED keeps a table of such matches linear, at the price of a shadowing not
      // reported (never of one wrongly reported).
      if (seen.position >= best || ++scanned > MAX_SCANNED) break;
      if (isSubset(seen.conditions, shape.conditions)) {
        best = seen.position;
        break;
      }
    }
  }
  return best;
}

/** Records the entry unless an earlier one has the same path and conditions (which covers it anyway). */
function remember(index: Map<string, PathSlot>, shape: MatchShape, position: number): void {
  let slot = index.get(shape.path);
  if (!slot) index.set(shape.path, (slot = { seen: [] }));
  const key = shape.conditionsKey;
  if (slot.byKey ? slot.byKey.has(key) : slot.seen.some((s) => s.conditionsKey === key)) return;
  slot.seen.push({ position, conditions: shape.conditions, conditionsKey: key });
  if (slot.byKey) slot.byKey.set(key, position);
  else if (slot.seen.length > SCAN_LIMIT) slot.byKey = new Map(slot.seen.map((s) => [s.conditionsKey, s.position]));
}
