/**
 * `portico certgen` as a function: read what the store holds, decide what to keep (renewal-plan.ts),
 * write only what changed. Logs name certificates and the reason they were issued; never key material.
 */
import { X509Certificate } from 'node:crypto';
import { silentLogger, type Logger } from '../logger.js';
import { StoreConflictError, StoreError, type CertificateStore, type WriteResult } from './certificate-store.js';
import { DEFAULT_TRUST_DOMAIN } from '@portico/xds-server';
import { identityUriOf, planIdentityCertificate, type IdentityTarget } from './identity-certificates.js';
import type { ServerNames } from './names.js';
import { planRenewal, type CertificatePart, type XdsCertificates } from './renewal-plan.js';

export interface CertgenOptions {
  store: CertificateStore;
  /** The xDS server certificate's names (names.ts `serverNames`). */
  names: ServerNames;
  /** Reissue everything (a new CA): Envoys must then be restarted to trust the new server certificate. */
  overwrite?: boolean;
  renewBeforeDays?: number;
  now?: Date;
  logger?: Logger;
  /** Client certificates naming these gateways or namespaces (the store must keep identities). */
  identities?: readonly IdentityTarget[];
  /** The trust domain of their URIs; default `portico`, as the xDS server's. */
  trustDomain?: string;
}

export interface IssuedIdentity {
  uri: string;
  /** Why it was issued now; absent when the stored one was kept. */
  issued?: string;
  notAfter: string;
}

export interface CertgenResult {
  /** Parts issued by this run, with the reason. */
  issued: Partial<Record<CertificatePart, string>>;
  written: WriteResult[];
  /** When the certificates now stored expire. */
  notAfter: Record<CertificatePart, string>;
  /** The identity certificates asked for, in the order asked. */
  identities: IssuedIdentity[];
}

/** Another certgen may write at the same time (hook and CronJob): start over this many times. */
const ATTEMPTS = 3;

export async function runCertgen(options: CertgenOptions): Promise<CertgenResult> {
  const logger = options.logger ?? silentLogger();
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(options, logger);
    } catch (error) {
      if (!(error instanceof StoreConflictError) || attempt >= ATTEMPTS) throw error;
      logger.info('certificates changed meanwhile; starting over', { reason: error.message, attempt });
    }
  }
}

async function runOnce(options: CertgenOptions, logger: Logger): Promise<CertgenResult> {
  const stored = await options.store.read();
  const plan = planRenewal(stored, {
    names: options.names,
    ...(options.now ? { now: options.now } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.renewBeforeDays !== undefined ? { renewBeforeDays: options.renewBeforeDays } : {}),
  });
  for (const [part, reason] of Object.entries(plan.issued)) logger.info(`issued a new ${part} certificate`, { part, reason });
  const written = await options.store.write(plan.certificates);
  for (const result of written) if (result.action !== 'unchanged') logger.info(`${result.action} ${result.target}`, { ...result });
  const identities = await writeIdentities(options, plan.certificates, written, logger);
  const { ca, server, client } = plan.certificates;
  return { issued: plan.issued, written, notAfter: { ca: expiry(ca.cert), server: expiry(server.cert), client: expiry(client.cert) }, identities };
}

const expiry = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString();

/** After the CA: each identity's certificate kept or issued under it (a new CA reissues them all). */
async function writeIdentities(options: CertgenOptions, certificates: XdsCertificates, written: WriteResult[], logger: Logger): Promise<IssuedIdentity[]> {
  const targets = options.identities ?? [];
  if (targets.length === 0) return [];
  const store = options.store.identities;
  if (!store) throw new StoreError(`${options.store.description} cannot keep identity certificates`);
  const results: IssuedIdentity[] = [];
  for (const target of targets) {
    const uri = identityUriOf(target, options.trustDomain ?? DEFAULT_TRUST_DOMAIN);
    const plan = planIdentityCertificate(await store.read(target), certificates.ca, {
      identityUri: uri,
      ...(options.now ? { now: options.now } : {}),
      ...(options.renewBeforeDays !== undefined ? { renewBeforeDays: options.renewBeforeDays } : {}),
    });
    if (plan.issued) logger.info('issued a new identity certificate', { identity: uri, reason: plan.issued });
    for (const result of await store.write(target, plan.certificate)) {
      written.push(result);
      if (result.action !== 'unchanged') logger.info(`${result.action} ${result.target}`, { ...result });
    }
    results.push({ uri, ...(plan.issued ? { issued: plan.issued } : {}), notAfter: expiry(plan.certificate.cert) });
  }
  return results;
}
