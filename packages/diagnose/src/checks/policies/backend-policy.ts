/**
 * The BackendPolicy link (gateway.portico.dev/v1alpha1): for every policy, what the translator decided
 * (Accepted, or why not: Conflicted, TargetNotFound, Invalid) and whether any route of ours sends to its
 * Services. Findings are about the gateways whose traffic the policy governs (its status ancestors), or
 * cluster-wide when it governs none.
 */
import { statusKey } from '@portico/translator';
import type { BackendPolicy } from '@portico/resources';
import type { Check, Finding } from '../../findings.js';

type Problem = Pick<Finding, 'level' | 'code' | 'message'> & { field?: string; fix?: string };

export const checkBackendPolicies: Check = (input) =>
  input.resources.list('BackendPolicy').flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: 'BackendPolicy', namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey('BackendPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'BackendPolicy' ? status.status.ancestors : [];
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
      findings.map((p): Finding => ({ link: 'BackendPolicy', ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });

function decisionProblem(reason: string, message: string): Problem {
  switch (reason) {
    case 'Conflicted':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${message}`, fix: 'delete one of the policies, or move its settings into the one that wins (policies never merge)' };
    case 'TargetNotFound':
      return { level: 'WARN', field: 'spec.targetRefs', code: 'PolicyTargetNotFound', message: `not applied: ${message}`, fix: "name an existing Service (and port name, for sectionName) of the policy's namespace" };
    default:
      return { level: 'FAIL', field: 'spec', code: `Policy${reason}`, message: `not accepted (${reason}): ${message}; its Services are served without it`, fix: 'correct the field the message names' };
  }
}

function targetsOf(policy: BackendPolicy): string {
  const namespace = policy.metadata.namespace ?? 'default';
  const refs = Array.isArray(policy.spec?.targetRefs) ? policy.spec.targetRefs : [];
  return refs.map((t) => `${t.kind} ${namespace}/${t.name}${t.sectionName ? ` port ${t.sectionName}` : ''}`).join(', ') || 'no target';
}

/** What the policy sets, in a few words. */
function summary(policy: BackendPolicy): string {
  const spec = policy.spec;
  const parts: string[] = [];
  if (spec.healthCheck) parts.push(`${spec.healthCheck.type} health check${spec.healthCheck.http?.path ? ` on ${spec.healthCheck.http.path}` : ''}`);
  if (spec.outlierDetection) parts.push('outlier detection');
  if (spec.circuitBreaker) parts.push('circuit breaker');
  if (spec.loadBalancer) parts.push(`${spec.loadBalancer.type ?? 'LeastRequest'} load balancing${spec.loadBalancer.consistentHash ? ` on ${spec.loadBalancer.consistentHash.type}` : ''}`);
  if (spec.connectTimeout) parts.push(`connect timeout ${spec.connectTimeout}`);
  if (spec.tcpKeepalive) parts.push('TCP keepalive');
  if (spec.http2) parts.push('HTTP/2 settings');
  return `${parts.join(', ') || 'no settings'} for ${targetsOf(policy)}`;
}
