/**
 * `portico certgen` as a function: read what the store holds, decide what to keep (renewal-plan.ts),
 * write only what changed. Logs name certificates and the reason they were issued; never key material.
 */
import { X509Certificate } from 'node:crypto';
import { silentLogger, type Logger } from '../logger.js';
import { StoreConflictError, type CertificateStore, type WriteResult } from './certificate-store.js';
import type { ServerNames } from './names.js';
import { planRenewal, type CertificatePart } from './renewal-plan.js';

export interface CertgenOptions {
  store: CertificateStore;
  /** The xDS server certificate's names (names.ts `serverNames`). */
  names: ServerNames;
  /** Reissue everything (a new CA): Envoys must then be restarted to trust the new server certificate. */
  overwrite?: boolean;
  renewBeforeDays?: number;
  now?: Date;
  logger?: Logger;
}

export interface CertgenResult {
  /** Parts issued by this run, with the reason. */
  issued: Partial<Record<CertificatePart, string>>;
  written: WriteResult[];
  /** When the certificates now stored expire. */
  notAfter: Record<CertificatePart, string>;
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
  const expiry = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString();
  const { ca, server, client } = plan.certificates;
  return { issued: plan.issued, written, notAfter: { ca: expiry(ca.cert), server: expiry(server.cert), client: expiry(client.cert) } };
}
