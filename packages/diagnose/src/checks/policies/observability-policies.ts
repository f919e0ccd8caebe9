/**
 * The observability policy links: XTelemetryPolicy (tracing) and AccessLogPolicy. For every policy
 * and every Gateway of ours it targets (its status ancestors, whose conditions may differ per Gateway:
 * a policy can win one Gateway and lose another), what the translator decided: Accepted (and what it
 * does), Conflicted, TargetNotFound or Invalid. A policy with no ancestor targets no Gateway of ours.
 */
import { statusKey } from '@portico/translator';
import type { PolicyAncestorStatus } from '@portico/resources';
import type { Check, Finding, Link } from '../../findings.js';

type Kind = 'XTelemetryPolicy' | 'AccessLogPolicy';
type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

const LINK: Record<Kind, Link> = { XTelemetryPolicy: 'TelemetryPolicy', AccessLogPolicy: 'AccessLogPolicy' };
const WITHOUT: Record<Kind, string> = { XTelemetryPolicy: 'the Gateway is served without tracing', AccessLogPolicy: 'the listeners keep their Gateway-wide policy or the default stdout log' };

export const checkObservabilityPolicies: Check = (input) =>
  (['XTelemetryPolicy', 'AccessLogPolicy'] as const).flatMap((kind) =>
    input.resources.list(kind).flatMap((policy) => {
      const namespace = policy.metadata.namespace ?? 'default';
      const object = { kind, namespace, name: policy.metadata.name };
      const status = input.translation.statuses.get(statusKey(kind, namespace, policy.metadata.name));
      const ancestors: PolicyAncestorStatus[] = status && 'ancestors' in status.status ? status.status.ancestors : [];
      if (ancestors.length === 0) {
        const targets = (policy.spec.targetRefs ?? []).map((t) => `${t.kind} ${namespace}/${t.name}`).join(', ');
        return [{ link: LINK[kind], object, level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetUnused', message: `${targets || 'no target'}: no Gateway of ours; the policy applies to nothing`, fix: "name a Gateway of the policy's namespace whose GatewayClass is ours" } satisfies Finding];
      }
      return ancestors.map((a): Finding => {
        const gateway = `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`;
        const accepted = a.conditions.find((c) => c.type === 'Accepted');
        const problem: Problem =
          accepted?.status === 'True'
            ? { level: 'OK', code: 'PolicyValid', message: accepted.message }
            : decisionProblem(accepted?.reason ?? 'Unknown', accepted?.message ?? 'no Accepted condition', WITHOUT[kind]);
        return { link: LINK[kind], gateway, object, ...problem };
      });
    }),
  );

function decisionProblem(reason: string, message: string, without: string): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied here: ${message}`, fix: 'delete one of the policies, or merge their settings into the older one' };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: 'name an existing listener (sectionName) of the Gateway' };
    default:
      return { level: 'FAIL', field: 'spec', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}; ${without}`, fix: 'correct the field the message names' };
  }
}
