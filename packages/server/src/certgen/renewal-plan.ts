/**
 * Which certificates `portico certgen` keeps and which it issues again — a pure decision over what is
 * stored (Secrets or local files, read by a store). Certgen runs on every `helm install/upgrade` and on a
 * schedule, so running it again must change nothing while the material is good: a needless new
 * certificate would make Portico reload and, for a new CA, every Envoy reconnect with a new certificate.
 *
 * Rules: the CA is reissued when it is absent, unusable, expires within `renewBeforeDays` (30) or on
 * `overwrite`, and then both leaves are reissued under it. Otherwise each leaf is kept unless it is
 * absent, unusable, not signed by this CA, lacks its extended key usage, names other hosts than asked
 * (server), or expires within `renewBeforeDays` — then it alone is reissued, by the same CA, so the
 * other side keeps trusting it without a restart.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIPv6 } from 'node:net';
import {
  issueCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
  type CertificateAndKey,
} from './issue-certificates.js';
import type { ServerNames } from './names.js';

export const DEFAULT_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
export const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A leaf as it is handed out: its certificate, its key and the CA bundle to verify the peer with. */
export interface LeafMaterial extends CertificateAndKey {
  ca: string;
}

/** The complete set certgen maintains. */
export interface XdsCertificates {
  ca: CertificateAndKey;
  server: LeafMaterial;
  client: LeafMaterial;
}

/** What a store found; any part may be missing or partial (a Secret without one of its keys). */
export interface StoredCertificates {
  ca?: Partial<CertificateAndKey>;
  server?: Partial<LeafMaterial>;
  client?: Partial<LeafMaterial>;
}

export type CertificatePart = keyof XdsCertificates;

export interface RenewalPlan {
  certificates: XdsCertificates;
  /** Why each part was issued now; a part that is absent here was kept as stored. */
  issued: Partial<Record<CertificatePart, string>>;
}

export interface RenewalOptions {
  names: ServerNames;
  /** Default now. */
  now?: Date;
  /** Reissue everything, whatever is stored. */
  overwrite?: boolean;
  renewBeforeDays?: number;
}

export function planRenewal(stored: StoredCertificates, options: RenewalOptions): RenewalPlan {
  const now = options.now ?? new Date();
  const renewAfter = new Date(now.getTime() + (options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS);
  const issued: RenewalPlan['issued'] = {};

  const caProblem = options.overwrite ? 'reissue requested (--overwrite)' : caCertificateProblem(stored.ca, renewAfter);
  let ca: CertificateAndKey;
  if (caProblem === undefined) {
    ca = { cert: stored.ca!.cert!, key: stored.ca!.key! };
  } else {
    ca = issueCertificateAuthority({ now });
    issued.ca = caProblem;
  }
  const caCert = new X509Certificate(ca.cert);
  const leaf = (part: 'server' | 'client', usage: string, issue: () => CertificateAndKey, names?: ServerNames): LeafMaterial => {
    const problem = issued.ca ? 'the CA was issued now' : leafProblem(stored[part], caCert, usage, renewAfter, names);
    if (problem === undefined) return { cert: stored[part]!.cert!, key: stored[part]!.key!, ca: ca.cert };
    issued[part] = problem;
    return { ...issue(), ca: ca.cert };
  };
  const server = leaf('server', SERVER_AUTH, () => issueServerCertificate(ca, options.names, { now }), options.names);
  const client = leaf('client', CLIENT_AUTH, () => issueClientCertificate(ca, { now }));
  return { certificates: { ca, server, client }, issued };
}

function caCertificateProblem(ca: Partial<CertificateAndKey> | undefined, renewAfter: Date): string | undefined {
  if (!ca?.cert) return 'absent';
  if (!ca.key) return 'its private key is absent';
  const certificate = parseCertificate(ca.cert);
  if (!certificate) return 'not a readable certificate';
  if (!certificate.ca) return 'not a CA certificate';
  if (!matchesKey(certificate, ca.key)) return 'its private key does not match';
  if (!certificate.verify(certificate.publicKey)) return 'not self-signed';
  return expiryProblem(certificate, renewAfter);
}

/**
 * Why a stored leaf cannot be kept (absent, unusable, not signed by `ca`, lacking `usage`, names other
 * hosts, expiring before `renewAfter`), or undefined when it can.
 */
export function leafProblem(leaf: Partial<LeafMaterial> | undefined, ca: X509Certificate, usage: string, renewAfter: Date, names?: ServerNames): string | undefined {
  if (!leaf?.cert) return 'absent';
  if (!leaf.key) return 'its private key is absent';
  const certificate = parseCertificate(leaf.cert);
  if (!certificate) return 'not a readable certificate';
  if (!matchesKey(certificate, leaf.key)) return 'its private key does not match';
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) return 'not signed by the current CA';
  if (!(certificate.keyUsage ?? []).includes(usage)) return `lacks the ${usage === SERVER_AUTH ? 'serverAuth' : 'clientAuth'} extended key usage`;
  if (names && !sameNames(subjectAltNames(certificate), names)) return 'names other hosts than asked';
  return expiryProblem(certificate, renewAfter);
}

function expiryProblem(certificate: X509Certificate, renewAfter: Date): string | undefined {
  const notAfter = new Date(certificate.validTo);
  return notAfter <= renewAfter ? `expires ${notAfter.toISOString()}, within the renewal window` : undefined;
}

/** DNS names and IP addresses of a certificate, from Node's `DNS:a, IP Address:1.2.3.4` text. */
export function subjectAltNames(certificate: X509Certificate): ServerNames {
  const names: ServerNames = { dnsNames: [], ipAddresses: [] };
  for (const entry of (certificate.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) names.ipAddresses.push(entry.slice(11));
  }
  return names;
}

function sameNames(actual: ServerNames, wanted: ServerNames): boolean {
  const key = (names: ServerNames) => JSON.stringify([[...names.dnsNames].sort(), names.ipAddresses.map(canonicalIp).sort()]);
  return key(actual) === key(wanted);
}

/** OpenSSL prints IPv6 SANs uncompressed (`0:0:0:0:0:0:0:1`); users write `::1`: compare one spelling. */
function canonicalIp(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16).toString(16)).join(':');
}

function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function matchesKey(certificate: X509Certificate, keyPem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
