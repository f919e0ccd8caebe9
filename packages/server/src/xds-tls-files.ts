/**
 * The xDS server's mTLS material from files (`portico serve --xds-tls-cert/--xds-tls-key/--xds-tls-ca`),
 * re-read while the server runs: Kubernetes updates a mounted Secret in place (an atomic swap of a
 * `..data` symlink, a minute or so after the Secret changes), and a renewed certificate must be picked
 * up without a restart. The files are polled rather than watched: inotify on a path follows the old
 * symlink target and goes quiet after the first swap, while a poll of three small files costs nothing.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { XdsTlsOptions } from '@portico/xds-server';
import { errorFields, silentLogger, type Logger } from './logger.js';

/** Default interval between two reads of the files. */
export const DEFAULT_TLS_POLL_MS = 10_000;

export interface XdsTlsFiles {
  /** The server's certificate (chain), PEM. */
  certFile: string;
  /** Its private key, PEM. */
  keyFile: string;
  /** The CA bundle that client (Envoy) certificates must chain to, PEM. */
  caFile: string;
}

export interface XdsTlsFileSourceOptions extends XdsTlsFiles {
  logger?: Logger;
  /** Interval between two reads of the files (default 10 s). */
  pollMs?: number;
}

/** mTLS material that can change while the server runs. */
export interface XdsTlsSource {
  /** What the server starts with. */
  readonly initial: XdsTlsOptions;
  /**
   * Calls `apply` with each later usable change (a certificate that matches its key, a parsable CA)
   * until the returned function is called. A change that is not usable, or that `apply` rejects, is
   * logged once and the current material stays in use.
   */
  watch(apply: (tls: XdsTlsOptions) => void): () => void;
}

/** The files cannot be read or do not make a usable certificate: the message says which and why. */
export class XdsTlsFilesError extends Error {
  override readonly name = 'XdsTlsFilesError';
}

/** What a log line may say about a certificate: public facts only, never the key. */
export interface CertificateFacts {
  subject: string;
  notAfter: string;
  fingerprint256: string;
}

/** Reads and checks the files now (throws XdsTlsFilesError), then polls them from `watch`. */
export function createXdsTlsFileSource(options: XdsTlsFileSourceOptions): XdsTlsSource {
  const logger = options.logger ?? silentLogger();
  const initial = readTlsFiles(options);
  checkTlsMaterial(initial);
  return {
    initial,
    watch(apply) {
      let current = fingerprintOf(initial);
      let lastProblem: string | undefined;
      const reportOnce = (problem: string, fields: Record<string, unknown>) => {
        if (problem !== lastProblem) logger.warn('new xDS TLS files are not usable: the current certificate stays in use', fields);
        lastProblem = problem;
      };
      const poll = () => {
        let tls: XdsTlsOptions;
        try {
          tls = readTlsFiles(options);
        } catch (error) {
          return reportOnce(String((error as Error).message), errorFields(error));
        }
        const fingerprint = fingerprintOf(tls);
        if (fingerprint === current || fingerprint === lastProblem) return;
        try {
          const facts = checkTlsMaterial(tls);
          apply(tls);
          current = fingerprint;
          lastProblem = undefined;
          logger.info('xDS TLS certificate reloaded: new connections use it', { ...facts });
        } catch (error) {
          // Mid-rotation reads may pair a new certificate with the old key: the next poll sees both new.
          reportOnce(fingerprint, errorFields(error));
        }
      };
      const timer = setInterval(poll, options.pollMs ?? DEFAULT_TLS_POLL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** The material a server starts with, given fixed PEM texts or a source. */
export function initialTls(tls: XdsTlsOptions | XdsTlsSource): XdsTlsOptions {
  return 'initial' in tls ? tls.initial : tls;
}

/**
 * Checks that the certificate parses and matches the key and that the CA parses; returns the
 * certificate's public facts. Errors name the file's role, never its content.
 */
export function checkTlsMaterial(tls: XdsTlsOptions): CertificateFacts {
  const certificate = parse(() => new X509Certificate(tls.cert), 'the certificate is not a PEM X.509 certificate');
  const key = parse(() => createPrivateKey(tls.key), 'the private key is not a PEM private key');
  parse(() => new X509Certificate(tls.ca), 'the CA bundle is not a PEM X.509 certificate');
  if (!certificate.checkPrivateKey(key)) throw new XdsTlsFilesError('the private key does not belong to the certificate');
  return { subject: certificate.subject, notAfter: new Date(certificate.validTo).toISOString(), fingerprint256: certificate.fingerprint256 };
}

function readTlsFiles(files: XdsTlsFiles): XdsTlsOptions {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new XdsTlsFilesError(`cannot read the ${what} '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  return { cert: read(files.certFile, 'certificate'), key: read(files.keyFile, 'private key'), ca: read(files.caFile, 'CA bundle') };
}

function parse<T>(build: () => T, message: string): T {
  try {
    return build();
  } catch {
    // The parser's own message may quote the input: say only what it was supposed to be.
    throw new XdsTlsFilesError(message);
  }
}

/** A hash of the three texts: changes are detected without keeping or comparing key material. */
function fingerprintOf(tls: XdsTlsOptions): string {
  return createHash('sha256').update(tls.cert).update('\0').update(tls.key).update('\0').update(tls.ca).digest('hex');
}
