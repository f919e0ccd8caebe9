/**
 * Endpoints of one Service port from its EndpointSlices (discovery.k8s.io/v1). Ready endpoints take
 * traffic; when none is ready, serving-but-terminating ones do, as kube-proxy falls back
 * (KEP-1669 ProxyTerminatingEndpoints). FQDN slices are not used: Envoy gets addresses only.
 */
import type { EndpointIR } from '@portico/ir';
import type { ServicePort } from '@portico/resources';
import type { TranslationContext } from './context.js';

export function serviceEndpoints(
  ctx: TranslationContext,
  namespace: string,
  service: string,
  port: ServicePort,
): EndpointIR[] {
  const ready: EndpointIR[] = [];
  const terminating: EndpointIR[] = [];
  const seen = new Set<string>();
  for (const slice of ctx.endpointSlices.get(`${namespace}/${service}`) ?? []) {
    if (slice.addressType === 'FQDN') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    // A slice without ports means "all ports": the target port must then be a number.
    const portNumber = slicePort?.port ?? (typeof port.targetPort === 'number' ? port.targetPort : undefined);
    if (portNumber === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      // `ready` unset means ready; `serving` unset means it follows `ready` (EndpointConditions docs).
      const isReady = ep.conditions?.ready ?? true;
      const isServing = ep.conditions?.serving ?? isReady;
      const isTerminating = ep.conditions?.terminating ?? false;
      for (const address of ep.addresses) {
        const key = `${address}:${portNumber}`;
        if (seen.has(key)) continue;
        const endpoint: EndpointIR = { address, port: portNumber, ...(ep.zone ? { zone: ep.zone } : {}) };
        if (isReady && !isTerminating) {
          seen.add(key);
          ready.push(endpoint);
        } else if (isServing && isTerminating) {
          seen.add(key);
          terminating.push({ ...endpoint, terminating: true });
        }
      }
    }
  }
  const chosen = ready.length > 0 ? ready : terminating;
  return chosen.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}
