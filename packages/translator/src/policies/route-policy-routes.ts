/**
 * A route policy kind (route-policy-index.ts) on the routes a Gateway serves: each route entry gets
 * the policy that applies to it (rule > route > listener > Gateway), applied as its kind applies it;
 * and `status.ancestors[]` (GEP-713) lists, per policy, the Gateways of ours through which one of its
 * targets is served (a Gateway target: the Gateway itself).
 */
import type { HTTPRouteIR } from '@portico/ir';
import type { Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { ListenerState } from '../gateways/listeners.js';
import type { RouteEntry } from '../routes/translated-route.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { effectiveRoutePolicy, routePoliciesNaming, routePolicyTargetKey as targetKey, type RoutePolicy, type RoutePolicyEvaluation, type RoutePolicyIndex } from './route-policy-index.js';

export interface RoutePolicyOnRoutes {
  /** Gateway-level targets (the Gateway, its listeners) have the Gateway as ancestor whether or not routes attach. */
  recordGatewayAncestors(ctx: TranslationContext, gatewayKey: string, listenerNames: readonly string[]): void;
  /**
   * The route's entries as served through `listener` of `gatewayKey`, each with the policy that applies.
   * The same array when no policy applies (unchanged routes keep their identity for the caches).
   */
  entries(ctx: TranslationContext, gatewayKey: string, listener: ListenerState, route: Route, entries: RouteEntry[]): RouteEntry[];
  /** Whether any policy of the kind exists: without one, `entries` gives back its input and records nothing. */
  any(ctx: TranslationContext): boolean;
  writeStatuses(ctx: TranslationContext): void;
}

export function routePolicyOnRoutes<P extends RoutePolicy, E extends RoutePolicyEvaluation<P>>(
  kind: P['kind'],
  indexOf: (ctx: TranslationContext) => RoutePolicyIndex<E>,
  apply: (ir: HTTPRouteIR, policy: E) => HTTPRouteIR,
): RoutePolicyOnRoutes {
  /** Per translation: policy key → the Gateways it reports on. */
  const ancestorsByContext = new WeakMap<TranslationContext, Map<string, Set<string>>>();

  function recordAncestor(ctx: TranslationContext, evaluations: readonly E[], gateway: string): void {
    if (evaluations.length === 0) return;
    let ancestors = ancestorsByContext.get(ctx);
    if (!ancestors) ancestorsByContext.set(ctx, (ancestors = new Map()));
    for (const e of evaluations) {
      let set = ancestors.get(e.key);
      if (!set) ancestors.set(e.key, (set = new Set()));
      set.add(gateway);
    }
  }

  return {
    recordGatewayAncestors(ctx, gatewayKey, listenerNames) {
      const index = indexOf(ctx);
      if (index.all.length === 0) return;
      const [namespace, name] = gatewayKey.split('/') as [string, string];
      const keys = [targetKey('Gateway', namespace, name), ...listenerNames.map((l) => targetKey('Gateway', namespace, name, l))];
      recordAncestor(ctx, routePoliciesNaming(index, keys), gatewayKey);
    },

    entries(ctx, gatewayKey, listener, route, entries) {
      const index = indexOf(ctx);
      if (index.all.length === 0 || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) return entries;
      const namespace = route.metadata.namespace ?? 'default';
      const [gatewayNamespace, gatewayName] = gatewayKey.split('/') as [string, string];
      const routeKey = targetKey(route.kind, namespace, route.metadata.name);
      // Only a Gateway's own listeners can be named by sectionName (a ListenerSet's are not the Gateway's).
      const listenerKey = listener.owner.kind === 'Gateway' ? [targetKey('Gateway', gatewayNamespace, gatewayName, listener.spec.name)] : [];
      const gatewayKeys = [...listenerKey, targetKey('Gateway', gatewayNamespace, gatewayName)];
      const ruleNames = (route.spec.rules ?? []).map((r) => r.name);
      const ruleKeys = ruleNames.flatMap((n) => (n ? [targetKey(route.kind, namespace, route.metadata.name, n)] : []));
      recordAncestor(ctx, routePoliciesNaming(index, [...ruleKeys, routeKey]), gatewayKey);
      let changed = false;
      const out = entries.map((entry) => {
        const ruleName = entry.ir.source.rule === undefined ? undefined : ruleNames[entry.ir.source.rule];
        const ruleKey = ruleName ? [targetKey(route.kind, namespace, route.metadata.name, ruleName)] : [];
        const policy = effectiveRoutePolicy(index, [...ruleKey, routeKey, ...gatewayKeys]);
        if (!policy) return entry;
        changed = true;
        return { ...entry, ir: apply(entry.ir, policy) };
      });
      return changed ? out : entries;
    },

    any: (ctx) => indexOf(ctx).all.length > 0,

    writeStatuses(ctx) {
      const ancestors = ancestorsByContext.get(ctx);
      if (!ancestors) return;
      for (const evaluation of indexOf(ctx).all) {
        setPolicyAncestorStatus(ctx, kind, evaluation.policy, ancestors.get(evaluation.key) ?? [], evaluation.conditions);
      }
    },
  };
}
