/**
 * Certificate facts when Secrets carry no data (`diagnose --admin`: a running server never hands it
 * out). What the server did see of each certificate it loaded is in its IR: the DNS names and notAfter
 * of the leaf, per Secret. The translator serves a Secret's certificate only after it parsed and its
 * key fitted, so a certificate found there is sound at the PEM and key level, and one not found was
 * refused — the listener's ResolvedRefs condition (the Listener link) says why. The key names of a
 * redacted Secret are kept in an annotation, so missing keys are still told.
 */
import type { GatewayIR } from '@portico/ir';
import type { Secret } from '@portico/resources';
import type { DiagnoseInput } from '../../findings.js';

/** Where /debug/resources keeps the key names of a redacted Secret (server resources-view.ts). */
export const REDACTED_KEYS_ANNOTATION = 'portico.dev/redacted-keys';

/** A certificate as the report names it: a description (never PEM) and the DNS names it covers. */
export interface CertificateSummary {
  description: string;
  dnsNames: string[];
}

/** What the IR keeps of a certificate (CertificateIR, redacted or not). */
export interface ServedCertificate {
  secret: string;
  dnsNames: string[];
  notAfter: string;
}

const cache = new WeakMap<DiagnoseInput['translation'], Map<string, ServedCertificate>>();

/** Every certificate the server loaded, by its Secret's `namespace/name`, from every gateway's IR. */
export function servedCertificates(input: DiagnoseInput): Map<string, ServedCertificate> {
  let found = cache.get(input.translation);
  if (!found) {
    found = new Map();
    for (const ir of input.translation.gateways.values()) collect(ir, found);
    cache.set(input.translation, found);
  }
  return found;
}

/**
 * A walk by shape rather than by IR type: server certificates (HTTPS and TLS servers) and client
 * certificates towards backends are all CertificateIR, wherever a later IR version puts them.
 */
function collect(value: GatewayIR | unknown, found: Map<string, ServedCertificate>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, found);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (typeof record.secret === 'string' && Array.isArray(record.dnsNames) && typeof record.notAfter === 'string') {
    found.set(record.secret, { secret: record.secret, dnsNames: record.dnsNames.map(String), notAfter: record.notAfter });
    return;
  }
  for (const child of Object.values(record)) collect(child, found);
}

/** The key names of a redacted Secret, or undefined when the server did not say. */
export function redactedKeys(secret: Secret): string[] | undefined {
  const names = secret.metadata.annotations?.[REDACTED_KEYS_ANNOTATION];
  return names === undefined ? undefined : names.split(',').filter(Boolean);
}

export function describeServed(certificate: ServedCertificate): string {
  const names = certificate.dnsNames.length ? `DNS ${certificate.dnsNames.join(', ')}` : 'no DNS SANs';
  return `the certificate the server loaded from Secret ${certificate.secret} (${names}; notAfter ${certificate.notAfter})`;
}

/** Keys a Secret needs that its redacted key names lack. */
export function missingKeys(secret: Secret, needed: readonly string[]): string[] {
  const keys = redactedKeys(secret);
  return keys === undefined ? [] : needed.filter((k) => !keys.includes(k));
}
