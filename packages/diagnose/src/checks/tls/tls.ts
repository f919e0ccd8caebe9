/**
 * The TLS link: the certificates a gateway serves and presents. For every TLS-terminating listener of
 * our Gateways and every TLS entry of our Ingresses: the Secrets (certificate-inspection.ts) and
 * whether their names cover the hostnames clients ask for — the listener's hostname, or, for a listener
 * without one, the hostnames of the routes it serves. Also the Gateway's client certificate towards
 * backends and the CAs its listeners check client certificates with. One OK per listener, Ingress or
 * reference when nothing is wrong.
 */
import type { GatewayIR } from '@portico/ir';
import type { Gateway, Ingress, ListenerSet } from '@portico/resources';
import { isReferenceAllowed, statusKey } from '@portico/translator';
import type { Check, DiagnoseInput, Finding, ObjectRef } from '../../findings.js';
import { nameCovers } from './certificate-inspection.js';
import { routeKey, routesPerGateway } from '../routes/route-usage.js';
import { listenerCertificateFindings, reportProblems, usableSecretRef, type Emit } from './tls-listener-certificates.js';
import { inspectCARef, inspectTLSSecret } from './tls-secrets.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export const checkTLS: Check = (input) => {
  const findings: Finding[] = [];
  const routes = routesPerGateway(input);
  for (const [key, ir] of input.translation.gateways) {
    if (key.startsWith('ingressclass/')) {
      for (const ingress of input.resources.list('Ingress')) {
        const ns = ingress.metadata.namespace ?? 'default';
        if (routes.get(key)?.has(routeKey('Ingress', ns, ingress.metadata.name))) findings.push(...ingressFindings(input, key, ingress));
      }
      continue;
    }
    const [namespace, name] = key.split('/') as [string, string];
    const gateway = input.resources.get('Gateway', namespace, name);
    if (gateway) findings.push(...gatewayFindings(input, key, gateway, ir));
    for (const set of input.resources.list('ListenerSet')) {
      if (attachedListenerSet(input, set, namespace, name)) findings.push(...listenerSetFindings(input, key, set, ir));
    }
  }
  return findings;
};

function emitter(findings: Finding[], gateway: string, object: ObjectRef): Emit {
  return (level, field, code, message, fix) => findings.push({ level, link: 'TLS', gateway, object, ...(field ? { field } : {}), code, message, ...(fix ? { fix } : {}) });
}

function gatewayFindings(input: DiagnoseInput, key: string, gateway: Gateway, ir: GatewayIR): Finding[] {
  const findings: Finding[] = [];
  const namespace = gateway.metadata.namespace ?? 'default';
  const emit = emitter(findings, key, { kind: 'Gateway', namespace, name: gateway.metadata.name });
  const owner = { kind: 'Gateway' as const, namespace, name: gateway.metadata.name };
  listenerCertificateFindings(input, emit, owner, gateway.spec.listeners ?? [], ir);
  const clientRef = gateway.spec.tls?.backend?.clientCertificateRef;
  if (clientRef) {
    const secret = usableSecretRef(input, owner, clientRef);
    if (secret) {
      const inspection = inspectTLSSecret(input, secret.namespace, secret.name);
      const field = 'spec.tls.backend.clientCertificateRef';
      if (reportProblems(emit, field, inspection.problems) === 0 && inspection.leaf) {
        emit('OK', field, 'ClientCertificateValid', `the client certificate towards TLS backends is ${inspection.leaf.description}`);
      }
    }
  }
  const frontend = gateway.spec.tls?.frontend;
  const validations = [
    { field: 'spec.tls.frontend.default.validation', refs: frontend?.default?.validation?.caCertificateRefs ?? [] },
    ...(frontend?.perPort ?? []).map((p, k) => ({ field: `spec.tls.frontend.perPort[${k}].tls.validation`, refs: p.tls?.validation?.caCertificateRefs ?? [] })),
  ];
  for (const v of validations) {
    v.refs.forEach((ref, j) => {
      const target = { namespace: ref.namespace ?? namespace, name: ref.name, kind: ref.kind ?? '' };
      if ((ref.group ?? '') !== '' || !isReferenceAllowed(input.resources, { group: GATEWAY_GROUP, kind: 'Gateway', namespace }, { group: '', ...target })) return;
      const field = `${v.field}.caCertificateRefs[${j}]`;
      const inspection = inspectCARef(input, target.kind, target.namespace, target.name);
      if (reportProblems(emit, field, inspection.problems) === 0) {
        emit('OK', field, 'ClientCAValid', `client certificates are checked against ${inspection.certificates.join('; ')}`);
      }
    });
  }
  return findings;
}

function ingressFindings(input: DiagnoseInput, key: string, ingress: Ingress): Finding[] {
  const findings: Finding[] = [];
  const namespace = ingress.metadata.namespace ?? 'default';
  const emit = emitter(findings, key, { kind: 'Ingress', namespace, name: ingress.metadata.name });
  let problems = 0;
  const served: string[] = [];
  (ingress.spec.tls ?? []).forEach((tls, i) => {
    const field = `spec.tls[${i}]`;
    if (!tls.secretName) {
      problems++;
      emit('WARN', `${field}.secretName`, 'IngressTLSWithoutSecret', `TLS entry ${i} names no Secret: its hosts get no certificate of this Ingress and stay on cleartext port 80`, 'set secretName to a kubernetes.io/tls Secret of the namespace');
      return;
    }
    const inspection = inspectTLSSecret(input, namespace, tls.secretName);
    problems += reportProblems(emit, `${field}.secretName`, inspection.problems);
    const leaf = inspection.leaf;
    if (!leaf) return;
    const uncovered = (tls.hosts ?? []).filter((h) => !leaf.dnsNames.some((n) => nameCovers(n, h)));
    if (uncovered.length > 0) {
      problems++;
      emit('FAIL', `${field}.hosts`, 'CertificateNameMismatch', `Secret ${namespace}/${tls.secretName} does not cover ${uncovered.join(', ')}: it holds ${leaf.description}`, `issue a certificate whose DNS SANs include ${uncovered.join(', ')}, or list under this Secret only the hosts its certificate covers`);
    }
    served.push(leaf.description);
  });
  if (problems === 0 && served.length > 0) emit('OK', 'spec.tls', 'CertificatesValid', `serves ${served.join('; ')}`);
  return findings;
}

/** A ListenerSet of this Gateway that the translator accepted (its listeners are served). */
function attachedListenerSet(input: DiagnoseInput, set: ListenerSet, gatewayNamespace: string, gatewayName: string): boolean {
  const namespace = set.metadata.namespace ?? 'default';
  if (set.spec.parentRef?.name !== gatewayName || (set.spec.parentRef.namespace ?? namespace) !== gatewayNamespace) return false;
  const status = input.translation.statuses.get(statusKey('ListenerSet', namespace, set.metadata.name));
  return status?.kind === 'ListenerSet' && (status.status.conditions ?? []).some((c) => c.type === 'Accepted' && c.status === 'True');
}

function listenerSetFindings(input: DiagnoseInput, key: string, set: ListenerSet, ir: GatewayIR): Finding[] {
  const findings: Finding[] = [];
  const namespace = set.metadata.namespace ?? 'default';
  const emit = emitter(findings, key, { kind: 'ListenerSet', namespace, name: set.metadata.name });
  listenerCertificateFindings(input, emit, { kind: 'ListenerSet', namespace, name: set.metadata.name }, set.spec.listeners ?? [], ir);
  return findings;
}
