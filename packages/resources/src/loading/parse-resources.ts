/**
 * Multi-document YAML (or JSON) text → validated, defaulted objects of the watched kinds. The checks and
 * defaults are the API server's (see schema-validator.ts and api-server-defaults.ts), so a file that
 * loads here is one `kubectl apply` would accept, and it loads into the same objects.
 */
import {
  isNode,
  LineCounter,
  parseAllDocuments,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type Tags,
  visit,
} from 'yaml';
import { applyApiServerConversions, applyNamespace, pruneNulls } from '../validation/api-server-defaults.js';
import {
  aliasExpansionBytes,
  annotationsBytes,
  formatBytes,
  MAX_ALIAS_EXPANSION_BYTES,
  MAX_ANNOTATIONS_BYTES,
  MAX_OBJECT_BYTES,
  utf8Bytes,
} from '../validation/input-limits.js';
import { describeObject, formatFieldPath, ResourceLoadError, type FieldPathSegment, type ResourceLoadErrorCode } from './errors.js';
import { KINDS, lookupKind, parseApiVersion, type Kind, type Resource } from '../model/kinds.js';
import { createLoadCollector, type DocumentOrigin, type LoadCollector, type LoadResult } from './load-result.js';
import { pruneUnknownResourceFields, validateKubernetesRules, validateResource } from '../validation/schema-validator.js';
import { describeUnknownField } from '../validation/unknown-fields.js';

type JsonObject = Record<string, unknown>;

/**
 * kubectl reads YAML with go-yaml v2, i.e. YAML 1.1 scalars (`yes`/`on` are booleans, `0755` is octal),
 * except that timestamps and base-60 numbers stay strings. Matching it means a value kubectl would send
 * as a boolean fails here too instead of silently loading as a string.
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  prettyErrors: false,
  customTags: (tags: Tags) =>
    tags.filter(
      (t) => typeof t === 'string' || !(t.tag === 'tag:yaml.org,2002:timestamp' || ('format' in t && t.format === 'TIME')),
    ),
};

/** Options of parseResources and collectResources. */
export interface ResourceParseOptions {
  /**
   * What an object refused by the API server's checks beyond its schema (the CRDs' CEL rules, unique
   * items of set and map lists) does: `enforce` (the default) fails its document, as `kubectl apply`
   * would; `warn` loads it with a warning, for tests of how the translator copes with such objects
   * (clusters with older CRDs admit some of them; the translator must never trip over them).
   */
  kubernetesRules?: 'enforce' | 'warn';
}

interface DocumentContext extends DocumentOrigin {
  kubernetesRules?: ResourceParseOptions['kubernetesRules'];
  /** Absent for JSON read without positions (parseJsonResources). */
  doc?: Document;
  lineCounter?: LineCounter;
}

/**
 * Parses one source's text. `source` names it in errors and warnings (a file path, or `<stdin>`).
 * Throws ResourceLoadError at the first malformed document.
 */
export function parseResources(text: string, source: string, options: ResourceParseOptions = {}): LoadResult {
  const collector = createLoadCollector();
  collectResources(text, source, collector, undefined, options);
  return collector.result();
}

/**
 * One JSON document (an object or a List) → validated, defaulted objects, like parseResources but with
 * JSON.parse (~100x faster than the YAML parser on large texts) and without line numbers in errors: for
 * machine-written JSON such as the file provider's state directory.
 */
export function parseJsonResources(text: string, source: string): LoadResult {
  const collector = createLoadCollector();
  const ctx: DocumentContext = { source, document: 1 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fail(ctx, 'YAML_SYNTAX', [], `invalid JSON: ${(err as Error).message}`);
  }
  if (value !== null && value !== undefined) readDocument(value, ctx, collector);
  return collector.result();
}

/**
 * parseResources into a shared collector (loadResources passes one across all inputs). With
 * `onInvalid`, a malformed document is handed to it and the next document is read: the document is
 * left out whole (a List with one bad item loads none of its items), every other one loads.
 */
export function collectResources(
  text: string,
  source: string,
  collector: LoadCollector,
  onInvalid?: (error: ResourceLoadError) => void,
  options: ResourceParseOptions = {},
): void {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  // Without a `*` there is no alias, and nothing to measure.
  const mayAlias = text.includes('*');
  docs.forEach((doc, i) => {
    const ctx: DocumentContext = { source, document: i + 1, doc, lineCounter, kubernetesRules: options.kubernetesRules };
    if (!onInvalid) {
      collectDocument(ctx, doc, mayAlias, collector);
      return;
    }
    const staged = stagingCollector();
    try {
      collectDocument(ctx, doc, mayAlias, staged);
    } catch (err) {
      if (!(err instanceof ResourceLoadError)) throw err;
      onInvalid(err);
      return;
    }
    staged.flushInto(collector);
  });
}

