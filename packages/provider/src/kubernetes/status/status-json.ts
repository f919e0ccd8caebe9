/**
 * Comparing statuses the way the API server stores them. A status we send comes back with empty
 * fields dropped (Go `omitempty` on built-in types such as Ingress, `undefined` never serialized), so
 * "is the stored status already what we want?" must not see a difference between an absent field and
 * an empty one — otherwise every translation would rewrite the same Ingress status forever.
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The value without what the API server would not keep: `undefined` and `null` fields, empty strings,
 * empty arrays and empty objects (recursively). Numbers and booleans are kept: `attachedRoutes: 0` is
 * a required field, not an empty one.
 */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruneEmpty).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value)
      .map(([key, item]) => [key, pruneEmpty(item)] as const)
      .filter(([, item]) => item !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  if (value === null || value === '') return undefined;
  return value;
}

/** Deep equality of JSON values, ignoring object key order (array order matters). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => key in b && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** True when the two statuses say the same once both are in the form the API server stores. */
export function sameStoredStatus(a: unknown, b: unknown): boolean {
  return jsonEqual(pruneEmpty(a), pruneEmpty(b));
}
