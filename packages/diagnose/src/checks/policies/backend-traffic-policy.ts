/**
 * The BackendTrafficPolicy link (XBackendTrafficPolicy, GEP-3388 / GEP-1619): for every policy, what
 * the translator decided (Accepted, or why not: Conflicted, TargetNotFound, Invalid) and whether any
 * route of ours sends to its Services. Findings are about the gateways whose traffic the policy
 * governs (its status ancestors), or cluster-wide when it governs none.
 */
import { statusKey } from '@portico/translator';
import type { XBackendTrafficPolicy } from '@portico/resources';
import type { Check, Finding } from '../../findings.js';

type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

export const checkBackendTrafficPolicies: Check = (input) =>
  input.resources.list('XBackendTrafficPolicy').flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: 'XBackendTrafficPolicy', namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey('XBackendTrafficPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'XBackendTrafficPolicy' ? status.status.ancestors : [];
    const gateways = ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`);
    const accepted = ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
    const problems: Problem[] = [];
    if (!accepted) {
      problems.push({ level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetUnused', message: `no route of ours sends to ${targetsOf(policy)}: the policy governs nothing yet` });
    } else if (accepted.status === 'False') {
      problems.push(decisionProblem(accepted.reason, accepted.message));
    }
    const findings = problems.length > 0 ? problems : [{ level: 'OK' as const, code: 'PolicyValid', message: summary(policy) }];
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) =>
      findings.map((p): Finding => ({ link: 'BackendTrafficPolicy', ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });

function decisionProblem(reason: string, message: string): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${message}`, fix: 'delete one of the policies, or merge their settings into the older one' };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: "name an existing Service of the policy's namespace" };
    default:
      return { level: 'FAIL', field: 'spec', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}; its Services are served without it`, fix: 'correct the field the message names' };
  }
}

function targetsOf(policy: XBackendTrafficPolicy): string {
  const namespace = policy.metadata.namespace ?? 'default';
  return (policy.spec.targetRefs ?? []).map((t) => `${t.kind} ${namespace}/${t.name}`).join(', ') || 'no target';
}

function summary(policy: XBackendTrafficPolicy): string {
  const parts: string[] = [];
  const budget = policy.spec.retryConstraint;
  if (budget) parts.push(`retry budget ${budget.budget?.percent ?? 20}% (at least ${budget.minRetryRate?.count ?? 10} concurrent retries)`);
  const sp = policy.spec.sessionPersistence;
  if (sp) parts.push(`session persistence by ${(sp.type ?? 'Cookie').toLowerCase()}${sp.cookie?.name ?? sp.header?.name ? ` ${sp.cookie?.name ?? sp.header?.name}` : ''} (a route rule's own wins)`);
  return `${parts.join(' and ') || 'no settings'} for ${targetsOf(policy)}`;
}
