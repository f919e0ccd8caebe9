/** Health as the page shows it: never by colour alone, always with an icon and a word too. */
import type { Health } from '../../contract.js';

/** The contract's order, worst first. */
export const HEALTH_ORDER: readonly Health[] = ['error', 'warning', 'ok', 'unknown'];

/** The worst of several healths (a collapsed group shows the worst inside); `unknown` when there are none. */
export function worstHealth(healths: Iterable<Health>): Health {
  let worst = HEALTH_ORDER.length - 1;
  for (const h of healths) worst = Math.min(worst, HEALTH_ORDER.indexOf(h));
  return HEALTH_ORDER[worst]!;
}

export function isProblem(health: Health): boolean {
  return health === 'error' || health === 'warning';
}

export const HEALTH_LABEL: Record<Health, string> = { error: 'error', warning: 'warning', ok: 'ok', unknown: 'unknown' };

/** Shapes that differ without colour: a cross, a triangle, a tick, a question mark. */
export const HEALTH_ICON: Record<Health, string> = { error: '✖', warning: '▲', ok: '✔', unknown: '?' };

/** Counts by health, worst first, for the header. */
export function countByHealth(healths: Iterable<Health>): Record<Health, number> {
  const counts: Record<Health, number> = { error: 0, warning: 0, ok: 0, unknown: 0 };
  for (const h of healths) counts[h]++;
  return counts;
}
