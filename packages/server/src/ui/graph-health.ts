/**
 * A node's health: the worst of what its status conditions say and what diagnose found about it.
 * Conditions follow the Gateway API's polarity: Accepted, Programmed and ResolvedRefs are good when
 * True (False is an error), Conflicted is bad when True; PartiallyInvalid (rules dropped) and a
 * condition still Unknown (Pending) are warnings. Findings: FAIL is an error, WARN a warning.
 */
import type { Finding } from '@portico/diagnose';
import type { Condition } from '@portico/resources';
import type { Badge, ConditionSummary, Health } from '@portico/ui';

const RANK: Record<Health, number> = { error: 0, warning: 1, ok: 2, unknown: 3 };

/** The worse of two (error < warning < ok < unknown, except that anything known beats unknown). */
export function worse(a: Health, b: Health): Health {
  if (a === 'unknown') return b;
  if (b === 'unknown') return a;
  return RANK[a] <= RANK[b] ? a : b;
}

export function worst(healths: Iterable<Health>, start: Health = 'unknown'): Health {
  let result = start;
  for (const h of healths) result = worse(result, h);
  return result;
}

const POSITIVE = new Set(['Accepted', 'Programmed', 'ResolvedRefs', 'Ready']);
const NEGATIVE = new Set(['Conflicted']);

export function conditionHealth(condition: Pick<Condition, 'type' | 'status'>): Health {
  if (POSITIVE.has(condition.type)) return condition.status === 'True' ? 'ok' : condition.status === 'False' ? 'error' : 'warning';
  if (NEGATIVE.has(condition.type)) return condition.status === 'True' ? 'error' : 'ok';
  if (condition.type === 'PartiallyInvalid') return condition.status === 'True' ? 'warning' : 'ok';
  return 'ok';
}

export function summarizeConditions(conditions: readonly Condition[] | undefined, parent?: string): ConditionSummary[] {
  return (conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? '', ...(parent === undefined ? {} : { parent }) }));
}

export function badgeOf(finding: Finding): Badge {
  return {
    level: finding.level === 'FAIL' ? 'FAIL' : 'WARN',
    code: finding.code,
    message: finding.message,
    ...(finding.fix === undefined ? {} : { fix: finding.fix }),
    ...(finding.field === undefined ? {} : { field: finding.field }),
  };
}

export function badgeHealth(badge: Badge): Health {
  return badge.level === 'FAIL' ? 'error' : 'warning';
}

/**
 * The one line shown first: the worst badge's message, else the first condition that is not good
 * (`Reason: message`), else the given fallback.
 */
export function summaryOf(badges: readonly Badge[], conditions: readonly ConditionSummary[], fallback: string): string {
  const badge = badges.find((b) => b.level === 'FAIL') ?? badges[0];
  if (badge) return badge.message;
  const bad = conditions.find((c) => conditionHealth({ type: c.type, status: c.status }) === 'error') ?? conditions.find((c) => conditionHealth({ type: c.type, status: c.status }) === 'warning');
  if (bad) return `${bad.reason}${bad.message ? `: ${bad.message}` : ''}`;
  return fallback;
}
