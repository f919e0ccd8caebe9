/**
 * A JSON value as the API server hands it to a CEL rule (k8s.io/apiextensions-apiserver
 * pkg/apiserver/schema/cel/values.go UnstructuredToVal): typed by its structural schema, so `integer`
 * fields are CEL ints (bigint), `number` fields doubles, objects with declared properties have their
 * field names escaped (`namespace` → `__namespace__`), and maps (`additionalProperties`) keep their keys.
 *
 * `x-kubernetes-list-type: set|map` only changes how two lists compare with `==` and join with `+`; no
 * Gateway API rule does either (only `self == oldSelf` on scalars, a transition rule skipped on create),
 * so lists are plain CEL lists in input order, which is what indexing and macros see on the API server too.
 */
import { celList, celMap, type CelInput, type CelList, type CelMap } from '@bufbuild/cel';
import type { SchemaObject } from 'ajv';

/** apiserver/pkg/cel/escaping.go celReservedSymbols. */
const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * apiserver/pkg/cel/escaping.go Escape: how a property name is spelled in CEL, or undefined when it cannot
 * be (it starts with a digit or holds a character other than letters, digits, `_`, `.`, `-`, `/`).
 */
export function escapeCelProperty(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[A-Za-z0-9_./-]+$/.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (s) => ({ __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[s] as string);
}

/**
 * Converts `value` for CEL. `cache` maps JSON objects and arrays already converted (a rule on a parent
 * and one on its child share the child's value), so one document is converted at most once per node.
 */
export function toCelValue(value: unknown, schema: SchemaObject | undefined, cache: Map<object, CelInput>): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return toCelNumber(value, schema);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return null;
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  const converted = Array.isArray(value) ? toCelList(value, schema, cache) : toCelMap(value as Record<string, unknown>, schema, cache);
  cache.set(value, converted);
  return converted;
}

function toCelNumber(value: number, schema: SchemaObject | undefined): CelInput {
  // `number` is a double; `integer` an int64, as is an int-or-string's number (and one without schema).
  if (schema?.type === 'number' || !Number.isInteger(value)) return value;
  return BigInt(value);
}

// Lists and maps are handed over as CEL values: @bufbuild/cel would otherwise wrap a JS array or Map
// again on every access to it.
function toCelList(items: unknown[], schema: SchemaObject | undefined, cache: Map<object, CelInput>): CelList {
  const itemSchema = isSchema(schema?.items) ? schema.items : undefined;
  return celList(items.map((item) => toCelValue(item, itemSchema, cache)));
}

function toCelMap(object: Record<string, unknown>, schema: SchemaObject | undefined, cache: Map<object, CelInput>): CelMap {
  const out = new Map<string, CelInput>();
  const properties = schema?.properties as Record<string, SchemaObject> | undefined;
  if (properties) {
    // An object with declared fields: CEL sees the declared ones, escaped (pruning dropped any others).
    for (const [name, field] of Object.entries(object)) {
      const escaped = escapeCelProperty(name);
      if (escaped !== undefined && field !== undefined) out.set(escaped, toCelValue(field, properties[name], cache));
    }
    return celMap(out);
  }
  const valueSchema = isSchema(schema?.additionalProperties) ? schema.additionalProperties : undefined;
  for (const [key, field] of Object.entries(object)) {
    if (field !== undefined) out.set(key, toCelValue(field, valueSchema, cache));
  }
  return celMap(out);
}

const isSchema = (s: unknown): s is SchemaObject => typeof s === 'object' && s !== null && !Array.isArray(s);
