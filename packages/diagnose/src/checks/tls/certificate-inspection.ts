/**
 * What is wrong with a certificate chain and key, or a CA bundle, judged at a given time: PEM that does
 * not parse, a key that is not the certificate's, a chain out of order, expired, expiring within 14
 * days, not yet valid. Only what identifies a certificate is ever put into words (subject, SANs,
 * notAfter, a SHA-256 fingerprint prefix): never PEM, never key material.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { FindingLevel } from '../../findings.js';

export interface CertificateProblem {
  level: FindingLevel;
  code: string;
  message: string;
  fix?: string;
}

export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** `CN=www.example.com (DNS www.example.com, example.com; notAfter 2027-01-01T00:00:00Z; sha256 1A:2B:…)`. */
export function describeCertificate(cert: X509Certificate): string {
  const sans = dnsNames(cert);
  const parts = [sans.length ? `DNS ${sans.join(', ')}` : 'no DNS SANs', `notAfter ${isoDate(cert.validTo)}`, `sha256 ${cert.fingerprint256.slice(0, 23)}…`];
  return `${subjectText(cert)} (${parts.join('; ')})`;
}

export function subjectText(cert: X509Certificate): string {
  return cert.subject.split('\n').filter(Boolean).join(', ') || '(empty subject)';
}

export function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
}

/**
 * Whether a certificate name covers a hostname (RFC 6125 §6.4.3: a `*` is a whole left-most label and
 * matches exactly one). A wildcard hostname (a listener's `*.example.com`) is covered only by the same
 * wildcard: no single name covers every host it stands for.
 */
export function nameCovers(certName: string, hostname: string): boolean {
  const name = certName.toLowerCase();
  const host = hostname.toLowerCase();
  if (name === host) return true;
  if (!name.startsWith('*.') || host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === name.slice(1);
}

/** The certificates of a PEM text, or the reason it has none that parse. */
export function parseChain(pem: string, what: string): { chain: X509Certificate[] } | { problem: CertificateProblem } {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { problem: { level: 'FAIL', code: 'CertificateUnparsable', message: `${what} holds no PEM certificate (no BEGIN CERTIFICATE block)` } };
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch {
      return { problem: { level: 'FAIL', code: 'CertificateUnparsable', message: `certificate ${i + 1} of ${what} does not parse as X.509` } };
    }
  }
  return { chain };
}

export interface KeyPairInspection {
  chain: X509Certificate[];
  problems: CertificateProblem[];
}

/** A serving (or client) certificate chain and its private key, as Envoy would load them. */
export function inspectKeyPair(chainPem: string, keyPem: string, now: Date, where: string): KeyPairInspection {
  const parsed = parseChain(chainPem, `${where} tls.crt`);
  if ('problem' in parsed) return { chain: [], problems: [{ ...parsed.problem, fix: 'put the PEM certificate chain, server certificate first, into tls.crt' }] };
  const { chain } = parsed;
  const leaf = chain[0]!;
  const problems: CertificateProblem[] = [];
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    problems.push({ level: 'FAIL', code: 'PrivateKeyUnparsable', message: `${where} tls.key is not a PEM private key`, fix: 'put the PEM private key of the certificate into tls.key' });
  }
  if (key && !leaf.checkPrivateKey(key)) {
    const owner = chain.findIndex((c) => c.checkPrivateKey(key));
    problems.push(
      owner > 0
        ? { level: 'FAIL', code: 'CertificateChainOrder', message: `${where} tls.key belongs to certificate ${owner + 1} of tls.crt (${subjectText(chain[owner]!)}), but the server certificate must come first`, fix: 'reorder tls.crt: the server certificate first, then each issuer in turn' }
        : { level: 'FAIL', code: 'CertificateKeyMismatch', message: `${where} tls.key does not belong to the certificate in tls.crt, ${describeCertificate(leaf)}`, fix: 'put the private key that was issued with this certificate into tls.key, or the matching certificate into tls.crt' },
    );
  }
  if (!problems.some((p) => p.code === 'CertificateChainOrder')) problems.push(...chainOrderProblems(chain, where));
  chain.forEach((cert, i) => problems.push(...validityProblems(cert, now, i === 0 ? `${where} certificate` : `${where} chain certificate ${i + 1}`)));
  return { chain, problems };
}

/** Each certificate should be issued by the next one (RFC 8446 §4.4.2: the sender's certificate first). */
function chainOrderProblems(chain: readonly X509Certificate[], where: string): CertificateProblem[] {
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const next = chain[i + 1]!;
    if (!cert.checkIssued(next) || !cert.verify(next.publicKey)) {
      return [
        {
          level: 'WARN',
          code: 'CertificateChainOrder',
          message: `${where} tls.crt: certificate ${i + 2} (${subjectText(next)}) did not issue certificate ${i + 1} (${subjectText(cert)}); clients that do not reorder chains fail to verify it`,
          fix: 'list the server certificate first, then the certificate that issued it, and so on up to (not including) the root',
        },
      ];
    }
  }
  return [];
}

/** Expired or not yet valid: FAIL; expiring within EXPIRY_WARNING_DAYS: WARN. */
export function validityProblems(cert: X509Certificate, now: Date, what: string, refused = 'clients refuse it'): CertificateProblem[] {
  return validityWindowProblems({ description: describeCertificate(cert), notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) }, now, what, refused);
}

/** What validity is judged on: a parsed certificate's, or the facts a server kept of one (no notBefore then). */
export interface ValidityWindow {
  description: string;
  notBefore?: Date;
  notAfter: Date;
}

export function validityWindowProblems(window: ValidityWindow, now: Date, what: string, refused = 'clients refuse it'): CertificateProblem[] {
  const { description, notBefore, notAfter } = window;
  const renew = 'renew it (with cert-manager: check the Certificate and its issuer) and replace it where it is stored';
  if (notAfter.getTime() <= now.getTime()) {
    return [{ level: 'FAIL', code: 'CertificateExpired', message: `${what} ${description} expired ${days(now.getTime() - notAfter.getTime())} ago: ${refused}`, fix: renew }];
  }
  if (notBefore && notBefore.getTime() > now.getTime()) {
    return [{ level: 'FAIL', code: 'CertificateNotYetValid', message: `${what} ${description} is not valid before ${isoDate(notBefore.toISOString())}: ${refused} until then`, fix: 'check the issuer\'s clock, or use a certificate valid now' }];
  }
  if (notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
    return [{ level: 'WARN', code: 'CertificateExpiresSoon', message: `${what} ${description} expires in ${days(notAfter.getTime() - now.getTime())}`, fix: renew }];
  }
  return [];
}

/** A bundle of trusted CA certificates (`ca.crt`): it must parse, and trust something valid now. */
export function inspectCABundle(pem: string, now: Date, where: string): { bundle: X509Certificate[]; problems: CertificateProblem[] } {
  const parsed = parseChain(pem, `${where} ca.crt`);
  if ('problem' in parsed) return { bundle: [], problems: [{ ...parsed.problem, fix: 'put the PEM certificate of the CA into ca.crt' }] };
  const problems = parsed.chain.flatMap((cert, i) => validityProblems(cert, now, `${where} ca.crt certificate ${i + 1}`, 'certificates it issued no longer verify'));
  return { bundle: parsed.chain, problems };
}

function isoDate(text: string): string {
  return new Date(text).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function days(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  if (n >= 1) return `${n} day${n === 1 ? '' : 's'}`;
  const hours = Math.floor(ms / (60 * 60 * 1000));
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}
