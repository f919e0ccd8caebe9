/**
 * Issuing the xDS mTLS certificates: a CA, the xDS server certificate and the Envoy client
 * certificate. Keys come from node:crypto (native, ~50 ms for RSA 2048, where node-forge's pure
 * JavaScript takes seconds); node-forge builds the X.509 certificates, which Node cannot, and leaves
 * are signed by node:crypto too (native, and off the event loop for the Envoy certificates Portico
 * issues while serving).
 * RSA 2048 because node-forge cannot sign with ECDSA; SHA-256 signatures.
 */
import { generateKeyPair, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
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
  return issueLeaf(ca, names.dnsNames[0] ?? names.ipAddresses[0]!, { name: 'extKeyUsage', serverAuth: true }, altNames, options, generateRsaKeys());
}

/**
 * An Envoy client certificate (clientAuth), signed by `ca`, valid 1 year. With `identityUri` (a URI SAN,
 * xds-server's xds-identity.ts) it may serve the gateways that identity names; without, it is the
 * shared certificate of earlier versions, which the xDS server accepts only in compatibility mode.
 */
export function issueClientCertificate(ca: CertificateAndKey, options: IssueOptions & { identityUri?: string } = {}): CertificateAndKey {
  const keys = generateRsaKeys();
  const cert = unsignedLeaf(ca, CLIENT_COMMON_NAME, { name: 'extKeyUsage', clientAuth: true }, clientAltNames(options.identityUri), options, keys.publicKey);
  return signed(cert, sign('sha256', toBeSigned(cert), ca.key), keys);
}

/**
 * issueClientCertificate with the key pair generated and the certificate signed on libuv's thread
 * pool: RSA key generation takes 50–250 ms, which a server issuing certificates for many Gateways
 * must not spend on its event loop (it serves xDS there).
 */
export async function issueClientCertificateAsync(ca: CertificateAndKey, options: IssueOptions & { identityUri?: string } = {}): Promise<CertificateAndKey> {
  const keys = await generateRsaKeysAsync();
  const cert = unsignedLeaf(ca, CLIENT_COMMON_NAME, { name: 'extKeyUsage', clientAuth: true }, clientAltNames(options.identityUri), options, keys.publicKey);
  return signed(cert, await signAsync('sha256', toBeSigned(cert), ca.key), keys);
}

const clientAltNames = (identityUri: string | undefined) => (identityUri ? [{ type: 6, value: identityUri }] : []);

function issueLeaf(ca: CertificateAndKey, commonName: string, extKeyUsage: object, altNames: object[], options: IssueOptions, keys: KeyPair): CertificateAndKey {
  const cert = unsignedLeaf(ca, commonName, extKeyUsage, altNames, options, keys.publicKey);
  return signed(cert, sign('sha256', toBeSigned(cert), ca.key), keys);
}

/** What node-forge's `cert.sign` sets, for a signature made elsewhere (its typings leave these out). */
interface SignableCertificate {
  md: forge.md.MessageDigest;
  signatureOid: string;
  siginfo: { algorithmOid: string };
  tbsCertificate: forge.asn1.Asn1;
  signature: string;
}

/** The DER of the TBSCertificate, with sha256WithRSAEncryption as its algorithm (as `cert.sign` does). */
function toBeSigned(cert: forge.pki.Certificate): Buffer {
  const signable = cert as unknown as SignableCertificate;
  signable.md = forge.md.sha256.create();
  signable.signatureOid = signable.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  signable.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  return Buffer.from(forge.asn1.toDer(signable.tbsCertificate).getBytes(), 'binary');
}

function signed(cert: forge.pki.Certificate, signature: Buffer, keys: KeyPair): CertificateAndKey {
  (cert as unknown as SignableCertificate).signature = signature.toString('binary');
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

const signAsync = promisify(sign) as (algorithm: string, data: Buffer, key: string) => Promise<Buffer>;

function unsignedLeaf(ca: CertificateAndKey, commonName: string, extKeyUsage: object, altNames: object[], options: IssueOptions, publicKey: string): forge.pki.Certificate {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = newCertificate(publicKey, LEAF_VALIDITY_DAYS, options.now);
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
  return cert;
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

interface KeyPair {
  publicKey: string;
  privateKey: string;
}

/** PKCS#1 for the key: node-forge reads it, and so do Envoy, Node and OpenSSL. */
const RSA_OPTIONS = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
} as const;

function generateRsaKeys(): KeyPair {
  return generateKeyPairSync('rsa', RSA_OPTIONS);
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function generateRsaKeysAsync(): Promise<KeyPair> {
  return generateKeyPairAsync('rsa', RSA_OPTIONS);
}
