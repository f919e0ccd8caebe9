/**
 * Make-before-break (xDS protocol, "Eventual consistency considerations"): CDS first, then EDS, then
 * LDS, then RDS, and "stale CDS clusters and related EDS endpoints (ones no longer being referenced)
 * can then be removed" — so a type whose update removes resources goes after every type that only adds
 * or changes, so nothing still in use loses what it points to.
 */
import { PUSH_ORDER, type TypeUrl } from '../types.js';

export interface PendingPush {
  typeUrl: TypeUrl;
  /** The update drops resources the client was sent before. */
  removes: boolean;
}

/** The pushes in make-before-break order: additions and changes in PUSH_ORDER, then removals in PUSH_ORDER. */
export function orderPushes<T extends PendingPush>(pushes: readonly T[]): T[] {
  return [...pushes].sort((a, b) => Number(a.removes) - Number(b.removes) || rank(a.typeUrl) - rank(b.typeUrl) || compare(a.typeUrl, b.typeUrl));
}

/** Position in PUSH_ORDER; types it does not list go after those it does. */
function rank(typeUrl: TypeUrl): number {
  const index = PUSH_ORDER.indexOf(typeUrl);
  return index < 0 ? PUSH_ORDER.length : index;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
