/**
 * A gateway's BackendIR: the resolved Service port (BackendSpec) plus its endpoints. Kept apart from
 * route translation so an EndpointSlice change re-resolves only the backends of that Service; with a
 * TranslationCache, an unchanged backend is the very same BackendIR object as last time, which lets
 * the xDS side reuse its cluster and its encoded bytes.
 */
import type { BackendIR } from '@portico/ir';
import type { BackendSpec } from './backends.js';
import type { TranslationContext } from '../context.js';
import { serviceEndpoints } from './endpoints.js';

export function backendWithEndpoints(ctx: TranslationContext, spec: BackendSpec): BackendIR {
  const { namespace, name } = spec.service;
  const slices = ctx.endpointSlices.get(serviceKey(spec.service));
  const cached = ctx.cache?.backend(spec, slices);
  if (cached) return cached;
  const ir: BackendIR = {
    name: spec.name,
    service: spec.service,
    protocol: spec.protocol,
    // An ExternalName Service has no endpoints of its own: Envoy resolves its name (any slice
    // labelled for it is not the Service's, and is ignored).
    endpoints: spec.externalName === undefined ? serviceEndpoints(ctx, namespace, name, spec.servicePort) : [],
    ...(spec.tls ? { tls: spec.tls } : {}),
    ...(spec.externalName === undefined ? {} : { externalName: spec.externalName }),
    ...(spec.retryBudget ? { retryBudget: spec.retryBudget } : {}),
    ...(spec.policy ? { policy: spec.policy } : {}),
  };
  ctx.cache?.rememberBackend(spec, slices, ir);
  return ir;
}

const serviceKeys = new WeakMap<BackendSpec['service'], string>();

/**
 * `namespace/name`, made once per service reference: a gateway's backend list looks up the slices of
 * every backend on every translation (10,000 at 10,000 routes, for a one-route edit too), and a spec
 * of an unchanged route is the same object each time (translation-cache.ts).
 */
function serviceKey(service: BackendSpec['service']): string {
  let key = serviceKeys.get(service);
  if (key === undefined) serviceKeys.set(service, (key = `${service.namespace}/${service.name}`));
  return key;
}
