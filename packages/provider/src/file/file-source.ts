/**
 * The state of one watched file: its last good objects, and what its last read found. A read that fails
 * to parse keeps the last good objects, so a half-saved or mistyped edit never takes config away.
 */
import { createHash } from 'node:crypto';
import { ResourceLoadError, type Resource } from '@portico/resources';
import type { SourceStatus } from '../types.js';
import type { ResourceFileParser } from './parse-file.js';
import { readBounded } from './read-bounded.js';
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

/** A read that would take objects away, held until the file has stayed that way (the provider's settle delay). */
export interface PendingShrink {
  good: GoodVersion;
  signature: FileSignature;
  /** Clock milliseconds of the first read that found the file this way. */
  since: number;
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
  /** Set while `good` comes from the state directory: the file has not loaded since the server started. */
  restored: { savedAt: Date } | undefined;
  pending: PendingShrink | undefined;
}

/** What reading a file found; only `failed` changes `source.good`'s companions (error), nothing changes `good`. */
export type ReadOutcome =
  /** Same text as last time (e.g. `touch`, or a save without changes). */
  | { kind: 'unchanged'; signature: FileSignature }
  /** Parsed: `good` is what the file now holds (the provider decides when to serve it). */
  | { kind: 'parsed'; good: GoodVersion; signature: FileSignature }
  /** Failed to read or parse (`source.error`); the last good objects stay. */
  | { kind: 'failed' }
  /** Gone between the scan and the read: the next scan will see it missing. */
  | { kind: 'vanished' }
  /** Written to while being read: to be read again. */
  | { kind: 'unstable' };

export function newFileSource(path: string): FileSource {
  return { path, signature: undefined, textHash: undefined, good: undefined, error: undefined, missingSince: undefined, restored: undefined, pending: undefined };
}

/** Where and how to read files: the folder (and its real path), the size cap, the parser. */
export interface ReadContext {
  root: string;
  realRoot: string;
  maxFileBytes: number;
  parser: ResourceFileParser;
  now: Date;
}

/**
 * Reads and parses `source.path`. Errors never escape: a parse error (ResourceLoadError, naming file,
 * document and field) or a read error becomes `source.error`.
 */
export async function readFileSource(source: FileSource, scanned: FileSignature, ctx: ReadContext): Promise<ReadOutcome> {
  const read = await readBounded(ctx.root, ctx.realRoot, source.path, ctx.maxFileBytes);
  if (read.kind === 'vanished' || read.kind === 'unstable') return read;
  if (read.kind === 'refused') {
    // Not read again (nor reported again) until the file changes.
    source.signature = scanned;
    source.textHash = undefined;
    source.error = { message: read.message, at: ctx.now };
    return { kind: 'failed' };
  }
  const { text, signature } = read;
  source.signature = signature;
  const hash = sha256(text);
  if (hash === source.textHash) return { kind: 'unchanged', signature };
  source.textHash = hash;
  if (hash === source.good?.hash) {
    // Back to the last good text (e.g. an edit undone): nothing to parse, the objects are the same.
    return { kind: 'parsed', good: source.good, signature };
  }
  try {
    const parsed = await ctx.parser.parse(text, source.path);
    return { kind: 'parsed', good: { hash, objectsHash: parsed.objectsHash, objects: parsed.objects, warnings: parsed.warnings, at: ctx.now }, signature };
  } catch (err) {
    // Anything but a ResourceLoadError is a bug in the loader; it still must not stop the other files.
    const message = err instanceof ResourceLoadError ? err.message : `${source.path}: ${(err as Error).message}`;
    source.error = { message, at: ctx.now };
    return { kind: 'failed' };
  }
}

/** How many of `before`'s objects (kind/namespace/name) `after` no longer has. */
export function lostObjects(before: readonly Resource[], after: readonly Resource[]): number {
  const key = (o: Resource) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const kept = new Set(after.map(key));
  return before.filter((o) => !kept.has(key(o))).length;
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
  if (source.restored) status.servedFrom = 'state-dir';
  if (source.pending) status.settling = { objects: source.pending.good.objects.length, since: source.pending.good.at.toISOString() };
  return status;
}
