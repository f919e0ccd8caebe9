/**
 * A debug document as JSON or YAML in pieces, so that a dump of 10,000 routes never holds the event loop
 * for long (issue 12 item 6): a generator walks the large collections and hands each small subtree to
 * JSON.stringify or the yaml library on its own; `renderDocument` runs it in time slices with
 * `setImmediate` yields between them. The text is byte for byte what `formatDocument` (@portico/ir) prints
 * for the whole document, so views keep their format; the tests check that equality.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DumpFormat } from '@portico/ir';
import { stringify } from 'yaml';

/** formatDocument's YAML options (@portico/ir dump.ts): no folding, no aliases, unindented sequences, YAML 1.1 quoting. */
const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: false, version: '1.1' } as const;

const PIECE_NODES = 200;

export interface ChunkOptions {
  /**
   * Applied to every subtree before it is printed (e.g. key-based redaction), with the key it sits
   * under. Subtrees under `wholeKeys` are always printed whole, so that the transform sees them with
   * their key however large they are.
   */
  transform?: (value: unknown, key: string | undefined) => unknown;
  wholeKeys?: ReadonlySet<string>;
  /** Subtrees of at most this many values are printed in one call (default 200). */
  pieceNodes?: number;
}

/**
 * A sequence whose items are made only when the printer reaches them (e.g. each object with its status
 * applied): a large list then costs its items' work in slices too, not all of it up front.
 */
export class LazyList {
  constructor(readonly items: () => Iterable<unknown>) {}
}

/** A LazyList being printed: its first item already taken (an empty one prints as `[]`). */
class StartedList {
  constructor(
    readonly first: unknown,
    readonly rest: Iterator<unknown>,
  ) {}

  *[Symbol.iterator](): Generator<unknown> {
    yield this.first;
    for (let next = this.rest.next(); !next.done; next = this.rest.next()) yield next.value;
  }
}

/** The document's text in pieces; joined, it equals `formatDocument(document, format)` (after `transform`). */
export function* documentChunks(document: unknown, format: DumpFormat, options: ChunkOptions = {}): Generator<string> {
  if (format === 'json') {
    yield* jsonChunks(document, undefined, '', options);
    yield '\n';
  } else {
    yield* yamlChunks(document, options);
  }
}

export interface RenderOptions {
  /** Longest stretch of work between two yields to the event loop, in milliseconds (default 10). */
  sliceMs?: number;
  /** Size of the buffers handed back (default 64 KiB). */
  bufferBytes?: number;
}