function collectDocument(ctx: DocumentContext, doc: Document, mayAlias: boolean, collector: LoadCollector): void {
  const syntax = doc.errors[0];
  if (syntax) {
    const detail = syntax.message.split('\n')[0] ?? syntax.message;
    throw fail(ctx, 'YAML_SYNTAX', [], detail, { pos: ctx.lineCounter?.linePos(syntax.pos[0]) });
  }
  if (mayAlias) {
    const added = aliasExpansionBytes(doc);
    if (added > MAX_ALIAS_EXPANSION_BYTES) {
      const detail = `aliases expand to ${formatBytes(added)} more, over the limit of ${formatBytes(MAX_ALIAS_EXPANSION_BYTES)} per document`;
      throw fail(ctx, 'TOO_LARGE', [], detail);
    }
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolved or excessive aliases surface only here.
    throw fail(ctx, 'YAML_SYNTAX', [], (err as Error).message, { pos: unresolvedAlias(ctx), cause: err });
  }
  if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
  readDocument(value, ctx, collector);
}

/** Holds one document's objects and warnings until the whole document has loaded. */
function stagingCollector(): LoadCollector & { flushInto(target: LoadCollector): void } {
  const steps: ((target: LoadCollector) => void)[] = [];
  return {
    add: (object, origin) => steps.push((target) => target.add(object, origin)),
    warn: (origin, message) => steps.push((target) => target.warn(origin, message)),
    result: () => {
      throw new Error('a staging collector has no result of its own');
    },
    flushInto: (target) => steps.forEach((step) => step(target)),
  };
}

function readDocument(value: unknown, ctx: DocumentContext, collector: LoadCollector): void {
  const obj = expectObject(value, [], ctx);
  const apiVersion = requireString(obj, 'apiVersion', [], ctx);
  const kind = requireString(obj, 'kind', [], ctx);
  const itemKind = listItemKind(apiVersion, kind);
  if (itemKind === undefined) {
    readObject(obj, [], ctx, collector);
    return;
  }
  const items = obj.items ?? [];
  if (!Array.isArray(items)) throw fail(ctx, 'INVALID_FIELD', ['items'], 'must be array', { object: kind });
  items.forEach((item, j) => {
    const entry = expectObject(item, ['items', j], ctx);
    // Typed lists (`GatewayList`) come from the API without apiVersion/kind on each item.
    if (itemKind && entry.apiVersion === undefined) entry.apiVersion = apiVersion;
    if (itemKind && entry.kind === undefined) entry.kind = itemKind;
    readObject(entry, ['items', j], ctx, collector);
  });
}

/**
 * For a list document, the kind of its items ('' for a v1 List, whose items say their own kind);
 * undefined if the document is not a list.
 */
function listItemKind(apiVersion: string, kind: string): string | undefined {
  if (kind === 'List' && apiVersion === 'v1') return '';
  if (!kind.endsWith('List')) return undefined;
  const info = lookupKind(apiVersion, kind.slice(0, -'List'.length));
  return info?.kind;
}

function readObject(obj: JsonObject, at: FieldPathSegment[], ctx: DocumentContext, collector: LoadCollector): void {
  const apiVersion = requireString(obj, 'apiVersion', at, ctx);
  const kind = requireString(obj, 'kind', at, ctx);
  const info = lookupKind(apiVersion, kind);
  if (!info) {
    const where = at.length > 0 ? `${formatFieldPath(at)}: ` : '';
    collector.warn(ctx, `${where}skipping unsupported kind ${kind} (${apiVersion})`);
    return;
  }
  const metadata = obj.metadata ?? {};
  if (!isObject(metadata)) throw fail(ctx, 'INVALID_FIELD', [...at, 'metadata'], 'must be object', { object: kind });
  if (metadata.name === undefined || metadata.name === null || metadata.name === '') {
    throw fail(ctx, 'MISSING_FIELD', [...at, 'metadata', 'name'], 'is required', { object: kind });
  }
  pruneNulls(obj);
  applyNamespace(metadata, info);
  checkSizes(obj, metadata, at, ctx, info.kind);
  const version = parseApiVersion(apiVersion).version;
  // Pruned before validation, as the API server does; kept as warnings, as kubectl prints them.
  for (const field of pruneUnknownResourceFields(obj, info.kind, version)) {
    const where = at.length > 0 ? `${formatFieldPath(at)}: ` : '';
    collector.warn(ctx, `${where}${describe(obj, info.kind)}: ${describeUnknownField(field)}`);
  }
  const violation = validateResource(obj, info.kind, version);
  if (violation) {
    throw fail(ctx, violation.code, [...at, ...violation.path], violation.detail, { object: describe(obj, info.kind) });
  }
  // After the schema, on the defaulted object, as the API server runs them.
  const refused = validateKubernetesRules(obj, info.kind, version);
  if (refused) {
    const path = [...at, ...refused.path];
    if (ctx.kubernetesRules !== 'warn') throw fail(ctx, 'INVALID_FIELD', path, refused.detail, { object: describe(obj, info.kind) });
    const where = path.length > 0 ? `${formatFieldPath(path)}: ` : '';
    collector.warn(ctx, `${describe(obj, info.kind)}: ${where}${refused.detail} (the API server would refuse it; loaded anyway)`);
  }
  applyApiServerConversions(obj, info);
  collector.add(obj as unknown as Resource, ctx);
}

