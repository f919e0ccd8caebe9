/**
 * XBackendTrafficPolicy `status.ancestors[]` (GEP-713): one entry per Gateway of ours with an accepted
 * HTTPRoute or GRPCRoute that names one of the policy's target Services in a backendRef. Naming is
 * enough — a policy whose Service does not exist still reports TargetNotFound on the gateways whose
 * routes point at that name. Policies that lost a conflict report Conflicted on the same gateways.
 */
import type { Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { evaluatedTrafficPolicies, hasTrafficPolicies, trafficPoliciesOf } from './backend-traffic-policy.js';

const ancestorsByContext = new WeakMap<TranslationContext, Map<string, Set<string>>>();

/** Records that `gateway` (`namespace/name`) accepted `route`, for the policies of the Services it names. */
export function recordTrafficPolicyAncestors(ctx: TranslationContext, route: Route, gateway: string): void {
  if ((route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') || !hasTrafficPolicies(ctx)) return;
  const namespace = route.metadata.namespace ?? 'default';
  let ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) ancestorsByContext.set(ctx, (ancestors = new Map()));
  for (const rule of route.spec.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
      for (const evaluation of trafficPoliciesOf(ctx, `${ref.namespace ?? namespace}/${ref.name}`)) {
        let set = ancestors.get(evaluation.key);
        if (!set) ancestors.set(evaluation.key, (set = new Set()));
        set.add(gateway);
      }
    }
  }
}

export function writeTrafficPolicyStatuses(ctx: TranslationContext): void {
  const ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) return;
  for (const evaluation of evaluatedTrafficPolicies(ctx)) {
    setPolicyAncestorStatus(ctx, 'XBackendTrafficPolicy', evaluation.policy, ancestors.get(evaluation.key) ?? [], evaluation.conditions);
  }
}
