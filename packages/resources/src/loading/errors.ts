/**
 * The one error type of resource loading, and the warnings that do not stop it. Every message names the
 * source, the document and the field, on one line, because the CLI prints it as is and exits 1.
 */

/** What went wrong, coarsely: lets callers (and tests) tell syntax from schema problems. */
export type ResourceLoadErrorCode =
  /** A file or folder could not be read. */
  | 'READ_FAILED'
  /** The text is not valid YAML (or JSON). */
  | 'YAML_SYNTAX'
  /** A document (or List item) is not a mapping. */
  | 'NOT_AN_OBJECT'
  /** A required field is absent. */
  | 'MISSING_FIELD'
  /** A field has the wrong type, or fails an enum, pattern, range or format rule. */
  | 'INVALID_FIELD'
  /** Over a size limit: the file, an object, its annotations, or what a document's aliases expand to. */
  | 'TOO_LARGE';

/** One step of a field path: an object key or an array index. */
export type FieldPathSegment = string | number;

/** What a ResourceLoadError is made from; its message is derived from these. */
export interface ResourceLoadErrorDetails {
  code: ResourceLoadErrorCode;
  /** File path as given, or `<stdin>`. */
  source: string;
  /** 1-based index of the YAML document in the source; absent for READ_FAILED. */
  document?: number;
  /** Field path inside the document, e.g. `spec.listeners[0].port`; empty when not about a field. */
  path?: string;
  /** `Kind` or `Kind namespace/name`, when known: says which object is wrong. */
  object?: string;
  /** 1-based position in the source, when known. */
  line?: number;
  column?: number;
  /** What is wrong with the field, e.g. `must be integer`. */
  detail: string;
}

/**
 * Thrown when input cannot be loaded. The message reads on one line, e.g.
 * `examples/a.yaml: document 2 (Gateway default/eg): spec.listeners[0].port: must be integer`.
 */
export class ResourceLoadError extends Error {
  override readonly name = 'ResourceLoadError';
  readonly code: ResourceLoadErrorCode;
  readonly source: string;
  readonly document: number | undefined;
  readonly path: string;
  readonly object: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly detail: string;

  constructor(details: ResourceLoadErrorDetails, options?: { cause?: unknown }) {
    super(formatLoadErrorMessage(details), options);
    this.code = details.code;
    this.source = details.source;
    this.document = details.document;
    this.path = details.path ?? '';
    this.object = details.object;
    this.line = details.line;
    this.column = details.column;
    this.detail = details.detail;
  }
}

/**
 * A document that was read but not loaded (e.g. a kind Portico does not watch), or another thing worth
 * telling the user. Printed as `examples/a.yaml document 3: skipping unsupported kind Foo (example.com/v1)`.
 */
export interface LoadWarning {
  /** File path as given, or `<stdin>`. */
  source: string;
  /** 1-based index of the YAML document in the source. */
  document: number;
  /** The warning itself, without source and document. */
  message: string;
}

function formatLoadErrorMessage(d: ResourceLoadErrorDetails): string {
  let where = d.source;
  if (d.document !== undefined) where += `: document ${d.document}`;
  if (d.object) where += ` (${d.object})`;
  // Schema errors name the field; syntax errors have no field, so they name the position instead.
  if (d.path) return `${where}: ${d.path}: ${d.detail}`;
  if (d.line !== undefined) return `${where}: line ${d.line}, column ${d.column ?? 1}: ${d.detail}`;
  return `${where}: ${d.detail}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a field path the way Kubernetes does (`field.Path`): `spec.listeners[0].port`, and map keys
 * that are not plain names in brackets: `metadata.annotations[example.com/owner]`.
 */
export function formatFieldPath(segments: readonly FieldPathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out ? `.${s}` : s;
    else out += `[${s}]`;
  }
  return out;
}

/** `Kind namespace/name` (or `Kind name`, or just `Kind`) for messages. */
export function describeObject(kind: string, namespace: string | undefined, name: string | undefined): string {
  if (!name) return kind;
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}
