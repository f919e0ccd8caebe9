/**
 * Fields a CRD's structural schema does not declare are dropped by the API server ("pruning",
 * apiextensions-apiserver `pkg/apiserver/schema/pruning`) and reported by `kubectl apply` as warnings
 * (`unknown field "spec.hostname"`). A typo then does not pass silently: `hostname:` for `hostnames:`
 * would make a route serve every host, `wieght:` would leave the weight at its default. We drop them
 * the same way and say which, with the closest declared field as a suggestion.
 */
import type { SchemaObject } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { formatFieldPath, type FieldPathSegment } from '../loading/errors.js';

export interface UnknownField {
  /** Path of the dropped field inside the object. */
  path: FieldPathSegment[];
  /** The declared sibling field its name is closest to, when close enough to be a likely typo. */
  suggestion?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Removes (in place) every field of `value` that `schema` does not declare, and returns them in
 * document order. A schema that declares no properties, allows additional ones, or says
 * `x-kubernetes-preserve-unknown-fields` keeps what it has, as the API server does.
 */
export function pruneUnknownFields(value: unknown, schema: SchemaObject, at: FieldPathSegment[] = []): UnknownField[] {
  const found: UnknownField[] = [];
  prune(value, schema, at, found);
  return found;
}

function prune(value: unknown, schema: SchemaObject, at: FieldPathSegment[], found: UnknownField[]): void {
  if (Array.isArray(value)) {
    const items: unknown = schema.items;
    if (isObject(items)) value.forEach((item, i) => prune(item, items, [...at, i], found));
    return;
  }
  if (!isObject(value)) return;
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, SchemaObject>) : undefined;
  const additional: unknown = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    const declared = properties?.[key];
    if (declared) prune(value[key], declared, [...at, key], found);
    else if (isObject(additional)) prune(value[key], additional, [...at, key], found);
    else if (properties && !preserve && additional !== true) {
      delete value[key];
      found.push({ path: [...at, key], ...suggest(key, Object.keys(properties)) });
    }
  }
}

function suggest(key: string, known: readonly string[]): { suggestion?: string } {
  if (known.length === 0) return {};
  const candidate = closest(key, known as string[]);
  // A likely typo: a few edits away (a swap of two letters costs two), not a different word.
  return distance(key, candidate) <= Math.max(2, Math.floor(key.length / 3)) ? { suggestion: candidate } : {};
}

/** `unknown field spec.hostname (did you mean spec.hostnames?)`, the way the warning reads. */
export function describeUnknownField(field: UnknownField): string {
  const path = formatFieldPath(field.path);
  if (field.suggestion === undefined) return `unknown field ${path}`;
  const suggested = formatFieldPath([...field.path.slice(0, -1), field.suggestion]);
  return `unknown field ${path} (did you mean ${suggested}?)`;
}
