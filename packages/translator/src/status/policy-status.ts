/** Policy `status.ancestors[]` (GEP-713): one entry per Gateway of ours that uses the policy. */
import { GATEWAY_GROUP, type Condition, type KubeObject } from '@portico/resources';
import { evaluatedPolicies } from '../backends/backend-tls.js';
import { setStatus, type TranslationContext } from '../context.js';

/** The spec caps the list at 16 entries. */
const MAX_ANCESTORS = 16;

/**
 * Sets a policy's ancestors: each Gateway (`namespace/name`) of `gateways` with the same conditions, or
 * with those `conditions(gateway)` gives (a Direct policy may win one Gateway and lose another); none, no status.
 */
export function setPolicyAncestorStatus(
  ctx: TranslationContext,
  kind: 'BackendTLSPolicy' | 'XBackendTrafficPolicy' | 'SecurityPolicy' | 'BackendPolicy' | 'XTelemetryPolicy' | 'AccessLogPolicy' | 'RateLimitPolicy',
  policy: KubeObject,
  gateways: Iterable<string>,
  conditions: Condition[] | ((gateway: string) => Condition[]),
): void {
  const ancestors = [...gateways].sort().slice(0, MAX_ANCESTORS);
  if (ancestors.length === 0) return;
  const { namespace = 'default', name } = policy.metadata;
  setStatus(ctx, {
    kind,
    namespace,
    name,
    status: {
      ancestors: ancestors.map((g) => {
        const [ns, gw] = g.split('/') as [string, string];
        return { ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns, name: gw }, controllerName: ctx.options.controllerName, conditions: typeof conditions === 'function' ? conditions(g) : conditions };
      }),
    },
  });
}

/** BackendTLSPolicy's ancestors. */
export function writePolicyStatuses(ctx: TranslationContext): void {
  for (const evaluation of evaluatedPolicies(ctx)) {
    setPolicyAncestorStatus(ctx, 'BackendTLSPolicy', evaluation.policy, ctx.policyAncestors.get(evaluation.key) ?? [], evaluation.conditions);
  }
}
