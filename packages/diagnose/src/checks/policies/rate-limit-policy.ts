/**
 * The RateLimitPolicy link (gateway.portico.dev): for every policy, what the translator decided
 * (Accepted; or Conflicted, TargetNotFound, Invalid) on each Gateway it reports through, and the
 * limits it applies. An Invalid policy is a FAIL: it limits nothing until it is fixed.
 */
import { statusKey } from '@portico/translator';
import type { RateLimitPolicy } from '@portico/resources';
import type { Check, Finding } from '../../findings.js';

type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

export const checkRateLimitPolicies: Check = (input) =>
  input.resources.list('RateLimitPolicy').flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: 'RateLimitPolicy', namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey('RateLimitPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'RateLimitPolicy' ? status.status.ancestors : [];
    const gateways = ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`);
    const accepted = ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
    let problem: Problem | undefined;
    if (!accepted) {
      problem = { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetUnused', message: `${targetsOf(policy)} is not served by any Gateway of ours: the policy limits nothing yet` };
    } else if (accepted.status === 'False') {
      problem = decisionProblem(accepted.reason, accepted.message);
    }
    const findings = problem ? [problem] : [{ level: 'OK' as const, code: 'PolicyValid', message: summary(policy) }];
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) =>
      findings.map((p): Finding => ({ link: 'RateLimitPolicy', ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });

function decisionProblem(reason: string, message: string): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${message}`, fix: 'delete one of the policies, or merge their rules into the older one' };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: "name an existing Gateway, listener, route or rule name of the policy's namespace" };
    default:
      return { level: 'FAIL', field: 'spec.local.rules', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}`, fix: 'correct the rule the message names; until then the policy limits nothing' };
  }
}

function targetsOf(policy: RateLimitPolicy): string {
  const namespace = policy.metadata.namespace ?? 'default';
  return (policy.spec.targetRefs ?? []).map((t) => `${t.kind} ${namespace}/${t.name}${t.sectionName ? `/${t.sectionName}` : ''}`).join(', ') || 'no target';
}

function summary(policy: RateLimitPolicy): string {
  const rules = (policy.spec.local?.rules ?? []).map((r) => {
    const header = r.clientSelector?.header;
    const who = r.clientSelector?.sourceIP ? 'each client IP' : !header ? 'all requests' : header.value === undefined ? `each ${header.name} value` : `${header.name}: ${header.value}`;
    return `${r.limit.requests}/${r.limit.unit} for ${who}`;
  });
  return `${rules.join(', ') || 'no limit'} on ${targetsOf(policy)}, per Envoy instance and route (the most specific policy wins: rule > route > listener > Gateway)`;
}
