/**
 * XBackendTrafficPolicy `status.ancestors[]` (GEP-713): one entry per Gateway of ours with an accepted
 * HTTPRoute or GRPCRoute that names one of the policy's target Services in a backendRef. Naming is
 * enough — a policy whose Service does not exist still reports TargetNotFound on the gateways whose
 * routes point at that name. Policies that lost a conflict report Conflicted on the same gateways.
 */
import type { Route } from '@portico/resources';
import { GATEWAY_GROUP } from '@portico/resources';
import { setStatus, type TranslationContext } from '../context.js';
import { evaluatedTrafficPolicies, hasTrafficPolicies, trafficPoliciesOf } from './backend-traffic-policy.js';

/** The spec caps the list at 16 entries. */
const MAX_ANCESTORS = 16;

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
    const gateways = [...(ancestors.get(evaluation.key) ?? [])].sort().slice(0, MAX_ANCESTORS);
    if (gateways.length === 0) continue;
    const { namespace = 'default', name } = evaluation.policy.metadata;
    setStatus(ctx, {
      kind: 'XBackendTrafficPolicy',
      namespace,
      name,
      status: {
        ancestors: gateways.map((g) => {
          const [ns, gw] = g.split('/') as [string, string];
          return {
            ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns, name: gw },
            controllerName: ctx.options.controllerName,
            conditions: evaluation.conditions,
          };
        }),
      },
    });
  }
}
