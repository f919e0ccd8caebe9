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
  const slices = ctx.endpointSlices.get(`${namespace}/${service}`);
  if (!slices) return [];
  // Keyed by `address:port`: slices may repeat an endpoint (e.g. while one is being replaced); the
  // first one seen is kept. Plain arrays and sets: every Service of the gateway comes through here.
  const ready: EndpointIR[] = [];
  const terminating: EndpointIR[] = [];
  const readyKeys = new Set<string>();
  const terminatingKeys = new Set<string>();
  const portName = port.name ?? '';
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    // Slice ports carry the Service port's name; a slice without it does not serve this port ("When
    // ports is empty, it indicates that there are no defined ports"). A port entry without a number
    // means "all ports" (EndpointSlice.ports docs): the Service's numeric targetPort then applies.
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (!slicePort) continue;
    const portNumber = slicePort.port ?? (typeof port.targetPort === 'number' ? port.targetPort : undefined);
    if (portNumber === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      // EndpointConditions docs: `ready` and `serving` unset mean true, `terminating` unset means false.
      // Like kube-proxy, a ready endpoint takes traffic even when terminating (publishNotReadyAddresses).
      const isReady = ep.conditions?.ready ?? true;
      const isServing = ep.conditions?.serving ?? true;
      const isTerminating = ep.conditions?.terminating ?? false;
      if (!isReady && !(isServing && isTerminating)) continue;
      for (const address of ep.addresses) {
        const key = `${address}:${portNumber}`;
        if (isReady) {
          if (readyKeys.has(key)) continue;
          readyKeys.add(key);
          ready.push(ep.zone ? { address, port: portNumber, zone: ep.zone } : { address, port: portNumber });
        } else if (!terminatingKeys.has(key)) {
          terminatingKeys.add(key);
          terminating.push(ep.zone ? { address, port: portNumber, zone: ep.zone, terminating: true } : { address, port: portNumber, terminating: true });
        }
      }
    }
  }
  const chosen = ready.length > 0 ? ready : terminating;
  return chosen.sort(compareEndpoints);
}

function compareEndpoints(a: EndpointIR, b: EndpointIR): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port;
}
