/**
 * Where `portico certgen` keeps the certificates: Kubernetes Secrets (secret-store.ts) or a local
 * folder (local-store.ts). A store reads what is there and writes only what differs, so a run that
 * keeps everything writes nothing (no Secret update, no reload in Portico, no event for Envoys).
 */
import type { IdentityTarget } from './identity-certificates.js';
import type { LeafMaterial, StoredCertificates, XdsCertificates } from './renewal-plan.js';

export interface WriteResult {
  /** What was written: `Secret portico/portico-xds-server`, a file path. */
  target: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface CertificateStore {
  /** Where it keeps things, for messages. */
  readonly description: string;
  read(): Promise<StoredCertificates>;
  /** Writes every part whose content differs from what is stored; parts in the store's own order. */
  write(certificates: XdsCertificates): Promise<WriteResult[]>;
  /** Identity client certificates (`certgen --gateway`), where the store can keep them. */
  identities?: IdentityStore;
}

/** Where a store keeps the client certificate of each identity. */
export interface IdentityStore {
  read(target: IdentityTarget): Promise<Partial<LeafMaterial> | undefined>;
  /** Writes what differs; key first, then certificate, then CA bundle. */
  write(target: IdentityTarget, material: LeafMaterial): Promise<WriteResult[]>;
}

/**
 * Someone else wrote the same object between our read and our write (two certgen runs at once: a
 * hook and the renewal CronJob). The run starts over from a fresh read.
 */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/** A store failure the user must fix (permissions, a Secret of the wrong type): the message says what to do. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
