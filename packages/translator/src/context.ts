/**
 * Per-run state of one translation: the inputs, the options, indexes built once, and the statuses
 * being collected. A fresh context is made for every `translate` call, so nothing leaks between runs.
 */
import type { EndpointSlice, Kind, ResourceSet } from '@portico/resources';
import type { BackendSpec } from './backends/backends.js';
import type { TranslationFailure } from './containment.js';
import type { ResolvedOptions } from './options.js';
import type { TranslationCache } from './translation-cache.js';
import { statusKey, type Diagnostic, type ObjectStatus } from './result.js';

export interface TranslationContext {
  resources: ResourceSet;
  options: ResolvedOptions;
  /** EndpointSlices by `namespace/service-name` (shared with the cache between translations: read only). */
  endpointSlices: Map<string, EndpointSlice[]>;
  /** Backends resolved so far, by BackendIR name (shared between gateways: they are immutable). */
  backends: Map<string, BackendSpec>;
  /** Gateways each BackendTLSPolicy was used through, by policy `namespace/name`. */
  policyAncestors: Map<string, Set<string>>;
  statuses: Map<string, ObjectStatus>;
  diagnostics: Diagnostic[];
  /** Objects whose translation threw and that were left out (containment.ts). */
  failures: TranslationFailure[];
  /** Memory between translations (translation-cache.ts), when the caller keeps one. */
  cache?: TranslationCache;
  /** While one route translates under a cache: every backend it resolves, to replay on reuse. */
  usedBackends?: BackendSpec[];
}

export function createContext(resources: ResourceSet, options: ResolvedOptions, cache?: TranslationCache): TranslationContext {
  const endpointSlices = cache ? cache.slicesByService(resources, slicesByService) : slicesByService(resources);
  return { resources, options, endpointSlices, backends: new Map(), policyAncestors: new Map(), statuses: new Map(), diagnostics: [], failures: [], ...(cache ? { cache } : {}) };
}

/** EndpointSlices by `namespace/service-name` (their `kubernetes.io/service-name` label). */
export function slicesByService(resources: ResourceSet): Map<string, EndpointSlice[]> {
  const byService = new Map<string, EndpointSlice[]>();
  for (const slice of resources.list('EndpointSlice')) {
    const service = slice.metadata.labels?.['kubernetes.io/service-name'];
    if (!service) continue;
    const key = `${slice.metadata.namespace}/${service}`;
    const list = byService.get(key);
    if (list) list.push(slice);
    else byService.set(key, [slice]);
  }
  return byService;
}

export function setStatus(ctx: TranslationContext, status: ObjectStatus): void {
  ctx.statuses.set(ctx.cache ? keyOfStatus(status) : statusKey(status.kind as Kind, status.namespace, status.name), status);
}

const statusKeys = new WeakMap<ObjectStatus, string>();

/**
 * The status's key, made once per status object: under a cache a route whose verdicts did not change
 * keeps its status object (translation-cache.ts routeStatus), and an edit sets every route's status again.
 */
function keyOfStatus(status: ObjectStatus): string {
  let key = statusKeys.get(status);
  if (key === undefined) statusKeys.set(status, (key = statusKey(status.kind as Kind, status.namespace, status.name)));
  return key;
}

/** Objects sorted the way the spec breaks ties: oldest first, then `namespace/name`. */
export function compareAge(a: AgedObject, b: AgedObject): number {
  const ka = ageKey(a);
  const kb = ageKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

type AgedObject = { metadata: { creationTimestamp?: string; namespace?: string; name: string } };

const ageKeys = new WeakMap<object, string>();

/**
 * A string that sorts as compareAge does (creation instant, then `namespace/name`), made once per
 * object: conflicts between thousands of routes compare ages of every pair sharing a listener.
 */
export function ageKey(object: AgedObject): string {
  let key = ageKeys.get(object);
  if (key === undefined) {
    const { creationTimestamp, namespace, name } = object.metadata;
    const ms = creationTimestamp ? Date.parse(creationTimestamp) : NaN;
    // Shifted so that every instant JavaScript can hold (±8.64e15 ms) is a positive number of at most
    // 17 digits; a missing or unparseable timestamp counts as oldest (compareCreationTimestamps).
    const time = Number.isNaN(ms) ? '0'.repeat(17) : String(ms + 8.64e15 + 1).padStart(17, '0');
    ageKeys.set(object, (key = `${time}\u0000${namespace ?? ''}/${name}`));
  }
  return key;
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Orders RFC 3339 creation timestamps by the instant they denote, not as strings: files may write
 * `2024-01-01T11:30:00+02:00` or fractional seconds, which sort wrongly as text. A missing (or
 * unparseable) timestamp counts as oldest, as the empty string did.
 */
export function compareCreationTimestamps(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  // The API server always writes whole-second UTC (`2024-01-01T11:30:00Z`), which sorts as text;
  // only other forms (from files) need parsing. Sorting thousands of routes compares a lot.
  if (a && b && CANONICAL.test(a) && CANONICAL.test(b)) return a < b ? -1 : 1;
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  const ma = Number.isNaN(ta) ? -Infinity : ta;
  const mb = Number.isNaN(tb) ? -Infinity : tb;
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
