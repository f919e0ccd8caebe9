/**
 * RateLimitPolicy on the routes a Gateway serves: each route entry gets the policy that applies to it
 * (rate-limit-policy.ts precedence: rule > route > listener > Gateway); and `status.ancestors[]`
 * (GEP-713) lists, per policy, the Gateways of ours through which one of its targets is served (a
 * Gateway target: the Gateway itself).
 */
import type { HTTPRouteIR } from '@portico/ir';
import type { Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { ListenerState } from '../gateways/listeners.js';
import type { RouteEntry } from '../routes/translated-route.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { effectiveRateLimitPolicy, evaluatedRateLimitPolicies, hasRateLimitPolicies, rateLimitPoliciesNaming, rateLimitTargetKey, type RateLimitEvaluation } from './rate-limit-policy.js';

const ancestorsByContext = new WeakMap<TranslationContext, Map<string, Set<string>>>();

function recordAncestor(ctx: TranslationContext, evaluations: readonly RateLimitEvaluation[], gateway: string): void {
  if (evaluations.length === 0) return;
  let ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) ancestorsByContext.set(ctx, (ancestors = new Map()));
  for (const e of evaluations) {
    let set = ancestors.get(e.key);
    if (!set) ancestors.set(e.key, (set = new Set()));
    set.add(gateway);
  }
}

/** Gateway-level targets (the Gateway, its listeners) have the Gateway as ancestor whether or not routes attach. */
export function recordGatewayRateLimitAncestors(ctx: TranslationContext, gatewayKey: string, listenerNames: readonly string[]): void {
  if (!hasRateLimitPolicies(ctx)) return;
  const [namespace, name] = gatewayKey.split('/') as [string, string];
  const keys = [rateLimitTargetKey('Gateway', namespace, name), ...listenerNames.map((l) => rateLimitTargetKey('Gateway', namespace, name, l))];
  recordAncestor(ctx, rateLimitPoliciesNaming(ctx, keys), gatewayKey);
}

/**
 * The route's entries as served through `listener` of `gatewayKey`, each with the policy that applies.
 * The same array when no policy applies (unchanged routes keep their identity for the caches).
 */
export function rateLimitedEntries(ctx: TranslationContext, gatewayKey: string, listener: ListenerState, route: Route, entries: RouteEntry[]): RouteEntry[] {
  if (!hasRateLimitPolicies(ctx) || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) return entries;
  const namespace = route.metadata.namespace ?? 'default';
  const [gatewayNamespace, gatewayName] = gatewayKey.split('/') as [string, string];
  const routeKey = rateLimitTargetKey(route.kind, namespace, route.metadata.name);
  // Only a Gateway's own listeners can be named by sectionName (a ListenerSet's are not the Gateway's).
  const listenerKey = listener.owner.kind === 'Gateway' ? [rateLimitTargetKey('Gateway', gatewayNamespace, gatewayName, listener.spec.name)] : [];
  const gatewayKeys = [...listenerKey, rateLimitTargetKey('Gateway', gatewayNamespace, gatewayName)];
  const ruleNames = (route.spec.rules ?? []).map((r) => r.name);
  const ruleKeys = ruleNames.flatMap((n) => (n ? [rateLimitTargetKey(route.kind, namespace, route.metadata.name, n)] : []));
  recordAncestor(ctx, rateLimitPoliciesNaming(ctx, [...ruleKeys, routeKey]), gatewayKey);
  let changed = false;
  const out = entries.map((entry) => {
    const ruleName = entry.ir.source.rule === undefined ? undefined : ruleNames[entry.ir.source.rule];
    const ruleKey = ruleName ? [rateLimitTargetKey(route.kind, namespace, route.metadata.name, ruleName)] : [];
    const policy = effectiveRateLimitPolicy(ctx, [...ruleKey, routeKey, ...gatewayKeys]);
    if (!policy) return entry;
    changed = true;
    return { ...entry, ir: rateLimitedRoute(entry.ir, policy) };
  });
  return changed ? out : entries;
}

function rateLimitedRoute(ir: HTTPRouteIR, policy: RateLimitEvaluation): HTTPRouteIR {
  // Only claiming (valid) policies are effective, and they always carry their limits.
  return policy.rateLimit ? { ...ir, rateLimit: policy.rateLimit } : ir;
}

export function writeRateLimitPolicyStatuses(ctx: TranslationContext): void {
  const ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) return;
  for (const evaluation of evaluatedRateLimitPolicies(ctx)) {
    setPolicyAncestorStatus(ctx, 'RateLimitPolicy', evaluation.policy, ancestors.get(evaluation.key) ?? [], evaluation.conditions);
  }
}
