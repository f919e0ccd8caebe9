/**
 * Issuing the xDS mTLS certificates: a CA, the xDS server certificate and the Envoy client
 * certificate. Keys come from node:crypto (native, ~50 ms for RSA 2048, where node-forge's pure
 * JavaScript takes seconds); node-forge builds and signs the X.509 certificates, which Node cannot.
 * RSA 2048 because node-forge cannot sign with ECDSA; SHA-256 signatures.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import type { ServerNames } from './names.js';

/** A certificate and its private key, PEM. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

export const CA_VALIDITY_DAYS = 5 * 365;
export const LEAF_VALIDITY_DAYS = 365;
/** notBefore is set this far in the past: a peer whose clock is a little behind still accepts a new certificate. */
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export const CA_COMMON_NAME = 'portico-xds-ca';
export const CLIENT_COMMON_NAME = 'portico-envoy';
const ORGANIZATION = 'Portico';

export interface IssueOptions {
  /** The issuing time (tests pin it); default now. */
  now?: Date;
}

/** A self-signed CA that may sign leaves only (pathLen 0), valid 5 years. */
export function issueCertificateAuthority(options: IssueOptions = {}): CertificateAndKey {
  const keys = generateRsaKeys();
  const cert = newCertificate(keys.publicKey, CA_VALIDITY_DAYS, options.now);
  const subject = [{ name: 'commonName', value: CA_COMMON_NAME }, { name: 'organizationName', value: ORGANIZATION }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const privateKey = forge.pki.privateKeyFromPem(keys.privateKey);
  cert.sign(privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

/** The xDS server's certificate (serverAuth) for the given names, signed by `ca`, valid 1 year. */
export function issueServerCertificate(ca: CertificateAndKey, names: ServerNames, options: IssueOptions = {}): CertificateAndKey {
  const altNames = [...names.dnsNames.map((value) => ({ type: 2, value })), ...names.ipAddresses.map((ip) => ({ type: 7, ip }))];
  if (altNames.length === 0) throw new Error('the xDS server certificate needs at least one DNS name or IP address');
  return issueLeaf(ca, names.dnsNames[0] ?? names.ipAddresses[0]!, { name: 'extKeyUsage', serverAuth: true }, altNames, options);
}

/**
 * An Envoy client certificate (clientAuth), signed by `ca`, valid 1 year. With `identityUri` (a URI SAN,
 * xds-server's xds-identity.ts) it may serve the gateways that identity names; without, it is the
 * shared certificate of earlier versions, which the xDS server accepts only in compatibility mode.
 */
export function issueClientCertificate(ca: CertificateAndKey, options: IssueOptions & { identityUri?: string } = {}): CertificateAndKey {
  const altNames = options.identityUri ? [{ type: 6, value: options.identityUri }] : [];
  return issueLeaf(ca, CLIENT_COMMON_NAME, { name: 'extKeyUsage', clientAuth: true }, altNames, options);
}

function issueLeaf(ca: CertificateAndKey, commonName: string, extKeyUsage: object, altNames: object[], options: IssueOptions): CertificateAndKey {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const keys = generateRsaKeys();
  const cert = newCertificate(keys.publicKey, LEAF_VALIDITY_DAYS, options.now);
  // A leaf never outlives its CA: a chain with an expired CA fails however long the leaf says it is valid.
  if (cert.validity.notAfter > caCert.validity.notAfter) cert.validity.notAfter = caCert.validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: commonName }, { name: 'organizationName', value: ORGANIZATION }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    // RSA key exchange (keyEncipherment) is not used by TLS 1.3, but TLS 1.2 clients of other tools may need it.
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    extKeyUsage,
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

function newCertificate(publicKeyPem: string, validityDays: number, now = new Date()): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  return cert;
}

/**
 * 127 random bits, positive (RFC 5280 §4.1.2.2: a positive integer of at most 20 octets). The first
 * byte stays within 0x40–0x7f: no sign bit, and no leading zero that would make the DER integer
 * non-minimal (Go's parser rejects those).
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** PKCS#1 for the key: node-forge reads it, and so do Envoy, Node and OpenSSL. */
function generateRsaKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}
