/**
 * The API server's uniqueness rules for `x-kubernetes-list-type: set` (no two equal items) and `map` (no
 * two items with the same `x-kubernetes-list-map-keys` values), which JSON Schema cannot say and ajv
 * therefore skips (k8s.io/apiextensions-apiserver pkg/apiserver/schema/listtype/validation.go). A
 * violation is the API server's `Duplicate value: <value>` at the second item, e.g.
 * `spec.rules[0].filters[0].requestHeaderModifier.add[1]: Duplicate value: {"name":"x-via"}`.
 */
import type { SchemaObject } from 'ajv';
import type { FieldPathSegment } from '../loading/errors.js';

/** A list item that repeats an earlier one. */
export interface DuplicateListItem {
  path: FieldPathSegment[];
  /** `Duplicate value: <value>`, as field.Duplicate's ErrorBody prints it. */
  detail: string;
}

/** The first duplicate item in `value` (walked in document order), or undefined. */
export function findDuplicateListItem(value: unknown, schema: SchemaObject): DuplicateListItem | undefined {
  return walk(value, schema, []);
}

function walk(value: unknown, schema: SchemaObject, path: FieldPathSegment[]): DuplicateListItem | undefined {
  if (Array.isArray(value)) {
    const duplicate = duplicateIn(value, schema);
    if (duplicate) return { path: [...path, duplicate.index], detail: `Duplicate value: ${goValue(duplicate.shown)}` };
    const items = schemaAt(schema.items);
    if (!items) return undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const found = walk(value[i], items, path);
      path.pop();
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const properties = schema.properties as Record<string, SchemaObject> | undefined;
  const additional = schemaAt(schema.additionalProperties);
  for (const key in value) {
    const sub = properties?.[key] ?? additional;
    if (!sub) continue;
    path.push(key);
    const found = walk((value as Record<string, unknown>)[key], sub, path);
    path.pop();
    if (found) return found;
  }
  return undefined;
}

/** validateListSet / validateListMap: the first item equal (by key, for a map list) to an earlier one. */
function duplicateIn(items: unknown[], schema: SchemaObject): { index: number; shown: unknown } | undefined {
  const listType = schema['x-kubernetes-list-type'];
  if (items.length <= 1 || (listType !== 'set' && listType !== 'map')) return undefined;
  const keyFields = listType === 'map' ? ((schema['x-kubernetes-list-map-keys'] ?? []) as string[]) : undefined;
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const shown = keyFields ? keyOf(items[i], keyFields) : items[i];
    const identity = canonicalJson(shown);
    if (seen.has(identity)) return { index: i, shown };
    seen.add(identity);
  }
  return undefined;
}

/** The item's map keys as the API server shows them: `{"name":"x"}`, absent keys left out. */
function keyOf(item: unknown, keyFields: readonly string[]): Record<string, unknown> {
  const key: Record<string, unknown> = {};
  if (item === null || typeof item !== 'object') return key;
  for (const field of keyFields) {
    const value = (item as Record<string, unknown>)[field];
    if (value !== undefined) key[field] = value;
  }
  return key;
}

/** JSON with object keys sorted, as Go's json.Marshal writes a map (so equal values compare equal). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** field.Error ErrorBody's rendering of a value: strings quoted, numbers and booleans bare, the rest JSON. */
function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return canonicalJson(value);
}

const schemaAt = (s: unknown): SchemaObject | undefined =>
  typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as SchemaObject) : undefined;
