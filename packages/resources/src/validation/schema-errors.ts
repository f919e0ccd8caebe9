/**
 * Turns ajv errors into one field path and one sentence a person can act on. ajv runs with
 * `allErrors: false`, so the last error is the one that failed the document and any before it are the
 * failed branches of an anyOf/oneOf/if around it.
 */
import type { ErrorObject } from 'ajv';
import type { FieldPathSegment } from '../loading/errors.js';

/** Why a document failed its schema. */
export interface SchemaViolation {
  code: 'MISSING_FIELD' | 'INVALID_FIELD';
  /** Path of the offending field inside the object (array indexes as numbers). */
  path: FieldPathSegment[];
  detail: string;
}

/** Wording for formats, instead of ajv's `must match format "int32"`. */
const FORMAT_WORDING: Readonly<Record<string, string>> = {
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  'date-time': 'an RFC 3339 date-time',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  byte: 'base64-encoded data',
};

const VALUE_KEYWORDS = new Set(['enum', 'const', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'not']);

/**
 * Explains why `data` failed. `errors` are ajv's (compiled with `verbose: true`, so each carries its
 * schema); `hints` word well-known patterns.
 */
export function explainSchemaErrors(
  errors: readonly ErrorObject[],
  data: unknown,
  hints: Readonly<Record<string, string>>,
): SchemaViolation {
  const { code, instancePath, extra, detail } = explain(errors, errors.length - 1, hints);
  return { code, path: toSegments(instancePath, data).concat(extra), detail };
}

interface Explained {
  code: SchemaViolation['code'];
  instancePath: string;
  /** Segments below instancePath (e.g. the missing property). */
  extra: FieldPathSegment[];
  detail: string;
}

function explain(errors: readonly ErrorObject[], index: number, hints: Readonly<Record<string, string>>): Explained {
  const e = errors[index];
  if (!e) return { code: 'INVALID_FIELD', instancePath: '', extra: [], detail: 'is invalid' };
  const at = (detail: string, extra: FieldPathSegment[] = []): Explained => ({
    code: 'INVALID_FIELD',
    instancePath: e.instancePath,
    extra,
    detail: VALUE_KEYWORDS.has(e.keyword) ? `${detail} (got ${show(e.data)})` : detail,
  });
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { code: 'MISSING_FIELD', instancePath: e.instancePath, extra: [String(p.missingProperty)], detail: 'is required' };
    case 'type':
      // Say what was found: YAML 1.1 makes `on`/`yes` booleans, and `"80"` looks like a number.
      return at(`must be ${String(p.type)} (got ${describeValue(e.data)})`);
    case 'enum':
      return at(`must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'pattern':
      return at(hints[String(p.pattern)] ?? `must match pattern ${JSON.stringify(p.pattern)}`);
    case 'format':
      return at(`must be ${FORMAT_WORDING[String(p.format)] ?? `in format ${JSON.stringify(p.format)}`}`);
    case 'x-kubernetes-int-or-string':
      return at('must be an integer or a string');
    case 'additionalProperties':
      return at('is not a known field', [String(p.additionalProperty)]);
    case 'propertyNames': {
      // ajv reports the key's own failure (its pattern) just before, with the key as data.
      const key = String(p.propertyName);
      const cause = errors[index - 1];
      const why = cause?.keyword === 'pattern' ? hints[String((cause.params as { pattern: string }).pattern)] : undefined;
      return { code: 'INVALID_FIELD', instancePath: e.instancePath, extra: [key], detail: `key ${why ?? 'is invalid'}` };
    }
    case 'not': {
      const schema = e.schema as { enum?: unknown[] };
      return at(schema.enum ? `must not be ${schema.enum.map(String).join(' or ')}` : 'is not allowed');
    }
    case 'if':
      // The `then`/`else` branch failed just before; that error says what is missing or wrong.
      return explain(errors, index - 1, hints);
    case 'anyOf':
    case 'oneOf':
      return explainAlternatives(errors, index, hints);
    default:
      return at(e.message ?? 'is invalid');
  }
}

/** anyOf/oneOf: name the alternatives when they are simple, else explain the most specific branch. */
function explainAlternatives(errors: readonly ErrorObject[], index: number, hints: Readonly<Record<string, string>>): Explained {
  const e = errors[index] as ErrorObject;
  const branches = (Array.isArray(e.schema) ? e.schema : []) as Record<string, unknown>[];
  const result = (detail: string): Explained => ({ code: 'INVALID_FIELD', instancePath: e.instancePath, extra: [], detail });
  const only = (key: string) => branches.length > 0 && branches.every((b) => Object.keys(b).length === 1 && key in b);

  if (only('required')) {
    const names = branches.map((b) => (b.required as string[]).join(' and ')).join(', ');
    return result(`must set exactly one of: ${names}`);
  }
  if (only('type')) return result(`must be ${branches.map((b) => String(b.type)).join(' or ')} (got ${describeValue(e.data)})`);
  if (only('format')) {
    const formats = branches.map((b) => FORMAT_WORDING[String(b.format)] ?? `in format ${String(b.format)}`);
    return result(`must be ${formats.join(' or ')} (got ${show(e.data)})`);
  }
  const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
  if (e.keyword === 'oneOf' && Array.isArray(passing)) return result('must match exactly one alternative, but matches several');

  // The failed branches' errors precede this one; take the branch that got deepest into the data.
  const prefix = `${e.schemaPath}/`;
  let best = -1;
  for (let i = 0; i < index; i++) {
    const candidate = errors[i] as ErrorObject;
    if (!candidate.schemaPath.startsWith(prefix)) continue;
    const bestError = errors[best];
    if (!bestError || depth(candidate.instancePath) > depth(bestError.instancePath)) best = i;
  }
  if (best < 0) return result(e.message ?? 'is invalid');
  // Explain the outermost error of that branch (the last one recorded under the same branch index).
  const branch = (errors[best] as ErrorObject).schemaPath.slice(prefix.length).split('/')[0];
  let last = best;
  for (let i = best + 1; i < index; i++) {
    if ((errors[i] as ErrorObject).schemaPath.startsWith(`${prefix}${branch}/`)) last = i;
  }
  return explain(errors, last, hints);
}

const depth = (instancePath: string) => (instancePath ? instancePath.split('/').length : 0);

/** JSON pointer → path segments, using the data to tell array indexes from map keys like `"80"`. */
function toSegments(instancePath: string, data: unknown): FieldPathSegment[] {
  if (!instancePath) return [];
  const segments: FieldPathSegment[] = [];
  let node = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null || typeof value === 'object') return value === null ? 'null' : 'object';
  return `${typeof value} ${show(value)}`;
}

/** A short rendering of an offending value for messages. */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
