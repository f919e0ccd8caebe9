/**
 * An IngressBackend (networking/v1) as a route action. A Service backend names a port of a Service in
 * the Ingress's own namespace, by number or by name; it is resolved like a Gateway API backendRef
 * (backends.ts), so appProtocol, endpoints and BackendTLSPolicy apply the same way.
 *
 * Ingress has no conditions to report a broken reference on, so the answer itself has to be right:
 * - The Service (or the named port) does not exist, or cannot be used (an ExternalName Service that is
 *   not allowed or names a host that is refused, a UDP port): 503, what
 *   ingress-nginx answers for a Service without endpoints, and what a Service that exists but has no
 *   ready endpoint answers here too (an empty BackendIR). A reference that is not there yet and one
 *   that has nothing behind it look the same to a client, and both may heal without an Ingress change.
 * - `resource` backends (e.g. a StorageBucket) are not supported, and a BackendTLSPolicy that cannot be
 *   applied must not fall back to cleartext: 500, as Gateway API answers for a backend it cannot use.
 * Either way the path keeps its match and answers: it never falls through to another path or Ingress
 * (fail closed, as Gateway API rules do for a filter they cannot serve). The reason goes to
 * `IngressGateway.problems` (ingress-gateway.ts) and from there to the translation's diagnostics.
 */
import type { HTTPRouteIR } from '@portico/ir';
import type { IngressBackend } from '@portico/resources';
import { resolveBackendRef, servicePorts } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';

/** Where a route sends its requests: exactly one of the two. */
export type RouteAction = Pick<HTTPRouteIR, 'destination' | 'directResponse'>;

export type IngressAction = RouteAction & { problem?: string };

const INGRESS_REFERRER = { group: 'networking.k8s.io', kind: 'Ingress' };

/** ingress-nginx `backend-protocol` (annotations/routing/backend-protocol.ts): HTTP/2, and TLS that must be verified. */
export interface BackendProtocolNeeds {
  http2: boolean;
  tls: boolean;
}

export function resolveIngressBackend(ctx: TranslationContext, namespace: string, backend: IngressBackend, needs: BackendProtocolNeeds = { http2: false, tls: false }): IngressAction {
  const service = backend.service;
  if (!service) {
    const r = backend.resource;
    const what = r ? `${r.apiGroup || 'core'}/${r.kind} ${r.name}` : 'a backend without service';
    return { directResponse: { status: 500 }, problem: `${what} is not supported: only Service backends are` };
  }
  const display = `Service ${namespace}/${service.name}`;
  let port = service.port?.number;
  if (port === undefined) {
    const portName = service.port?.name;
    if (portName === undefined) return unavailable(`backend ${display} must specify a port`);
    const found = ctx.resources.get('Service', namespace, service.name);
    if (!found) return unavailable(`${display} does not exist`);
    port = servicePorts(found).find((p) => p.name === portName)?.port;
    if (port === undefined) return unavailable(`${display} has no port named ${portName}`);
  }
  // An Ingress may only reference Services of its own namespace: the ref carries no namespace.
  const resolution = resolveBackendRef(ctx, { ...INGRESS_REFERRER, namespace }, { name: service.name, port }, needs.http2 ? 'GRPC' : 'HTTP');
  if (!resolution.ok) return unavailable(resolution.message);
  if (resolution.invalidTLS) return { directResponse: { status: 500 }, problem: resolution.invalidTLS };
  if (needs.tls && !resolution.backend.tls) {
    return {
      directResponse: { status: 500 },
      problem: `backend-protocol asks for TLS to ${display} port ${port}, but no BackendTLSPolicy says how to verify its certificate: the path answers 500 (Portico sends neither cleartext nor unverified TLS there)`,
    };
  }
  const { hashPolicy, routeTimeouts } = resolution.backend;
  return {
    destination: {
      backends: [{ weight: 1, backend: resolution.backend.name }],
      ...(hashPolicy ? { hashPolicy } : {}),
      ...(routeTimeouts ? { backendTimeouts: routeTimeouts } : {}),
    },
  };
}

function unavailable(problem: string): IngressAction {
  return { directResponse: { status: 503 }, problem };
}
