/**
 * The SecurityPolicy link (gateway.portico.dev): for every policy, what the translator decided
 * (Accepted; or Conflicted, TargetNotFound, Invalid) on each Gateway it reports through, and what it
 * enforces. An Invalid policy is a FAIL: its targets answer 500 (fail closed) until it is fixed.
 */
import { statusKey } from '@portico/translator';
import type { SecurityPolicy } from '@portico/resources';
import type { Check, Finding } from '../../findings.js';

type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

export const checkSecurityPolicies: Check = (input) =>
  input.resources.list('SecurityPolicy').flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: 'SecurityPolicy', namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey('SecurityPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'SecurityPolicy' ? status.status.ancestors : [];
    const gateways = ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`);
    const accepted = ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
    let problem: Problem | undefined;
    if (!accepted) {
      problem = { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetUnused', message: `${targetsOf(policy)} is not served by any Gateway of ours: the policy protects nothing yet` };
    } else if (accepted.status === 'False') {
      problem = decisionProblem(accepted.reason, accepted.message);
    }
    const findings = problem ? [problem] : [{ level: 'OK' as const, code: 'PolicyValid', message: summary(policy) }];
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) =>
      findings.map((p): Finding => ({ link: 'SecurityPolicy', ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });

function decisionProblem(reason: string, message: string): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${message}`, fix: 'delete one of the policies, or merge their settings into the older one' };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: "name an existing Gateway, listener, route or rule name of the policy's namespace" };
    default:
      return { level: 'FAIL', field: 'spec', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}`, fix: 'correct the field the message names; until then its targets answer 500' };
  }
}

function targetsOf(policy: SecurityPolicy): string {
  const namespace = policy.metadata.namespace ?? 'default';
  return (policy.spec.targetRefs ?? []).map((t) => `${t.kind} ${namespace}/${t.name}${t.sectionName ? `/${t.sectionName}` : ''}`).join(', ') || 'no target';
}

function summary(policy: SecurityPolicy): string {
  const spec = policy.spec;
  const parts: string[] = [];
  if (spec.ipAccess) parts.push(`IP allow ${spec.ipAccess.allow?.length ?? 0} / deny ${spec.ipAccess.deny?.length ?? 0} CIDRs`);
  if (spec.basicAuth) parts.push(`basic auth (Secret ${spec.basicAuth.users?.name})`);
  if (spec.apiKeyAuth) parts.push(`API keys (${(spec.apiKeyAuth.credentialRefs ?? []).length} Secrets)`);
  if (spec.jwt) parts.push(`JWT (${(spec.jwt.providers ?? []).map((p) => p.name).join(', ')})`);
  return `${parts.join(', ') || 'nothing'} on ${targetsOf(policy)} (the most specific policy wins: rule > route > listener > Gateway)`;
}
