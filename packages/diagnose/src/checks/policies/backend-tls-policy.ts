/**
 * The BackendTLSPolicy link (GEP-1897): for every policy, its CA references (exist, hold a `ca.crt`
 * that parses and is valid now), its hostname (a DNS name usable as SNI: no IP, no wildcard), its
 * targets (a Service port some route of ours sends to), and what the translator decided about it
 * (Accepted=False: conflicts, unsupported settings). Findings are about the gateways whose traffic
 * the policy governs (its status ancestors), or cluster-wide when it governs none.
 */
import { statusKey } from '@portico/translator';
import type { BackendTLSPolicy, Condition, ServicePort } from '@portico/resources';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { backendUses, type RouteLike } from '../backends/backend-refs.js';
import { routesPerGateway } from '../routes/route-usage.js';
import { servicePorts } from '../backends/service-names.js';
import { inspectCARef } from '../tls/tls-secrets.js';

interface PolicyProblem {
  level: Finding['level'];
  field?: string;
  code: string;
  message: string;
  fix?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export const checkBackendTLSPolicies: Check = (input) => {
  const policies = input.resources.list('BackendTLSPolicy');
  const served = policies.length > 0 ? servedServicePorts(input) : new Set<string>();
  return policies.flatMap((policy) => {
    const namespace = policy.metadata.namespace ?? 'default';
    const object = { kind: 'BackendTLSPolicy', namespace, name: policy.metadata.name };
    const status = input.translation.statuses.get(statusKey('BackendTLSPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'BackendTLSPolicy' ? status.status.ancestors : [];
    const gateways = ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`);
    const conditions = ancestors[0]?.conditions ?? [];
    const problems = [...decisionProblems(conditions), ...hostnameProblems(policy), ...caProblems(input, policy), ...targetProblems(input, policy, served)];
    const findings = problems.length > 0 ? problems : [{ level: 'OK' as const, code: 'PolicyValid', message: summary(input, policy) }];
    return (gateways.length > 0 ? gateways : [undefined]).flatMap((gateway) =>
      findings.map((p): Finding => ({ link: 'BackendTLSPolicy', ...(gateway ? { gateway } : {}), object, ...p })),
    );
  });
};

/** What the translator decided and no other check here explains: conflicts, unsupported settings. */
function decisionProblems(conditions: readonly Condition[]): PolicyProblem[] {
  const accepted = conditions.find((c) => c.type === 'Accepted');
  if (!accepted || accepted.status !== 'False') return [];
  if (accepted.reason === 'NoValidCACertificate') {
    return [{ level: 'FAIL', field: 'spec.validation.caCertificateRefs', code: 'PolicyNoValidCACertificate', message: 'not accepted: none of its CA references is usable, so requests to its targets get 500 rather than go out unverified' }];
  }
  if (accepted.reason === 'Conflicted') {
    return [{ level: 'WARN', field: 'spec.targetRefs', code: 'PolicyConflicted', message: `not applied: ${accepted.message}`, fix: 'delete one of the policies, or give them different targets (sectionName per port)' }];
  }
  return [{ level: 'FAIL', field: 'spec.validation', code: `Policy${accepted.reason}`, message: `not accepted (${accepted.reason}): ${accepted.message}; the targets' requests get 500 rather than go out unverified` }];
}

/** backendtlspolicy_types.go Hostname: "MUST be a fully qualified domain name"; IPs and wildcards are not allowed. */
function hostnameProblems(policy: BackendTLSPolicy): PolicyProblem[] {
  const hostname = policy.spec.validation?.hostname ?? '';
  const field = 'spec.validation.hostname';
  const fix = 'set the DNS name the backend\'s certificate is issued for (for a Service: <service>.<namespace>.svc, or the name in its certificate)';
  if (hostname === '') return [{ level: 'FAIL', field, code: 'PolicyHostnameInvalid', message: 'no hostname: the gateway has no SNI to send and no name to verify', fix }];
  if (IPV4.test(hostname) || hostname.includes(':')) return [{ level: 'FAIL', field, code: 'PolicyHostnameInvalid', message: `hostname ${hostname} is an IP address, which cannot be sent as SNI (RFC 6066 §3)`, fix }];
  if (hostname.startsWith('*')) return [{ level: 'FAIL', field, code: 'PolicyHostnameInvalid', message: `hostname ${hostname} is a wildcard: SNI names one host`, fix }];
  const labels = hostname.replace(/\.$/, '').split('.');
  if (hostname.length > 253 || !labels.every((l) => l.length <= 63 && DNS_LABEL.test(l))) {
    return [{ level: 'FAIL', field, code: 'PolicyHostnameInvalid', message: `hostname ${hostname} is not a DNS name (lowercase letters, digits, '-' and '.')`, fix }];
  }
  return [];
}

function caProblems(input: DiagnoseInput, policy: BackendTLSPolicy): PolicyProblem[] {
  const namespace = policy.metadata.namespace ?? 'default';
  return (policy.spec.validation?.caCertificateRefs ?? []).flatMap((ref, j) => {
    if ((ref.group ?? '') !== '') return [{ level: 'FAIL' as const, field: `spec.validation.caCertificateRefs[${j}]`, code: 'CACertificateRefKind', message: `a CA reference of group ${ref.group} is not supported`, fix: 'reference a core ConfigMap (or Secret) with the key ca.crt' }];
    const inspection = inspectCARef(input, ref.kind, namespace, ref.name);
    return inspection.problems.map((p) => ({ ...p, field: `spec.validation.caCertificateRefs[${j}]` }));
  });
}

/** Each target: a Service that exists, a port by sectionName it has, and traffic of ours to it. */
function targetProblems(input: DiagnoseInput, policy: BackendTLSPolicy, served: ReadonlySet<string>): PolicyProblem[] {
  const namespace = policy.metadata.namespace ?? 'default';
  return (policy.spec.targetRefs ?? []).flatMap((target, t): PolicyProblem[] => {
    const field = `spec.targetRefs[${t}]`;
    if ((target.group ?? '') !== '' || target.kind !== 'Service') {
      return [{ level: 'WARN', field, code: 'PolicyTargetKind', message: `targets ${target.group || 'core'}/${target.kind} ${target.name}: Portico applies BackendTLSPolicies to Services only`, fix: 'target the Service (group "", kind Service)' }];
    }
    const service = input.resources.get('Service', namespace, target.name);
    if (!service) return [{ level: 'WARN', field: `${field}.name`, code: 'PolicyTargetNotFound', message: `targets Service ${namespace}/${target.name}, which does not exist`, fix: 'name an existing Service of the policy\'s namespace' }];
    const ports = servicePorts(service);
    const named = target.sectionName === undefined ? undefined : ports.find((p) => p.name === target.sectionName);
    if (target.sectionName !== undefined && !named) {
      return [{ level: 'WARN', field: `${field}.sectionName`, code: 'PolicyTargetPortNotFound', message: `Service ${namespace}/${target.name} has no port named ${target.sectionName}: the policy applies to none of its ports`, fix: `set sectionName to one of ${ports.map((p) => p.name).filter(Boolean).join(', ') || '(the Service\'s ports have no names: name them first)'}` }];
    }
    if (!isServed(served, namespace, target.name, named)) {
      return [{ level: 'WARN', field, code: 'PolicyTargetUnused', message: `no route of ours sends HTTP or terminated-TLS traffic to Service ${namespace}/${target.name}${named ? ` port ${named.port} (${named.name})` : ''}: the policy governs nothing yet` }];
    }
    return [];
  });
}

/**
 * The Service ports that routes and Ingresses our gateways serve send HTTP (or TLSRoute) traffic to,
 * as `namespace/service` plus `:port` or `#portName` keys: computed once per check run.
 */
function servedServicePorts(input: DiagnoseInput): Set<string> {
  const keys = new Set<string>();
  for (const routes of routesPerGateway(input).values()) {
    for (const key of routes) {
      const [kind, ns, name] = key.split('/') as [string, string, string];
      if (kind === 'TCPRoute' || kind === 'UDPRoute') continue;
      const route = input.resources.get(kind as RouteLike['kind'], ns, name) as RouteLike | undefined;
      for (const u of route ? backendUses(route) : []) {
        if (u.group !== '' || u.kind !== 'Service') continue;
        keys.add(`${u.namespace}/${u.name}`);
        if (u.port !== undefined) keys.add(`${u.namespace}/${u.name}:${u.port}`);
        if (u.portName !== undefined) keys.add(`${u.namespace}/${u.name}#${u.portName}`);
      }
    }
  }
  return keys;
}

function isServed(served: ReadonlySet<string>, namespace: string, service: string, port: ServicePort | undefined): boolean {
  const key = `${namespace}/${service}`;
  if (!port) return served.has(key);
  return served.has(`${key}:${port.port}`) || (port.name !== undefined && served.has(`${key}#${port.name}`));
}

function summary(input: DiagnoseInput, policy: BackendTLSPolicy): string {
  const namespace = policy.metadata.namespace ?? 'default';
  const targets = (policy.spec.targetRefs ?? []).map((t) => `Service ${namespace}/${t.name}${t.sectionName ? ` port ${t.sectionName}` : ''}`).join(', ');
  const refs = policy.spec.validation?.caCertificateRefs ?? [];
  const cas = refs.length
    ? refs.flatMap((r) => inspectCARef(input, r.kind, namespace, r.name).certificates).join('; ')
    : 'the system CAs';
  return `TLS to ${targets} with SNI ${policy.spec.validation.hostname}, verified against ${cas}`;
}
