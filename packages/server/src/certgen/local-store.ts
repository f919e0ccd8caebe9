/**
 * The certificates as PEM files in a folder (`portico certgen --local DIR`), for docker-compose and
 * local runs: `ca.crt`, `ca.key`, `server.crt`, `server.key`, `client.crt`, `client.key`, and for each
 * identity asked for (`--gateway ns/name`, `--gateway-namespace ns`) a folder named like its URI's
 * path, `identities/ns/<ns>/gateway/<name>/` or `identities/ns/<ns>/gateways/`, holding `tls.crt`,
 * `tls.key` and `ca.crt` — the file names of the Kubernetes Secret. Private keys
 * are written owner-only (0600). Each file is replaced atomically (a temporary file renamed over it),
 * so a `portico serve` polling the files never reads half a certificate.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, type CertificateStore, type WriteResult } from './certificate-store.js';
import type { IdentityTarget } from './identity-certificates.js';
import { LOCAL_FILES } from './names.js';
import type { LeafMaterial, StoredCertificates, XdsCertificates } from './renewal-plan.js';

export function createLocalStore(directory: string): CertificateStore {
  const path = (file: string) => join(directory, file);
  const read = (file: string) => readOptional(path(file));

  return {
    description: `folder ${directory}`,
    async read(): Promise<StoredCertificates> {
      const caCert = read(LOCAL_FILES.caCert);
      const stored: StoredCertificates = {};
      const caKey = read(LOCAL_FILES.caKey);
      if (caCert !== undefined || caKey !== undefined) stored.ca = { cert: caCert, key: caKey };
      const leaf = (cert: string, key: string) => ({ cert: read(cert), key: read(key), ca: caCert });
      stored.server = leaf(LOCAL_FILES.serverCert, LOCAL_FILES.serverKey);
      stored.client = leaf(LOCAL_FILES.clientCert, LOCAL_FILES.clientKey);
      return stored;
    },
    async write({ ca, server, client }: XdsCertificates): Promise<WriteResult[]> {
      try {
        mkdirSync(directory, { recursive: true });
      } catch (error) {
        throw new StoreError(`cannot create the folder '${directory}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      // Keys before certificates: a reader that sees a new certificate finds its key already there.
      const files: [string, string, number][] = [
        [LOCAL_FILES.caKey, ca.key, 0o600],
        [LOCAL_FILES.caCert, ca.cert, 0o644],
        [LOCAL_FILES.serverKey, server.key, 0o600],
        [LOCAL_FILES.serverCert, server.cert, 0o644],
        [LOCAL_FILES.clientKey, client.key, 0o600],
        [LOCAL_FILES.clientCert, client.cert, 0o644],
      ];
      return files.map(([file, content, mode]) => ({ target: path(file), action: writeIfChanged(path(file), content, mode) }));
    },
    identities: {
      async read(target) {
        const folder = identityFolder(directory, target);
        const cert = readOptional(join(folder, 'tls.crt'));
        const key = readOptional(join(folder, 'tls.key'));
        const ca = readOptional(join(folder, 'ca.crt'));
        return cert === undefined && key === undefined ? undefined : { cert, key, ca };
      },
      async write(target, material: LeafMaterial) {
        const folder = identityFolder(directory, target);
        try {
          mkdirSync(folder, { recursive: true });
        } catch (error) {
          throw new StoreError(`cannot create the folder '${folder}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        const files: [string, string, number][] = [
          ['tls.key', material.key, 0o600],
          ['tls.crt', material.cert, 0o644],
          ['ca.crt', material.ca, 0o644],
        ];
        return files.map(([file, content, mode]) => ({ target: join(folder, file), action: writeIfChanged(join(folder, file), content, mode) }));
      },
    },
  };
}

/** `DIR/identities/ns/<ns>/gateway/<name>` or `DIR/identities/ns/<ns>/gateways`: the identity URI's path. */
export function identityFolder(directory: string, target: IdentityTarget): string {
  return target.kind === 'gateway'
    ? join(directory, 'identities', 'ns', target.namespace, 'gateway', target.name)
    : join(directory, 'identities', 'ns', target.namespace, 'gateways');
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function writeIfChanged(file: string, content: string, mode: number): WriteResult['action'] {
  const current = readOptional(file);
  if (current === content) return 'unchanged';
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content, { mode });
    renameSync(temporary, file);
  } catch (error) {
    throw new StoreError(`cannot write '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return current === undefined ? 'created' : 'updated';
}
