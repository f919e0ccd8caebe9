/** A route's `status.parents[]` entries for our Gateways (one per parentRef, spec RouteParentStatus). */
import type { Condition, RouteParentStatus } from '@portico/resources';
import { conditionFactory } from '../status/conditions.js';
import type { TranslationContext } from '../context.js';
import { summarizeProblems } from '../backends/destinations.js';
import type { ParentOutcome } from './route-attachment.js';
import type { TranslatedRoute } from './translated-route.js';

export interface ParentVerdict {
  outcome: ParentOutcome;
  /** Set when every listener attachment of this parentRef lost a conflict. */
  lostTo?: string;
}

export function routeParentStatuses(ctx: TranslationContext, route: TranslatedRoute, verdicts: readonly ParentVerdict[]): RouteParentStatus[] {
  const c = conditionFactory(route.route.metadata.generation, ctx.options.now);
  const unresolved = summarizeProblems(route.unresolved);
  const resolvedRefs: Condition = unresolved
    ? c('ResolvedRefs', false, unresolved.reason, unresolved.message)
    : c('ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved');
  return verdicts.map(({ outcome, lostTo }) => {
    let accepted: Condition;
    if ('rejected' in outcome) accepted = c('Accepted', false, outcome.rejected.reason, outcome.rejected.message);
    else if (route.invalid) accepted = c('Accepted', false, route.invalid.reason, route.invalid.message);
    else if (lostTo) accepted = c('Accepted', false, 'HostnameConflict', lostTo);
    else accepted = c('Accepted', true, 'Accepted', acceptedMessage(route));
    const conditions = [accepted, resolvedRefs];
    // shared_types.go RouteConditionPartiallyInvalid: set only while the route is Accepted with some
    // rules dropped, never on a fully valid, fully invalid or not accepted route.
    if (route.partiallyInvalid && accepted.status === 'True') {
      conditions.push(c('PartiallyInvalid', true, route.partiallyInvalid.reason, route.partiallyInvalid.message));
    }
    return { parentRef: outcome.parentRef, controllerName: ctx.options.controllerName, conditions };
  });
}

/**
 * Everything routeParentStatuses reads besides the translated route (which the cache keys on) and
 * `now`: equal signatures give equal entries, so the cache may hand back the previous status. Which
 * parentRefs have an entry at all depends on which Gateways are ours (GatewayClass controllerName),
 * so the parentRef of each verdict is part of it.
 */
export function verdictSignature(verdicts: readonly ParentVerdict[]): string {
  return verdicts
    .map(({ outcome, lostTo }) => {
      const verdict = 'rejected' in outcome ? `r\u0001${outcome.rejected.reason}\u0001${outcome.rejected.message}` : `a\u0001${lostTo ?? ''}`;
      return `${parentRefKey(outcome.parentRef)}\u0001${verdict}`;
    })
    .join('\u0002');
}

const parentRefKeys = new WeakMap<object, string>();

/**
 * A parentRef as JSON, made once per parentRef object: it is part of its route object, which lives
 * (unchanged) across translations, and every translation signs every route's verdicts.
 */
function parentRefKey(parentRef: object): string {
  let key = parentRefKeys.get(parentRef);
  if (key === undefined) parentRefKeys.set(parentRef, (key = JSON.stringify(parentRef)));
  return key;
}

/**
 * Rules that fail closed (http-filters.ts) leave the route Accepted, and say so here as well as in
 * ResolvedRefs=False. HTTPRouteFilter.Type asks for Accepted=False/UnsupportedValue for a filter type
 * an implementation does not know, but a route that is not Accepted is not programmed, so its matches
 * would go to whichever other route matches next: the filter would be skipped, which the same field
 * forbids ("the filter MUST NOT be skipped. Instead, requests that would have been processed by that
 * filter MUST receive a HTTP error response"). Keeping the route Accepted is what keeps its 500s in
 * place; ResolvedRefs=False carries the spec's reason (UnsupportedValue, InvalidKind,
 * IncompatibleFilters), as Envoy Gateway does for unsupported filters. PartiallyInvalid does not fit:
 * it means rules were dropped ("Dropped Rule"), and these are not.
 */
function acceptedMessage(route: TranslatedRoute): string {
  const failed = route.failedClosed ?? [];
  if (failed.length === 0) return 'route is accepted';
  const parts = [...new Set(failed.map((p) => `rule ${p.rule}: ${p.message}`))];
  return `route is accepted; these rules answer HTTP 500 because they cannot be served as written: ${parts.join('; ')}`;
}
