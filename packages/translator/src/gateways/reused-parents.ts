/**
 * The attachment parents (our Gateways and ListenerSets with their validated listeners) of the
 * previous translation, handed out again when this translation built equal ones: then every route's
 * remembered outcome (routes/attachment-memo.ts) names this translation's very listeners, and its
 * attachments and verdicts can be reused as they are instead of being re-pointed and settled again for
 * each of 10,000 routes (translate.ts settleRoute).
 *
 * Equal means equal in every field, compared structurally (the states form a cycle: a ListenerSet
 * state names its Gateway state, which lists it): what the parents are is all that attaching routes,
 * building the IR and writing statuses read of them, so equal parents give the same translation. The
 * one field translation writes, a listener's `attachedRoutes`, is zeroed on the previous states first
 * (fresh states start at zero): it is counted again. Parents of a translation in which something
 * failed are not kept (a failure marks its Gateway invalid, translate.ts).
 */
import type { AttachmentParents } from '../routes/route-attachment.js';
import type { GatewayState } from './gateways.js';

export interface BuiltParents {
  /** Our Gateways, in the order collectGateways made them. */
  gateways: GatewayState[];
  /** The same Gateways by key, and the ListenerSets: one object for as long as the parents are reused. */
  parents: AttachmentParents;
}

/** `fresh`, or `previous` when it is equal (with its listeners' attachedRoutes zeroed). */
export function reusedParents(fresh: BuiltParents, previous: BuiltParents | undefined): BuiltParents {
  if (!previous) return fresh;
  for (const state of previous.gateways) for (const l of state.listeners) l.attachedRoutes = 0;
  for (const ls of previous.parents.listenerSets.values()) for (const l of ls.listeners) l.attachedRoutes = 0;
  for (const state of previous.gateways) for (const ls of state.listenerSets) for (const l of ls.listeners) l.attachedRoutes = 0;
  const paired = new Map<object, object>();
  return same(fresh.gateways, previous.gateways, paired) && same(fresh.parents.listenerSets, previous.parents.listenerSets, paired) && same(fresh.parents.gateways, previous.parents.gateways, paired) ? previous : fresh;
}

/**
 * Structural equality of plain data, cycle-safe: objects met before are equal only to the object they
 * were paired with. Maps and Sets compare in iteration order (the order is part of what the parents are).
 */
function same(a: unknown, b: unknown, paired: Map<object, object>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const known = paired.get(a);
  if (known !== undefined) return known === b;
  const prototype = Object.getPrototypeOf(a);
  if (prototype !== Object.getPrototypeOf(b)) return false;
  // Anything but data (a class instance, a Date) is equal only to itself: no reuse rather than a guess.
  if (prototype !== Object.prototype && prototype !== null && prototype !== Array.prototype && prototype !== Map.prototype && prototype !== Set.prototype) return false;
  paired.set(a, b);
  if (a instanceof Map) return sameSequence([...a], [...(b as Map<unknown, unknown>)], paired);
  if (a instanceof Set) return sameSequence([...a], [...(b as Set<unknown>)], paired);
  if (Array.isArray(a)) return sameSequence(a, b as unknown[], paired);
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], paired)) return false;
  }
  return true;
}

function sameSequence(a: readonly unknown[], b: readonly unknown[], paired: Map<object, object>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i], paired)) return false;
  return true;
}
