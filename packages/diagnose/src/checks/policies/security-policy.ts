/**
 * The SecurityPolicy link (gateway.portico.dev): for every policy, what the translator decided
 * (Accepted; or Conflicted, TargetNotFound, Invalid) on each Gateway it reports through, and what it
 * enforces. An Invalid policy is a FAIL: its targets answer 500 (fail closed) until it is fixed. An
 * accepted extAuth whose Service has no ready endpoint on a gateway is a WARN there: every check fails,
 * so its targets answer 403 (or, with failOpen, are served unchecked).
 */
import type { GatewayIR } from '@portico/ir';
import { statusKey } from '@portico/translator';
import type { SecurityPolicy } from '@portico/resources';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { irRoutes } from '../routes/route-usage.js';

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
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) => {
      const unavailable = problem || !gateway ? undefined : authServiceUnavailable(input, gateway, `${namespace}/${policy.metadata.name}`, policy);
      return (unavailable ? [unavailable] : findings).map((p): Finding => ({ link: 'SecurityPolicy', ...(gateway ? { gateway } : {}), object, ...p }));
    });
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

/** The policy's ext_authz Service on this gateway's routes when it has no endpoint to check with. */
function authServiceUnavailable(input: DiagnoseInput, gateway: string, policyKey: string, policy: SecurityPolicy): Problem | undefined {
  if (!policy.spec.extAuth) return undefined;
  const ir: GatewayIR | undefined = input.translation.gateways.get(gateway);
  if (!ir) return undefined;
  for (const route of irRoutes(ir)) {
    if (!('security' in route) || route.security?.policy !== policyKey || !route.externalAuth) continue;
    const backend = ir.backends.find((b) => b.name === route.externalAuth!.backend);
    if (!backend || backend.externalName || backend.endpoints.length > 0) continue;
    const outcome = route.externalAuth.failOpen ? 'its targets are served unchecked (failOpen: true)' : 'its targets answer 403 (failOpen: false)';
    return {
      level: 'WARN',
      field: 'spec.extAuth',
      code: 'PolicyAuthServiceUnavailable',
      message: `the extAuth Service ${backend.service.namespace}/${backend.service.name} port ${backend.service.port} has no ready endpoint: every check fails, so ${outcome}`,
      fix: 'start the authorization service (or fix its Service selector)',
    };
  }
  return undefined;
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
  if (spec.extAuth) {
    const service = spec.extAuth.http ?? spec.extAuth.grpc;
    const ref = service?.backendRef;
    parts.push(`${spec.extAuth.http ? 'HTTP' : 'gRPC'} ext_authz (Service ${ref?.namespace ?? policy.metadata.namespace ?? 'default'}/${ref?.name}:${ref?.port}, fail ${spec.extAuth.failOpen ? 'open' : 'closed'})`);
  }
  return `${parts.join(', ') || 'nothing'} on ${targetsOf(policy)} (the most specific policy wins: rule > route > listener > Gateway)`;
}
