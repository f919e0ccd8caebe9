/**
 * The BackendTrafficPolicy link (XBackendTrafficPolicy, GEP-3388 / GEP-1619): the findings of a Service
 * policy (service-policy-findings.ts), with what this kind sets and targets in words.
 */
import type { XBackendTrafficPolicy } from '@portico/resources';
import type { Check } from '../../findings.js';
import { servicePolicyFindings } from './service-policy-findings.js';

export const checkBackendTrafficPolicies: Check = (input) =>
  servicePolicyFindings(input, input.resources.list('XBackendTrafficPolicy'), {
    kind: 'XBackendTrafficPolicy',
    link: 'BackendTrafficPolicy',
    targets: targetsOf,
    summary,
    fixes: { conflicted: 'delete one of the policies, or merge their settings into the older one', targetNotFound: "name an existing Service of the policy's namespace" },
  });

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
