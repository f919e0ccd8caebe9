/**
 * The `portico.dev/Shadowed` condition on the losing route's parent entries: an implementation-specific
 * condition type, domain-prefixed as the spec asks of those (shared_types.go RouteParentStatus
 * Conditions: "Implementation-specific condition types … should use a domain prefix"), that never
 * touches Accepted or ResolvedRefs — a shadowed rule is valid and programmed, it just never wins.
 *
 * Written only while True (status True, reason ShadowedByRule or OverlapsRoute), absent otherwise,
 * like the spec's own problem-polarity route condition PartiallyInvalid: the status writer owns the
 * type (condition-types.ts) and removes it once the overlap is gone, and the thousands of routes that
 * shadow nothing keep the status they had, with no write to the API server for an always-False
 * condition.
 *
 * The entries whose parentRef attached the route to the listener where the match is shadowed get it;
 * the message lists every shadowed match of the route under that parent, its winner and why.
 * New status objects are made: the translator's (which its cache reuses) are never changed.
 */
import type { Condition, RouteParentStatus } from '@portico/resources';
import type { TranslationContext } from '../../context.js';
import { statusKey, type ObjectStatus } from '../../result.js';
import type { ParentOutcome } from '../../routes/route-attachment.js';
import { conditionFactory } from '../../status/conditions.js';
import { describeRef, type ListenerShadowedMatch, type ShadowedMatch } from './shadowed-matches.js';

export const SHADOWED_CONDITION = 'portico.dev/Shadowed';

/** A condition message lists at most this many matches (metav1.Condition messages are bounded: 32768). */
const MAX_LISTED = 10;

/** `outcomesOf(statusKey)`: the route's parent outcomes, in the order of its status entries. */
export function writeShadowedConditions(
  ctx: TranslationContext,
  shadowed: readonly ListenerShadowedMatch[],
  outcomesOf: (key: string) => readonly ParentOutcome[] | undefined,
): void {
  const byRoute = new Map<string, ListenerShadowedMatch[]>();
  for (const s of shadowed) {
    const { kind, namespace, name } = s.match.shadowed;
    const key = statusKey(kind, namespace, name);
    (byRoute.get(key) ?? byRoute.set(key, []).get(key)!).push(s);
  }
  for (const [key, matches] of byRoute) {
    const status = ctx.statuses.get(key);
    const outcomes = outcomesOf(key);
    if (!status || !('parents' in status.status) || !outcomes || outcomes.length !== status.status.parents.length) continue;
    const generation = ctx.resources.get(status.kind as 'HTTPRoute', status.namespace, status.name)?.metadata.generation;
    const c = conditionFactory(generation, ctx.options.now);
    let changed = false;
    const parents = status.status.parents.map((parent, i): RouteParentStatus => {
      const outcome = outcomes[i]!;
      const listeners = new Set('attachments' in outcome ? outcome.attachments.map((a) => a.listener) : []);
      const here = matches.filter((m) => listeners.has(m.listener)).map((m) => m.match).sort(compareShadowed);
      if (here.length === 0) return parent;
      changed = true;
      const condition: Condition = c(SHADOWED_CONDITION, true, here[0]!.reason, shadowedMessage(here));
      return { ...parent, conditions: [...parent.conditions.filter((x) => x.type !== SHADOWED_CONDITION), condition] };
    });
    if (changed) ctx.statuses.set(key, { ...status, status: { ...status.status, parents } } as ObjectStatus);
  }
}

function shadowedMessage(matches: readonly ShadowedMatch[]): string {
  const listed = matches.slice(0, MAX_LISTED).map(
    (m) =>
      `${describeRef(m.shadowed, false)} (${m.shadowed.description}) never matches for hostname ${m.hostname} on listener ${m.listener}: ` +
      `${describeRef(m.by)} (${m.by.description}) ${m.reason === 'OverlapsRoute' ? 'has the same hostname and match and' : 'matches every request it would, and'} ` +
      `comes first [${m.precedence}]`,
  );
  const more = matches.length > MAX_LISTED ? [`and ${matches.length - MAX_LISTED} more`] : [];
  return [...listed, ...more].join('; ');
}

export function compareShadowed(a: ShadowedMatch, b: ShadowedMatch): number {
  const s = (m: ShadowedMatch) => m.shadowed;
  return (
    text(s(a).kind, s(b).kind) ||
    text(s(a).namespace, s(b).namespace) ||
    text(s(a).name, s(b).name) ||
    s(a).rule - s(b).rule ||
    s(a).match - s(b).match ||
    text(a.gateway, b.gateway) ||
    text(a.listener, b.listener) ||
    text(a.hostname, b.hostname)
  );
}

function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
