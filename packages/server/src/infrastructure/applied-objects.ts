/**
 * How the manager knows an object is already as it wants it without writing: each applied object
 * carries a hash of what Portico applied, and a live object matches when that hash is current and
 * every field Portico sets still has Portico's value. Fields the API server defaults, and labels or
 * annotations other controllers add, do not count (server-side apply leaves them alone too).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { sha256Hex } from './infrastructure-names.js';

export const APPLIED_HASH_ANNOTATION = 'portico.dev/applied-hash';

export interface DesiredObject {
  /** `Kind/namespace/name`. */
  key: string;
  kind: string;
  namespace: string;
  name: string;
  /** What is applied: the manifest with its hash annotation. */
  object: KubernetesObject;
  hash: string;
}

export function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The manifest, stamped with a hash of its content (manifests are built in a stable key order). */
export function desiredObject(manifest: KubernetesObject): DesiredObject {
  const hash = sha256Hex(JSON.stringify(manifest)).slice(0, 16);
  const metadata = manifest.metadata!;
  const object = { ...manifest, metadata: { ...metadata, annotations: { ...metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
  const namespace = metadata.namespace!;
  const name = metadata.name!;
  return { key: objectKey(manifest.kind!, namespace, name), kind: manifest.kind!, namespace, name, object, hash };
}

/** True when applying `desired` to `live` would change nothing Portico owns. */
export function liveMatches(desired: DesiredObject, live: KubernetesObject): boolean {
  return live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === desired.hash && isSubset(desired.object, live);
}

/** Every field of `want` has the same value in `have`; `have` may have more (defaults, other owners). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.length === have.length && want.every((item, i) => isSubset(item, have[i]));
  }
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want).every(([key, value]) => value === undefined || isSubset(value, (have as Record<string, unknown>)[key]));
  }
  return want === have;
}
