/**
 * BackendPolicy `status.ancestors[]` (GEP-713): one entry per Gateway of ours with an accepted route
 * (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute) that names one of the policy's target Services in a
 * backendRef. Naming is enough — a policy whose Service does not exist still reports TargetNotFound on
 * the gateways whose routes point at that name; policies that lost a conflict report Conflicted there.
 * A policy that (wrongly) targets one of our Gateways reports Invalid on that Gateway, so the mistake
 * is visible where the user looks.
 */
import { GATEWAY_GROUP, type BackendPolicy, type Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { backendPoliciesOf, evaluatedBackendPolicies, hasBackendPolicies } from './backend-policy.js';

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']);
const ancestorsByContext = new WeakMap<TranslationContext, Map<string, Set<string>>>();

/** Records that `gateway` (`namespace/name`) accepted `route`, for the policies of the Services it names. */
export function recordBackendPolicyAncestors(ctx: TranslationContext, route: Route, gateway: string): void {
  if (!ROUTE_KINDS.has(route.kind) || !hasBackendPolicies(ctx)) return;
  const namespace = route.metadata.namespace ?? 'default';
  let ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) ancestorsByContext.set(ctx, (ancestors = new Map()));
  for (const evaluation of evaluatedBackendPolicies(ctx)) {
    if (targetsGateway(evaluation.policy, gateway)) addAncestor(ancestors, evaluation.key, gateway);
  }
  const rules = (route.spec as { rules?: { backendRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] }[] }).rules ?? [];
  for (const rule of rules) {
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
      for (const evaluation of backendPoliciesOf(ctx, `${ref.namespace ?? namespace}/${ref.name}`)) addAncestor(ancestors, evaluation.key, gateway);
    }
  }
}

function addAncestor(ancestors: Map<string, Set<string>>, policy: string, gateway: string): void {
  let set = ancestors.get(policy);
  if (!set) ancestors.set(policy, (set = new Set()));
  set.add(gateway);
}

function targetsGateway(policy: BackendPolicy, gateway: string): boolean {
  const namespace = policy.metadata.namespace ?? 'default';
  const refs = Array.isArray(policy.spec?.targetRefs) ? policy.spec.targetRefs : [];
  return refs.some((t) => t.group === GATEWAY_GROUP && t.kind === 'Gateway' && `${namespace}/${t.name}` === gateway);
}

export function writeBackendPolicyStatuses(ctx: TranslationContext): void {
  const ancestors = ancestorsByContext.get(ctx);
  if (!ancestors) return;
  for (const evaluation of evaluatedBackendPolicies(ctx)) {
    setPolicyAncestorStatus(ctx, 'BackendPolicy', evaluation.policy, ancestors.get(evaluation.key) ?? [], evaluation.conditions);
  }
}
