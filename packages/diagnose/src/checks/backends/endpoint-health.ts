/**
 * The endpoints of one Service port as its EndpointSlices describe them, sorted into what takes
 * traffic and what does not, with the same rules the translator applies (discovery.k8s.io/v1
 * EndpointConditions: `ready`/`serving` unset mean true, `terminating` unset means false; serving
 * terminating endpoints take traffic only when none is ready, as kube-proxy falls back, KEP-1669).
 */
import type { ResourceSet, ServicePort } from '@portico/resources';

export interface EndpointHealth {
  /** EndpointSlices labelled for the Service. */
  slices: number;
  /** Slices that list this port (by the Service port's name). */
  slicesWithPort: number;
  ready: number;
  /** Serving but terminating: used only while none is ready. */
  terminating: number;
  /** Neither ready nor serving-terminating: failing readiness, or terminating and no longer serving. */
  notReady: number;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function endpointHealth(resources: ResourceSet, namespace: string, service: string, port: ServicePort): EndpointHealth {
  const health: EndpointHealth = { slices: 0, slicesWithPort: 0, ready: 0, terminating: 0, notReady: 0 };
  const seen = new Set<string>();
  for (const slice of resources.listIn('EndpointSlice', namespace)) {
    if (slice.metadata.labels?.[SERVICE_NAME_LABEL] !== service || slice.addressType === 'FQDN') continue;
    health.slices++;
    if (!(slice.ports ?? []).some((p) => (p.name ?? '') === (port.name ?? ''))) continue;
    health.slicesWithPort++;
    for (const ep of slice.endpoints ?? []) {
      const ready = ep.conditions?.ready ?? true;
      const serving = ep.conditions?.serving ?? true;
      const terminating = ep.conditions?.terminating ?? false;
      for (const address of ep.addresses ?? []) {
        // A slice may repeat an endpoint of another (while one is being replaced): count it once.
        if (seen.has(address)) continue;
        seen.add(address);
        if (ready) health.ready++;
        else if (serving && terminating) health.terminating++;
        else health.notReady++;
      }
    }
  }
  return health;
}
