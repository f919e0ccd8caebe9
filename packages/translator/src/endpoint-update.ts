/**
 * The fast path for a change made only of EndpointSlices (pods coming and going, the most frequent
 * change in a cluster): routes, listeners and statuses cannot depend on endpoints, so the previous
 * translation is kept and only the backends whose Service's slices changed get their endpoints
 * resolved again. Every other object of the result is the same as before, so the xDS side rebuilds
 * and re-encodes only those backends' ClusterLoadAssignments.
 *
 * Equal to a full translation of the same resources (translate.incremental.property.test.ts).
 */
import type { ResourceSet } from '@portico/resources';
import { backendWithEndpoints } from './backend-endpoints.js';
import { createContext, slicesByService } from './context.js';
import { resolveOptions, type TranslateOptions } from './options.js';
import type { TranslationResult } from './result.js';

/**
 * `previous` must be the last translation made with `options.cache`, and `resources` must differ from
 * its input only in EndpointSlices; otherwise call `translate`.
 */
export function translateEndpointChange(previous: TranslationResult, resources: ResourceSet, options: TranslateOptions & { cache: NonNullable<TranslateOptions['cache']> }): TranslationResult {
  const ctx = createContext(resources, resolveOptions(options));
  const changed = options.cache.refreshEndpoints(slicesByService(resources), (spec) => backendWithEndpoints(ctx, spec));
  if (changed.size === 0) return previous;
  const gateways = new Map(previous.gateways);
  for (const [key, ir] of previous.gateways) {
    if (!ir.backends.some((b) => changed.has(b.name))) continue;
    gateways.set(key, { ...ir, backends: ir.backends.map((b) => changed.get(b.name) ?? b) });
  }
  return { ...previous, gateways };
}