/** Runs a chunk generator in time slices; the text as UTF-8 buffers. */
export async function renderDocument(chunks: Iterator<string>, options: RenderOptions = {}): Promise<Buffer[]> {
  const sliceMs = options.sliceMs ?? 10;
  const bufferBytes = options.bufferBytes ?? 64 * 1024;
  const buffers: Buffer[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  let sliceStart = performance.now();
  for (;;) {
    const next = chunks.next();
    if (next.done) break;
    pending.push(next.value);
    pendingLength += next.value.length;
    if (pendingLength >= bufferBytes) {
      buffers.push(Buffer.from(pending.join(''), 'utf8'));
      pending = [];
      pendingLength = 0;
    }
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  if (pendingLength > 0) buffers.push(Buffer.from(pending.join(''), 'utf8'));
  return buffers;
}

function* jsonChunks(value: unknown, key: string | undefined, indent: string, options: ChunkOptions): Generator<string> {
  const node = prepare(value);
  if (isSmall(node, key, options)) {
    yield reindent(JSON.stringify(finish(node, key, options), null, 2) ?? 'null', indent);
    return;
  }
  const inner = `${indent}  `;
  if (isList(node)) {
    yield '[';
    let first = true;
    for (const item of node) {
      yield `${first ? '' : ','}\n${inner}`;
      first = false;
      // JSON.stringify prints undefined, functions and symbols in arrays as null.
      yield* jsonChunks(printable(item) ? item : null, undefined, inner, options);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(node as Record<string, unknown>).filter(([, v]) => printable(v));
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    yield `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(k)}: `;
    yield* jsonChunks(v, k, inner, options);
  }
  yield `\n${indent}}`;
}

function* yamlChunks(document: unknown, options: ChunkOptions): Generator<string> {
  const node = prepare(document);
  if (isSmall(node, undefined, options)) {
    yield stringify(finish(node, undefined, options), YAML_OPTIONS);
    return;
  }
  yield* yamlCollection(node as object, '', '', options);
}

/**
 * A large map or sequence in block style at `indent`; its first line starts with `firstPrefix` instead
 * (`- ` of the sequence item it is in). Every other line is a complete line ending in `\n`.
 */
function* yamlCollection(node: object, indent: string, firstPrefix: string, options: ChunkOptions): Generator<string> {
  let prefix = firstPrefix;
  const linePrefix = () => {
    const p = prefix;
    prefix = indent;
    return p;
  };
  if (isList(node)) {
    for (const rawItem of node) {
      const item = prepare(rawItem === undefined ? null : rawItem);
      if (isSmall(item, undefined, options)) {
        // A one-item sequence: the yaml library writes the `- ` and nests the item's lines itself.
        yield placeLines(stringify([finish(item, undefined, options)], YAML_OPTIONS), linePrefix(), indent);
      } else {
        yield* yamlCollection(item as object, `${indent}  `, `${linePrefix()}- `, options);
      }
    }
    return;
  }
  for (const [k, rawValue] of Object.entries(node)) {
    if (rawValue === undefined) continue;
    const value = prepare(rawValue);
    const keyText = isCollection(value) && !isSmall(value, k, options) ? yamlKey(k) : undefined;
    if (keyText === undefined) {
      yield placeLines(stringify({ [k]: finish(value, k, options) }, YAML_OPTIONS), linePrefix(), indent);
      continue;
    }
    yield `${linePrefix()}${keyText}:\n`;
    // Sequences are not indented under their key (indentSeq: false); maps are, by two spaces.
    if (isList(value)) yield* yamlCollection(value, indent, indent, options);
    else yield* yamlCollection(value as object, `${indent}  `, `${indent}  `, options);
  }
}

/** A map key as the yaml library prints it (`name`, `"@type"`); undefined for keys it would print in the explicit `? key` form. */
function yamlKey(key: string): string | undefined {
  const text = stringify({ [key]: null }, YAML_OPTIONS);
  const suffix = ': null\n';
  if (!text.endsWith(suffix)) return undefined;
  const printed = text.slice(0, -suffix.length);
  return printed.includes('\n') || printed.startsWith('?') ? undefined : printed;
}

/** The lines of a piece printed at indentation 0: the first after `firstPrefix`, the others after `indent` (empty lines stay empty). */
function placeLines(text: string, firstPrefix: string, indent: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return `${lines.map((line, i) => (i === 0 ? firstPrefix + line : line === '' ? '' : indent + line)).join('\n')}\n`;
}

function reindent(text: string, indent: string): string {
  return indent === '' ? text : text.replace(/\n/g, `\n${indent}`);
}

/**
 * A large collection is walked as it is (Maps as objects, as redactIR prints them); only the subtrees
 * printed whole get the deep `transform`, in `finish`.
 */
function prepare(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof LazyList) {
    const items = value.items()[Symbol.iterator]();
    const first = items.next();
    return first.done ? [] : new StartedList(first.value, items);
  }
  return value;
}

function isList(value: unknown): value is Iterable<unknown> {
  return Array.isArray(value) || value instanceof StartedList;
}

function finish(value: unknown, key: string | undefined, options: ChunkOptions): unknown {
  return options.transform ? options.transform(value, key) : value;
}

function isSmall(value: unknown, key: string | undefined, options: ChunkOptions): boolean {
  if (!isCollection(value)) return true;
  if (value instanceof StartedList) return false;
  if (key !== undefined && options.wholeKeys?.has(key)) return true;
  // Empty collections print in flow style (`[]`, `{}`): never walked.
  if (Object.keys(value).length === 0 && !(value instanceof Map && value.size > 0)) return true;
  let budget = options.pieceNodes ?? PIECE_NODES;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (--budget < 0 || node instanceof LazyList) return false;
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (node instanceof Map) for (const item of node.values()) stack.push(item);
    else if (node !== null && typeof node === 'object') for (const item of Object.values(node)) stack.push(item);
  }
  return true;
}

function isCollection(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function printable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
