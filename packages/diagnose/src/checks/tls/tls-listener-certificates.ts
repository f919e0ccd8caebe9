/**
 * The certificates of TLS-terminating listeners (a Gateway's, or a ListenerSet's, GEP-1713): each
 * certificateRef's Secret, and whether the listener's certificates together cover the hostnames
 * clients ask for — the listener's hostname, or, for a listener without one, the hostnames of the
 * routes it serves (its HTTPS server in the gateway's IR). One OK per listener when all is well.
 */
import type { GatewayIR } from '@portico/ir';
import type { Listener, SecretObjectReference } from '@portico/resources';
import type { DiagnoseInput, Finding } from '../../findings.js';
import { nameCovers, type CertificateProblem } from './certificate-inspection.js';
import { isReferenceAllowed } from '@portico/translator';
import { httpsServerHosts } from '../routes/route-usage.js';
import type { CertificateSummary } from './served-certificates.js';
import { inspectTLSSecret } from './tls-secrets.js';

export type Emit = (level: Finding['level'], field: string | undefined, code: string, message: string, fix?: string) => void;

export interface ListenerOwner {
  kind: 'Gateway' | 'ListenerSet';
  namespace: string;
  name: string;
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** A chain whose key does not fit is not served at all (the translator refuses it): its names cover nothing. */
const UNSERVED = new Set(['CertificateChainOrder', 'CertificateKeyMismatch', 'PrivateKeyUnparsable']);

export function listenerCertificateFindings(input: DiagnoseInput, emit: Emit, owner: ListenerOwner, listeners: readonly Listener[], ir: GatewayIR): void {
  listeners.forEach((listener, i) => {
    const terminates = listener.protocol === 'HTTPS' || (listener.protocol === 'TLS' && (listener.tls?.mode ?? 'Terminate') === 'Terminate');
    const refs = listener.tls?.certificateRefs ?? [];
    if (!terminates || refs.length === 0) return;
    const field = `spec.listeners[${i}]`;
    const leaves: CertificateSummary[] = [];
    let problems = 0;
    refs.forEach((ref, j) => {
      const secret = usableSecretRef(input, owner, ref);
      if (!secret) return;
      const inspection = inspectTLSSecret(input, secret.namespace, secret.name);
      if (inspection.leaf && !inspection.problems.some((p) => UNSERVED.has(p.code))) leaves.push(inspection.leaf);
      problems += reportProblems(emit, `${field}.tls.certificateRefs[${j}]`, inspection.problems);
    });
    // The IR names a ListenerSet's HTTPS server `<namespace>/<name>/<listener>` (translator listeners.ts).
    const serverName = owner.kind === 'Gateway' ? listener.name : `${owner.namespace}/${owner.name}/${listener.name}`;
    const hosts = listener.hostname ? [listener.hostname] : listener.protocol === 'HTTPS' ? httpsServerHosts(ir, serverName) : [];
    const uncovered = leaves.length ? hosts.filter((h) => !leaves.some((c) => c.dnsNames.some((n) => nameCovers(n, h)))) : [];
    if (uncovered.length > 0) {
      problems++;
      const what = listener.hostname ? `its hostname ${listener.hostname}` : `${uncovered.join(', ')}, ${uncovered.length === 1 ? 'a hostname' : 'hostnames'} of its routes`;
      emit(
        'FAIL',
        listener.hostname ? `${field}.hostname` : `${field}.tls.certificateRefs`,
        'CertificateNameMismatch',
        `no certificate of listener ${listener.name} covers ${what}: clients that verify names refuse the connection; it serves ${leaves.map((c) => c.description).join('; ')}`,
        `issue a certificate whose DNS SANs include ${uncovered.join(', ')} (a *. wildcard covers one label), or change the listener's hostname`,
      );
    }
    if (problems === 0 && leaves.length > 0) {
      emit('OK', field, 'CertificatesValid', `listener ${listener.name} serves ${leaves.map((c) => c.description).join('; ')}${hosts.length ? `, covering ${hosts.join(', ')}` : ''}`);
    }
  });
}

/**
 * The Secret a certificate reference names, when it is one this link judges: a core Secret its owner
 * may refer to. Other kinds and references without a grant are the Listener and ReferenceGrant
 * links' to report.
 */
export function usableSecretRef(input: DiagnoseInput, owner: ListenerOwner, ref: SecretObjectReference): { namespace: string; name: string } | undefined {
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return undefined;
  const namespace = ref.namespace ?? owner.namespace;
  const granted = isReferenceAllowed(input.resources, { group: GATEWAY_GROUP, kind: owner.kind, namespace: owner.namespace }, { group: '', kind: 'Secret', namespace, name: ref.name });
  return granted ? { namespace, name: ref.name } : undefined;
}

/** Emits each problem; returns how many. */
export function reportProblems(emit: Emit, field: string, problems: readonly CertificateProblem[]): number {
  for (const p of problems) emit(p.level, field, p.code, p.message, p.fix);
  return problems.length;
}
