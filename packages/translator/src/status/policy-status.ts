/** BackendTLSPolicy `status.ancestors[]`: one entry per Gateway of ours that uses the policy. */
import { GATEWAY_GROUP } from '@portico/resources';
import { evaluatedPolicies } from '../backends/backend-tls.js';
import { setStatus, type TranslationContext } from '../context.js';

/** The spec caps the list at 16 entries. */
const MAX_ANCESTORS = 16;

export function writePolicyStatuses(ctx: TranslationContext): void {
  for (const evaluation of evaluatedPolicies(ctx)) {
    const gateways = [...(ctx.policyAncestors.get(evaluation.key) ?? [])].sort().slice(0, MAX_ANCESTORS);
    if (gateways.length === 0) continue;
    const { namespace = 'default', name } = evaluation.policy.metadata;
    setStatus(ctx, {
      kind: 'BackendTLSPolicy',
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
