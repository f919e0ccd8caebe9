/**
 * The fast path for a change made only of EndpointSlices (pods coming and going, the most frequent
 * change in a cluster): routes, listeners and statuses cannot depend on endpoints, so the previous
 * translation is kept and only the backends whose Service's slices changed get their endpoints
 * resolved again. Every other object of the result is the same as before, so the xDS side rebuilds
 * and re-encodes only those backends' ClusterLoadAssignments.
 *
 * Equal to a full translation of the same resources (translate.incremental.property.test.ts).
 */
import type { EndpointSlice, ResourceSet } from '@portico/resources';
import { withClientCertificate } from './backends/backend-client-certificate.js';
import { backendWithEndpoints } from './backends/backend-endpoints.js';
import { createContext, type TranslationContext } from './context.js';
import { resolveOptions, type TranslateOptions } from './options.js';
import type { TranslationResult } from './result.js';

/** An EndpointSlice that changed (added, replaced or removed). */
export interface SliceRef {
  namespace?: string;
  name: string;
}

/** Beyond this many changed slices, indexing every slice once is cheaper than looking each Service up. */
const MANY_SLICES = 64;

/**
 * `previous` must be the last translation made with `options.cache`, and `resources` must differ from
 * its input only in EndpointSlices; otherwise call `translate`. `changedSlices` (when known) limits
 * the work to the Services those slices serve or served.
 */
export function translateEndpointChange(
  previous: TranslationResult,
  resources: ResourceSet,
  options: TranslateOptions & { cache: NonNullable<TranslateOptions['cache']> },
  changedSlices?: readonly SliceRef[],
): TranslationResult {
  const { cache } = options;
  const few = changedSlices && changedSlices.length <= MANY_SLICES;
  // The context indexes every slice by Service; for a few changes, only their Services are looked up.
  const ctx = createContext(few ? withoutSlices(resources) : resources, resolveOptions(options));
  let services: Set<string> | undefined;
  if (few) {
    services = new Set();
    for (const ref of changedSlices) {
      const namespace = ref.namespace ?? 'default';
      const previousService = cache.serviceOfSlice(`${namespace}/${ref.name}`);
      if (previousService) services.add(previousService);
      const label = resources.get('EndpointSlice', namespace, ref.name)?.metadata.labels?.['kubernetes.io/service-name'];
      if (label) services.add(`${namespace}/${label}`);
    }
    for (const service of services) ctx.endpointSlices.set(service, slicesOfService(resources, service));
    ctx.resources = resources;
  }
  const slicesOf = (service: string) => {
    const slices = ctx.endpointSlices.get(service);
    return slices && slices.length > 0 ? slices : undefined;
  };
  const changed = cache.refreshEndpoints(slicesOf, (spec) => backendWithEndpoints(ctx, spec), services);
  if (changed.size === 0) return previous;
  const gateways = new Map(previous.gateways);
  for (const [key, ir] of previous.gateways) {
    if (!ir.backends.some((b) => changed.has(b.name))) continue;
    // A gateway's client certificate (spec.tls.backend) rides on its own copy of the backend: keep it.
    gateways.set(key, { ...ir, backends: ir.backends.map((b) => {
      const next = changed.get(b.name);
      return next ? withClientCertificate(next, b.tls?.clientCertificate) : b;
    }) });
  }
  return { ...previous, gateways };
}

/** The slices labelled for one Service (`namespace/name`), in the set's order. */
function slicesOfService(resources: ResourceSet, service: string): EndpointSlice[] {
  const slash = service.indexOf('/');
  const [namespace, name] = [service.slice(0, slash), service.slice(slash + 1)];
  return resources.listIn('EndpointSlice', namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
}

/** A view of the set without EndpointSlices, so that making a context does not index them all. */
function withoutSlices(resources: ResourceSet): TranslationContext['resources'] {
  const view = Object.create(resources) as ResourceSet;
  view.list = ((kind: Parameters<ResourceSet['list']>[0]) => (kind === 'EndpointSlice' ? [] : resources.list(kind))) as ResourceSet['list'];
  return view;
}
