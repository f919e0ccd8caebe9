/**
 * A gateway's BackendIRs for its sorted backend names (referenced-backend-names.ts). With a
 * TranslationCache each backend is the very object of last time while its Service port and slices
 * are unchanged (backend-endpoints.ts), but finding that out costs a handful of lookups per backend,
 * 10,000 of them for a one-route edit at 10,000 routes. So the list of last time is kept with the
 * specs it was made from: while the names are the same list and the EndpointSlices index is the same
 * (no slice changed, TranslationCache.slicesByService), a backend whose spec is the same object as
 * last time is the same BackendIR, and only the others are resolved again.
 */
import type { BackendIR } from '@portico/ir';
import { backendWithEndpoints } from '../backends/backend-endpoints.js';
import type { BackendSpec } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';

/** What one gateway's backend list was made from last time (kept by the cache with its sorted names). */
export interface GatewayBackendsMemo {
  names: readonly string[];
  slices: TranslationContext['endpointSlices'];
  specs: readonly BackendSpec[];
  backends: readonly BackendIR[];
}

export function gatewayBackends(ctx: TranslationContext, names: readonly string[], memo?: { backends?: GatewayBackendsMemo }): BackendIR[] {
  const last = memo?.backends;
  const reusable = last !== undefined && last.names === names && last.slices === ctx.endpointSlices;
  const specs: BackendSpec[] = [];
  const backends: BackendIR[] = [];
  for (let i = 0; i < names.length; i++) {
    const spec = ctx.backends.get(names[i]!)!;
    const kept = reusable && last.specs[i] === spec ? last.backends[i]! : undefined;
    // The cache must still hold it (and counts it used, so that it is not forgotten).
    backends.push(kept && ctx.cache?.keptBackend(spec.name, kept) ? kept : backendWithEndpoints(ctx, spec));
    specs.push(spec);
  }
  if (memo) memo.backends = { names, slices: ctx.endpointSlices, specs, backends };
  return backends;
}
