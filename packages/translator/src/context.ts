/**
 * Per-run state of one translation: the inputs, the options, indexes built once, and the statuses
 * being collected. A fresh context is made for every `translate` call, so nothing leaks between runs.
 */
import type { EndpointSlice, Kind, ResourceSet } from '@portico/resources';
import type { BackendSpec } from './backends.js';
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
  /** Memory between translations (translation-cache.ts), when the caller keeps one. */
  cache?: TranslationCache;
  /** While one route translates under a cache: every backend it resolves, to replay on reuse. */
  usedBackends?: BackendSpec[];
}

export function createContext(resources: ResourceSet, options: ResolvedOptions, cache?: TranslationCache): TranslationContext {
  const endpointSlices = cache ? cache.slicesByService(resources, slicesByService) : slicesByService(resources);
  return { resources, options, endpointSlices, backends: new Map(), policyAncestors: new Map(), statuses: new Map(), diagnostics: [], ...(cache ? { cache } : {}) };
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
  ctx.statuses.set(statusKey(status.kind as Kind, status.namespace, status.name), status);
}

/** Objects sorted the way the spec breaks ties: oldest first, then `namespace/name`. */
export function compareAge(
  a: { metadata: { creationTimestamp?: string; namespace?: string; name: string } },
  b: { metadata: { creationTimestamp?: string; namespace?: string; name: string } },
): number {
  const byTime = compareCreationTimestamps(a.metadata.creationTimestamp, b.metadata.creationTimestamp);
  if (byTime !== 0) return byTime;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
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
