/**
 * The TLS link: the certificates a gateway serves and presents. For every TLS-terminating listener of
 * our Gateways and every TLS entry of our Ingresses: the Secrets (certificate-inspection.ts) and
 * whether their names cover the hostnames clients ask for — the listener's hostname, or, for a listener
 * without one, the hostnames of the routes it serves. Also the Gateway's client certificate towards
 * backends and the CAs its listeners check client certificates with. One OK per listener, Ingress or
 * reference when nothing is wrong.
 */
import type { X509Certificate } from 'node:crypto';
import type { GatewayIR } from '@portico/ir';
import type { Gateway, Ingress, SecretObjectReference } from '@portico/resources';
import type { Check, DiagnoseInput, Finding, ObjectRef } from '../findings.js';
import type { CertificateProblem } from './certificate-inspection.js';
import { describeCertificate, dnsNames, nameCovers } from './certificate-inspection.js';
import { isReferenceGranted } from './cross-namespace-grants.js';
import { httpsServerHosts, routeKey, routesPerGateway } from './route-usage.js';
import { inspectCARef, inspectTLSSecret } from './tls-secrets.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const UNSERVED = new Set(['CertificateChainOrder', 'CertificateKeyMismatch', 'PrivateKeyUnparsable']);

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
  }
  return findings;
};

interface Emit {
  (level: Finding['level'], field: string | undefined, code: string, message: string, fix?: string): void;
}

function emitter(findings: Finding[], gateway: string, object: ObjectRef): Emit {
  return (level, field, code, message, fix) => findings.push({ level, link: 'TLS', gateway, object, ...(field ? { field } : {}), code, message, ...(fix ? { fix } : {}) });
}

function gatewayFindings(input: DiagnoseInput, key: string, gateway: Gateway, ir: GatewayIR): Finding[] {
  const findings: Finding[] = [];
  const namespace = gateway.metadata.namespace ?? 'default';
  const emit = emitter(findings, key, { kind: 'Gateway', namespace, name: gateway.metadata.name });
  (gateway.spec.listeners ?? []).forEach((listener, i) => {
    const terminates = listener.protocol === 'HTTPS' || (listener.protocol === 'TLS' && (listener.tls?.mode ?? 'Terminate') === 'Terminate');
    const refs = listener.tls?.certificateRefs ?? [];
    if (!terminates || refs.length === 0) return;
    const field = `spec.listeners[${i}]`;
    const leaves: X509Certificate[] = [];
    let problems = 0;
    refs.forEach((ref, j) => {
      const secret = usableSecretRef(input, namespace, ref);
      if (!secret) return;
      const inspection = inspectTLSSecret(input.resources, secret.namespace, secret.name, input.now);
      // A chain whose key does not fit is not served at all (the translator refuses it): its names cover nothing.
      if (inspection.chain[0] && !inspection.problems.some((p) => UNSERVED.has(p.code))) leaves.push(inspection.chain[0]);
      problems += report(emit, `${field}.tls.certificateRefs[${j}]`, inspection.problems);
    });
    // Hostnames: the listener's own, else those of the routes it serves (an HTTPS server of the IR).
    const hosts = listener.hostname ? [listener.hostname] : listener.protocol === 'HTTPS' ? httpsServerHosts(ir, listener.name) : [];
    const uncovered = leaves.length ? hosts.filter((h) => !leaves.some((c) => dnsNames(c).some((n) => nameCovers(n, h)))) : [];
    if (uncovered.length > 0) {
      problems++;
      const what = listener.hostname ? `its hostname ${listener.hostname}` : `${uncovered.join(', ')}, ${uncovered.length === 1 ? 'a hostname' : 'hostnames'} of its routes`;
      emit(
        'FAIL',
        listener.hostname ? `${field}.hostname` : `${field}.tls.certificateRefs`,
        'CertificateNameMismatch',
        `no certificate of listener ${listener.name} covers ${what}: clients that verify names refuse the connection; it serves ${leaves.map(describeCertificate).join('; ')}`,
        `issue a certificate whose DNS SANs include ${uncovered.join(', ')} (a *. wildcard covers one label), or change the listener's hostname`,
      );
    }
    if (problems === 0 && leaves.length > 0) {
      emit('OK', field, 'CertificatesValid', `listener ${listener.name} serves ${leaves.map(describeCertificate).join('; ')}${hosts.length ? `, covering ${hosts.join(', ')}` : ''}`);
    }
  });
  const clientRef = gateway.spec.tls?.backend?.clientCertificateRef;
  if (clientRef) {
    const secret = usableSecretRef(input, namespace, clientRef);
    if (secret) {
      const inspection = inspectTLSSecret(input.resources, secret.namespace, secret.name, input.now);
      const field = 'spec.tls.backend.clientCertificateRef';
      if (report(emit, field, inspection.problems) === 0 && inspection.chain[0]) {
        emit('OK', field, 'ClientCertificateValid', `the client certificate towards TLS backends is ${describeCertificate(inspection.chain[0])}`);
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
      if ((ref.group ?? '') !== '' || !isReferenceGranted(input.resources, { group: GATEWAY_GROUP, kind: 'Gateway', namespace }, { group: '', ...target })) return;
      const field = `${v.field}.caCertificateRefs[${j}]`;
      const inspection = inspectCARef(input.resources, target.kind, target.namespace, target.name, input.now);
      if (report(emit, field, inspection.problems) === 0) {
        emit('OK', field, 'ClientCAValid', `client certificates are checked against ${inspection.bundle.map(describeCertificate).join('; ')}`);
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
    const inspection = inspectTLSSecret(input.resources, namespace, tls.secretName, input.now);
    problems += report(emit, `${field}.secretName`, inspection.problems);
    const leaf = inspection.chain[0];
    if (!leaf) return;
    const uncovered = (tls.hosts ?? []).filter((h) => !dnsNames(leaf).some((n) => nameCovers(n, h)));
    if (uncovered.length > 0) {
      problems++;
      emit('FAIL', `${field}.hosts`, 'CertificateNameMismatch', `Secret ${namespace}/${tls.secretName} does not cover ${uncovered.join(', ')}: it holds ${describeCertificate(leaf)}`, `issue a certificate whose DNS SANs include ${uncovered.join(', ')}, or list its hosts only`);
    }
    served.push(describeCertificate(leaf));
  });
  if (problems === 0 && served.length > 0) emit('OK', 'spec.tls', 'CertificatesValid', `serves ${served.join('; ')}`);
  return findings;
}

/**
 * The Secret a certificate reference names, when it is one this check judges: a core Secret the
 * Gateway may refer to. Other kinds and references without a grant are the Listener and
 * ReferenceGrant links' to report.
 */
function usableSecretRef(input: DiagnoseInput, gatewayNamespace: string, ref: SecretObjectReference): { namespace: string; name: string } | undefined {
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return undefined;
  const namespace = ref.namespace ?? gatewayNamespace;
  const granted = isReferenceGranted(input.resources, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNamespace }, { group: '', kind: 'Secret', namespace, name: ref.name });
  return granted ? { namespace, name: ref.name } : undefined;
}

/** Emits each problem; returns how many. */
function report(emit: Emit, field: string, problems: readonly CertificateProblem[]): number {
  for (const p of problems) emit(p.level, field, p.code, p.message, p.fix);
  return problems.length;
}
