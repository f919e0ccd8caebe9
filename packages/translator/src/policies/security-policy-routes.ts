/**
 * SecurityPolicy on the routes a Gateway serves: each route entry gets the policy that applies to it
 * (security-policy.ts precedence: rule > route > listener > Gateway), or fails closed with a 500 when
 * that policy cannot be enforced; and `status.ancestors[]` (GEP-713) lists, per policy, the Gateways
 * of ours through which one of its targets is served (a Gateway target: the Gateway itself).
 */
import type { HTTPRouteIR } from '@portico/ir';
import type { Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { ListenerState } from '../gateways/listeners.js';
import type { RouteEntry } from '../routes/translated-route.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { effectiveSecurityPolicy, evaluatedSecurityPolicies, hasSecurityPolicies, securityPoliciesNaming, securityTargetKey, type SecurityEvaluation } from './security-policy.js';

/** The answer of a route whose policy cannot be enforced: never served unprotected. */
const FAIL_CLOSED_STATUS = 500;

const ancestorsByContext = new WeakMap<TranslationContext, Map<string, Set<string>>>();

function recordAncestor(ctx: TranslationContext, evaluations: readonly SecurityEvaluation[], gateway: string): void {
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
export function recordGatewaySecurityAncestors(ctx: TranslationContext, gatewayKey: string, listenerNames: readonly string[]): void {
  if (!hasSecurityPolicies(ctx)) return;
  const [namespace, name] = gatewayKey.split('/') as [string, string];
  const keys = [securityTargetKey('Gateway', namespace, name), ...listenerNames.map((l) => securityTargetKey('Gateway', namespace, name, l))];
  recordAncestor(ctx, securityPoliciesNaming(ctx, keys), gatewayKey);
}

/**
 * The route's entries as served through `listener` of `gatewayKey`, each with the policy that applies.
 * The same array when no policy applies (unchanged routes keep their identity for the caches).
 */
export function securedEntries(ctx: TranslationContext, gatewayKey: string, listener: ListenerState, route: Route, entries: RouteEntry[]): RouteEntry[] {
  if (!hasSecurityPolicies(ctx) || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) return entries;
  const namespace = route.metadata.namespace ?? 'default';
  const [gatewayNamespace, gatewayName] = gatewayKey.split('/') as [string, string];
  const routeKey = securityTargetKey(route.kind, namespace, route.metadata.name);
  // Only a Gateway's own listeners can be named by sectionName (a ListenerSet's are not the Gateway's).
  const listenerKey = listener.owner.kind === 'Gateway' ? [securityTargetKey('Gateway', gatewayNamespace, gatewayName, listener.spec.name)] : [];
  const gatewayKeys = [...listenerKey, securityTargetKey('Gateway', gatewayNamespace, gatewayName)];
  const ruleNames = (route.spec.rules ?? []).map((r) => r.name);
  const ruleKeys = ruleNames.flatMap((n) => (n ? [securityTargetKey(route.kind, namespace, route.metadata.name, n)] : []));
  recordAncestor(ctx, securityPoliciesNaming(ctx, [...ruleKeys, routeKey]), gatewayKey);
  let changed = false;
  const out = entries.map((entry) => {
    const ruleName = entry.ir.source.rule === undefined ? undefined : ruleNames[entry.ir.source.rule];
    const ruleKey = ruleName ? [securityTargetKey(route.kind, namespace, route.metadata.name, ruleName)] : [];
    const policy = effectiveSecurityPolicy(ctx, [...ruleKey, routeKey, ...gatewayKeys]);
    if (!policy) return entry;
    changed = true;
    return { ...entry, ir: securedRoute(entry.ir, policy) };
  });
  return changed ? out : entries;
}

/**
 * The policy's extAuth becomes the route's externalAuth, unless the rule has its own ExternalAuth
 * filter: that filter is more specific than any policy and wins for its rule (the policy's other
 * features still apply there).
 */
function securedRoute(ir: HTTPRouteIR, policy: SecurityEvaluation): HTTPRouteIR {
  if (policy.security) {
    const externalAuth = ir.externalAuth ?? policy.externalAuth;
    return { ...ir, security: policy.security, ...(externalAuth ? { externalAuth } : {}) };
  }
  // Fail closed: the match stays (so no broader route serves these requests), nothing else does.
  return { name: ir.name, source: ir.source, match: ir.match, security: { policy: policy.key }, directResponse: { status: FAIL_CLOSED_STATUS } };
}

export function writeSecurityPolicyStatuses(ctx: TranslationContext): void {
  const ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) return;
  for (const evaluation of evaluatedSecurityPolicies(ctx)) {
    setPolicyAncestorStatus(ctx, 'SecurityPolicy', evaluation.policy, ancestors.get(evaluation.key) ?? [], evaluation.conditions);
  }
}
