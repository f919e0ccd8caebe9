/**
 * An ingress-nginx canary (ingress/annotations/routing/canary-routes.ts) as HTTPRoute rules of the main
 * Ingress's route: for the canary's header (exact value, searched pattern, or `always` / `never`) and
 * cookie (`always` / `never`, a RegularExpression match on the Cookie header), rules with the same path
 * and that header match, before the main rule (Gateway API orders more header matches first, and rules
 * of one route in their order); the main rule's backendRefs split by weight. Each rule keeps the main
 * rule's filters and timeouts: the canary's own annotations are ignored, as in ingress-nginx.
 */
import type { HTTPBackendRef, HTTPHeaderMatch, HTTPRouteRule } from '@portico/resources';
import { cookieMatch } from '../ingress/annotations/routing/canary-routes.js';
import type { PlannedPath } from './class-plan.js';
import { convertedBackendRef, type RuleContext } from './converted-rules.js';

export function withConvertedCanary(entry: PlannedPath, main: HTTPRouteRule, ctx: RuleContext): HTTPRouteRule[] {
  const canary = entry.canary;
  const mainRef = main.backendRefs?.[0];
  if (!canary || !mainRef) return [main];
  // The canary's Service, reached as the MAIN Ingress's backend-protocol says.
  const ref = convertedBackendRef({ ...entry, owner: { ...canary.owner, annotations: entry.owner.annotations }, backend: canary.backend }, ctx);
  if (!ref) return [main];
  const canaryRef: HTTPBackendRef = canary.owner.namespace === entry.owner.namespace ? ref : { ...ref, namespace: canary.owner.namespace };
  if (canaryRef.namespace) ctx.crossNamespaceBackend(entry.owner.namespace, canary.owner.namespace, ref.name);
  const { policy } = canary;
  const variant = (header: HTTPHeaderMatch, toCanary: boolean): HTTPRouteRule => ({
    ...main,
    matches: main.matches!.map((m) => ({ ...m, headers: [...(m.headers ?? []), header] })),
    backendRefs: [toCanary ? canaryRef : mainRef],
  });
  const out: HTTPRouteRule[] = [];
  if (policy.header) {
    const name = policy.header;
    if (policy.headerValue !== undefined) out.push(variant({ name, type: 'Exact', value: policy.headerValue }, true));
    else if (policy.headerPattern !== undefined) out.push(variant({ name, type: 'RegularExpression', value: policy.headerPattern }, true));
    else if (policy.headerPatternRefused) out.push(variant({ name, type: 'RegularExpression', value: '.*' }, false));
    else out.push(variant({ name, type: 'Exact', value: 'always' }, true), variant({ name, type: 'Exact', value: 'never' }, false));
  }
  if (policy.cookie) {
    for (const [value, toCanary] of [['always', true], ['never', false]] as const) {
      const m = cookieMatch(policy.cookie, value);
      out.push(variant({ name: 'cookie', type: 'RegularExpression', value: m.value }, toCanary));
    }
  }
  if (policy.weight <= 0) out.push(main);
  else if (policy.weight >= policy.weightTotal) out.push({ ...main, backendRefs: [canaryRef] });
  else out.push({ ...main, backendRefs: [{ ...mainRef, weight: policy.weightTotal - policy.weight }, { ...canaryRef, weight: policy.weight }] });
  return out;
}
