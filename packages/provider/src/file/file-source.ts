/**
 * The state of one watched file: its last good objects, and what its last read found. A read that fails
 * to parse keeps the last good objects, so a half-saved or mistyped edit never takes config away.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseResources, ResourceLoadError, type Resource } from '@portico/resources';
import type { SourceStatus } from '../types.js';
import type { FileSignature } from './scan-folder.js';

/** The last version of a file that parsed. */
export interface GoodVersion {
  /** sha256 of the text. */
  hash: string;
  /**
   * sha256 of the parsed objects: the publish fingerprint compares these, so an edit of comments or
   * formatting that leaves the objects as they were publishes nothing.
   */
  objectsHash: string;
  objects: Resource[];
  warnings: string[];
  at: Date;
}

/** What the provider remembers of one file. */
export interface FileSource {
  /** Relative to the watched folder, `/`-separated. */
  path: string;
  signature: FileSignature | undefined;
  /** sha256 of the last text read, good or not: an unchanged re-read is then free. */
  textHash: string | undefined;
  good: GoodVersion | undefined;
  error: { message: string; at: Date } | undefined;
  /** When a scan first found the file gone (see the provider's deletion grace). */
  missingSince: number | undefined;
}

/** What reading a file did to its state. */
export type ReadOutcome =
  /** Same text as last time (e.g. `touch`, or a save without changes). */
  | 'unchanged'
  /** Parsed, and its objects changed. */
  | 'updated'
  /** Failed to read or parse; the last good objects stay. */
  | 'failed'
  /** Gone between the scan and the read: the next scan will see it missing. */
  | 'vanished';

export function newFileSource(path: string): FileSource {
  return { path, signature: undefined, textHash: undefined, good: undefined, error: undefined, missingSince: undefined };
}

/**
 * Reads and parses `source.path` under `root`, updating `source` in place. Errors never escape: a parse
 * error (ResourceLoadError, naming file, document and field) or a read error becomes `source.error`.
 */
export async function readFileSource(root: string, source: FileSource, signature: FileSignature, now: Date): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(join(root, source.path), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'vanished';
    source.signature = signature;
    source.textHash = undefined;
    source.error = { message: `${source.path}: cannot read: ${(err as Error).message}`, at: now };
    return 'failed';
  }
  source.signature = signature;
  const hash = sha256(text);
  if (hash === source.textHash) return 'unchanged';
  source.textHash = hash;
  if (hash === source.good?.hash) {
    // Back to the last good text (e.g. an edit undone): nothing to parse, the objects are the same.
    source.error = undefined;
    return 'updated';
  }
  try {
    const { objects, warnings } = parseResources(text, source.path);
    const objectsHash = sha256(JSON.stringify(objects));
    source.good = { hash, objectsHash, objects, warnings: warnings.map((w) => `document ${w.document}: ${w.message}`), at: now };
    source.error = undefined;
    return 'updated';
  } catch (err) {
    // Anything but a ResourceLoadError is a bug in the loader; it still must not stop the other files.
    const message = err instanceof ResourceLoadError ? err.message : `${source.path}: ${(err as Error).message}`;
    source.error = { message, at: now };
    return 'failed';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The SourceStatus the contract reports for a file; `extraWarnings` come from merging (duplicates). */
export function fileSourceStatus(source: FileSource, extraWarnings: readonly string[]): SourceStatus {
  const status: SourceStatus = {
    source: source.path,
    state: source.error ? 'error' : 'ok',
    objects: source.good?.objects.length ?? 0,
    warnings: [...(source.good?.warnings ?? []), ...extraWarnings],
  };
  if (source.error) status.error = source.error.message;
  if (source.good) status.lastGoodAt = source.good.at.toISOString();
  if (source.error) status.lastErrorAt = source.error.at.toISOString();
  return status;
}
