/**
 * The findings of a policy attached to Services (XBackendTrafficPolicy, BackendPolicy): what the
 * translator decided (Accepted, or why not: Conflicted, TargetNotFound, Invalid) and whether any route
 * of ours sends to its Services. Findings are about the gateways whose traffic the policy governs (its
 * status ancestors), or cluster-wide when it governs none.
 */
import { statusKey } from '@portico/translator';
import type { KubeObject } from '@portico/resources';
import type { DiagnoseInput, Finding } from '../../findings.js';

type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

export interface ServicePolicyKind<P extends KubeObject> {
  kind: 'XBackendTrafficPolicy' | 'BackendPolicy';
  link: Finding['link'];
  /** The policy's targets in words (`Service ns/name …`). */
  targets(policy: P): string;
  /** What the policy sets, in a few words (the OK finding). */
  summary(policy: P): string;
  /** The fix of a Conflicted and of a TargetNotFound decision. */
  fixes: { conflicted: string; targetNotFound: string };
}

export function servicePolicyFindings<P extends KubeObject>(input: DiagnoseInput, policies: readonly P[], kind: ServicePolicyKind<P>): Finding[] {
  return policies.flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: kind.kind, namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey(kind.kind, namespace, policy.metadata.name));
    const ancestors = status?.kind === kind.kind ? status.status.ancestors : [];
    const gateways = ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`);
    const accepted = ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
    const problems: Problem[] = [];
    if (!accepted) {
      problems.push({ level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetUnused', message: `no route of ours sends to ${kind.targets(policy)}: the policy governs nothing yet` });
    } else if (accepted.status === 'False') {
      problems.push(decisionProblem(accepted.reason, accepted.message, kind.fixes));
    }
    const findings = problems.length > 0 ? problems : [{ level: 'OK' as const, code: 'PolicyValid', message: kind.summary(policy) }];
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) =>
      findings.map((p): Finding => ({ link: kind.link, ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });
}

function decisionProblem(reason: string, message: string, fixes: ServicePolicyKind<KubeObject>['fixes']): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${message}`, fix: fixes.conflicted };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: fixes.targetNotFound };
    default:
      return { level: 'FAIL', field: 'spec', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}; its Services are served without it`, fix: 'correct the field the message names' };
  }
}