/** The API server's size limits (input-limits.ts), checked before the schema so a huge object costs no validation. */
function checkSizes(obj: JsonObject, metadata: JsonObject, at: FieldPathSegment[], ctx: DocumentContext, kind: Kind): void {
  const annotations = metadata.annotations;
  if (isObject(annotations)) {
    const bytes = annotationsBytes(annotations);
    if (bytes > MAX_ANNOTATIONS_BYTES) {
      // ValidateAnnotations' own wording, with the size found.
      const detail = `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes (has ${bytes})`;
      throw fail(ctx, 'TOO_LARGE', [...at, 'metadata', 'annotations'], detail, { object: describe(obj, kind) });
    }
  }
  const bytes = utf8Bytes(JSON.stringify(obj));
  if (bytes > MAX_OBJECT_BYTES) {
    const detail = `object is ${formatBytes(bytes)}, over the API server's limit of ${formatBytes(MAX_OBJECT_BYTES)} per object (etcd's request size)`;
    throw fail(ctx, 'TOO_LARGE', at, detail, { object: describe(obj, kind) });
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function expectObject(value: unknown, at: FieldPathSegment[], ctx: DocumentContext): JsonObject {
  if (isObject(value)) return value;
  const got = Array.isArray(value) ? 'a sequence' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
  const what = at.length > 0 ? 'must be a Kubernetes object (a mapping)' : 'expected a Kubernetes object (a mapping)';
  throw fail(ctx, 'NOT_AN_OBJECT', at, `${what}, got ${got}`);
}

function requireString(obj: JsonObject, field: 'apiVersion' | 'kind', at: FieldPathSegment[], ctx: DocumentContext): string {
  const value = obj[field];
  if (typeof value === 'string' && value !== '') return value;
  const missing = value === undefined || value === null || value === '';
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  const [code, detail] = missing ? (['MISSING_FIELD', 'is required'] as const) : (['INVALID_FIELD', 'must be string'] as const);
  throw fail(ctx, code, [...at, field], detail, { object: kind });
}

function describe(obj: JsonObject, kind: Kind): string {
  const meta = obj.metadata as { namespace?: unknown; name?: unknown };
  const namespace = KINDS[kind].namespaced && typeof meta.namespace === 'string' ? meta.namespace : undefined;
  return describeObject(kind, namespace, typeof meta.name === 'string' ? meta.name : undefined);
}

interface FailureExtras {
  /** `Kind namespace/name` of the object, when known. */
  object?: string | undefined;
  /** Source position; by default, that of the field `segments` names. */
  pos?: { line: number; col: number } | undefined;
  cause?: unknown;
}

function fail(
  ctx: DocumentContext,
  code: ResourceLoadErrorCode,
  segments: FieldPathSegment[],
  detail: string,
  extras: FailureExtras = {},
): ResourceLoadError {
  const at = extras.pos ?? locate(ctx, segments);
  return new ResourceLoadError(
    {
      code,
      source: ctx.source,
      document: ctx.document,
      path: formatFieldPath(segments),
      object: extras.object,
      line: at?.line,
      column: at?.col,
      detail,
    },
    extras.cause === undefined ? undefined : { cause: extras.cause },
  );
}

/** Where the first alias without an anchor is; toJS reports it without a position. */
function unresolvedAlias(ctx: DocumentContext): { line: number; col: number } | undefined {
  const { doc, lineCounter } = ctx;
  if (!doc || !lineCounter) return undefined;
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined || !node.range) return undefined;
      offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? undefined : lineCounter.linePos(offset);
}

/** The source position of a field, or of its nearest ancestor present in the YAML (defaults are not). */
function locate(ctx: DocumentContext, segments: FieldPathSegment[]): { line: number; col: number } | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? ctx.doc?.contents : ctx.doc?.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range && ctx.lineCounter) return ctx.lineCounter.linePos(node.range[0]);
  }
  return undefined;
}
