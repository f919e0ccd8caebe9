/**
 * XTelemetryPolicy `status.ancestors[]` (GEP-713): the ancestor is the targeted Gateway itself (the
 * CRD: "the ancestor MUST be the Gateway resource referenced in spec.targetRefs"), one entry per
 * target Gateway of ours. A policy that lost a Gateway to an older one reports Conflicted there and
 * its own verdict on the others. A target that does not exist, or is not ours, gets no entry: its
 * controller, not us, would write it.
 */
import type { TranslationContext } from '../context.js';
import { conditionFactory } from '../status/conditions.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { evaluatedTelemetryPolicies, telemetryPolicyOf } from './telemetry-policy.js';

/** `ours`: the `namespace/name` of every Gateway of our GatewayClasses. */
export function writeTelemetryPolicyStatuses(ctx: TranslationContext, ours: ReadonlySet<string>): void {
  for (const evaluation of evaluatedTelemetryPolicies(ctx)) {
    const gateways = evaluation.targets.filter((g) => ours.has(g));
    const c = conditionFactory(evaluation.policy.metadata.generation, ctx.options.now);
    setPolicyAncestorStatus(ctx, 'XTelemetryPolicy', evaluation.policy, gateways, (gateway) => {
      const winner = telemetryPolicyOf(ctx, gateway);
      if (!evaluation.valid || !winner || winner === evaluation) return evaluation.conditions;
      return [c('Accepted', false, 'Conflicted', `XTelemetryPolicy ${winner.key} targets the same Gateway and takes precedence (older, or as old and first by namespace/name)`)];
    });
  }
}
