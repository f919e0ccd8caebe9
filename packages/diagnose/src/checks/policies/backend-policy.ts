/**
 * The BackendPolicy link (gateway.portico.dev/v1alpha1): the findings of a Service policy
 * (service-policy-findings.ts), with what this kind sets and targets in words.
 */
import type { BackendPolicy } from '@portico/resources';
import type { Check } from '../../findings.js';
import { servicePolicyFindings } from './service-policy-findings.js';

export const checkBackendPolicies: Check = (input) =>
  servicePolicyFindings(input, input.resources.list('BackendPolicy'), {
    kind: 'BackendPolicy',
    link: 'BackendPolicy',
    targets: targetsOf,
    summary,
    fixes: { conflicted: 'delete one of the policies, or move its settings into the one that wins (policies never merge)', targetNotFound: "name an existing Service (and port name, for sectionName) of the policy's namespace" },
  });

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
