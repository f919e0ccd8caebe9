/**
 * Client certificates that name what an Envoy may serve (one gateway, or every gateway of a
 * namespace: the identities of @portico/xds-server's xds-identity.ts), kept or reissued by the same
 * rules as certgen's other leaves (renewal-plan.ts): a good one is kept as it is, so that a run that
 * changes nothing writes nothing and no Envoy restarts.
 */
import { X509Certificate } from 'node:crypto';
import { gatewayIdentityUri, namespaceIdentityUri } from '@portico/xds-server';
import { issueClientCertificate, type CertificateAndKey } from './issue-certificates.js';
import { CLIENT_AUTH, DEFAULT_RENEW_BEFORE_DAYS, leafProblem, type LeafMaterial } from './renewal-plan.js';

const DAY_MS = 86_400_000;

/** What an identity certificate is for: one gateway, or all the gateways of a namespace. */
export type IdentityTarget = { kind: 'gateway'; namespace: string; name: string } | { kind: 'namespace'; namespace: string };

export function identityUriOf(target: IdentityTarget, trustDomain: string): string {
  return target.kind === 'gateway' ? gatewayIdentityUri(trustDomain, target.namespace, target.name) : namespaceIdentityUri(trustDomain, target.namespace);
}

export interface IdentityCertificateOptions {
  /** The URI SAN the certificate must carry. */
  identityUri: string;
  now?: Date;
  renewBeforeDays?: number;
}

export interface IdentityCertificatePlan {
  certificate: LeafMaterial;
  /** Why it was issued now; absent when the stored one was kept. */
  issued?: string;
}

/** Keeps `stored` when it is a good client certificate of `ca` for exactly this identity; issues one otherwise. */
export function planIdentityCertificate(stored: Partial<LeafMaterial> | undefined, ca: CertificateAndKey, options: IdentityCertificateOptions): IdentityCertificatePlan {
  const now = options.now ?? new Date();
  const problem = identityCertificateProblem(stored, ca, options);
  if (problem === undefined) return { certificate: { cert: stored!.cert!, key: stored!.key!, ca: ca.cert } };
  const issued = issueClientCertificate(ca, { now, identityUri: options.identityUri });
  return { certificate: { ...issued, ca: ca.cert }, issued: problem };
}

/** Why `stored` cannot be kept for this identity under `ca`, or undefined. */
export function identityCertificateProblem(stored: Partial<LeafMaterial> | undefined, ca: CertificateAndKey, options: IdentityCertificateOptions): string | undefined {
  const now = options.now ?? new Date();
  const renewAfter = new Date(now.getTime() + (options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS);
  const caCert = new X509Certificate(ca.cert);
  const problem = leafProblem(stored, caCert, CLIENT_AUTH, renewAfter);
  if (problem !== undefined) return problem;
  // Envoys verify the server with the CA bundle next to their certificate: a stale one must go too.
  if (stored!.ca !== undefined && stored!.ca !== ca.cert) return 'its CA bundle is not the current CA';
  const uris = (new X509Certificate(stored!.cert!).subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('URI:'));
  if (uris.length !== 1 || uris[0] !== `URI:${options.identityUri}`) return `does not name exactly the identity ${options.identityUri}`;
  return undefined;
}
