/**
 * Endpoints of one Service port from its EndpointSlices (discovery.k8s.io/v1). Ready endpoints take
 * traffic; when none is ready, serving-but-terminating ones do, as kube-proxy falls back
 * (KEP-1669 ProxyTerminatingEndpoints). FQDN slices are not used: Envoy gets addresses only.
 */
import type { EndpointIR } from '@portico/ir';
import type { ServicePort } from '@portico/resources';
import type { TranslationContext } from '../context.js';

export function serviceEndpoints(
  ctx: TranslationContext,
  namespace: string,
  service: string,
  port: ServicePort,
): EndpointIR[] {
  // Keyed by `address:port`: slices may repeat an endpoint (e.g. while one is being replaced).
  const ready = new Map<string, EndpointIR>();
  const terminating = new Map<string, EndpointIR>();
  for (const slice of ctx.endpointSlices.get(`${namespace}/${service}`) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    // Slice ports carry the Service port's name; a slice without it does not serve this port ("When
    // ports is empty, it indicates that there are no defined ports"). A port entry without a number
    // means "all ports" (EndpointSlice.ports docs): the Service's numeric targetPort then applies.
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    if (!slicePort) continue;
    const portNumber = slicePort.port ?? (typeof port.targetPort === 'number' ? port.targetPort : undefined);
    if (portNumber === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      // EndpointConditions docs: `ready` and `serving` unset mean true, `terminating` unset means false.
      // Like kube-proxy, a ready endpoint takes traffic even when terminating (publishNotReadyAddresses).
      const isReady = ep.conditions?.ready ?? true;
      const isServing = ep.conditions?.serving ?? true;
      const isTerminating = ep.conditions?.terminating ?? false;
      for (const address of ep.addresses) {
        const key = `${address}:${portNumber}`;
        const endpoint: EndpointIR = { address, port: portNumber, ...(ep.zone ? { zone: ep.zone } : {}) };
        if (isReady) {
          if (!ready.has(key)) ready.set(key, endpoint);
        } else if (isServing && isTerminating) {
          if (!terminating.has(key)) terminating.set(key, { ...endpoint, terminating: true });
        }
      }
    }
  }
  const chosen = [...(ready.size > 0 ? ready : terminating).values()];
  return chosen.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}
