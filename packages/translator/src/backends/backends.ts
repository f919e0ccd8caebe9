/**
 * Resolution of a route's backendRef to a Service port (httproute_types.go BackendRef): kind, namespace
 * permission (ReferenceGrant), existence, port and protocol. Failures become ResolvedRefs reasons;
 * the route stays Accepted and the share of the weight answers 500.
 */
import type { BackendPolicyIR, BackendRouteTimeoutsIR, HashPolicyIR, RetryBudgetIR, UpstreamProtocol, UpstreamTLSIR } from '@portico/ir';
import type { BackendObjectReference, ServicePort } from '@portico/resources';
import { backendTLS } from './backend-tls.js';
import { checkExternalName } from './external-name-backends.js';
import { serviceRetryBudget } from '../policies/backend-traffic-policy.js';
import { backendPolicyFor } from '../policies/backend-policy.js';
import type { TranslationContext } from '../context.js';
import { isReferenceAllowed } from './reference-grants.js';

/**
 * A resolved Service port, without its endpoints: routes depend on this, and only the gateway's
 * backend list (backend-endpoints.ts) adds the endpoints, so an EndpointSlice change never touches
 * a route's translation.
 */
export interface BackendSpec {
  /** `<namespace>/<service>/<port>/<protocol>`, the BackendIR name. */
  name: string;
  service: { namespace: string; name: string; port: number };
  protocol: UpstreamProtocol;
  servicePort: ServicePort;
  tls?: UpstreamTLSIR;
  /** An ExternalName Service's DNS name (external-name-backends.ts): no endpoints, Envoy resolves it. */
  externalName?: string;
  /** From the XBackendTrafficPolicy targeting the Service (HTTP and HTTP/2 backends). */
  retryBudget?: RetryBudgetIR;
  /** From the BackendPolicy targeting the Service or this port of it (stream backends: HTTP, HTTP/2, TCP). */
  policy?: BackendPolicyIR;
  /** The policy's consistent-hash key, for the routes that send here (RingHash and Maglev only). */
  hashPolicy?: HashPolicyIR;
  /** The policy's route timeout defaults (`timeouts.request`, `timeouts.streamIdle`), for the HTTP routes that send here. */
  routeTimeouts?: BackendRouteTimeoutsIR;
}

/** The spec's ResolvedRefs reasons, and UnsupportedValue for an ExternalName this gateway will not use. */
export type BackendRefReason = 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | 'UnsupportedProtocol' | 'UnsupportedValue';

export type BackendResolution =
  | { ok: true; backend: BackendSpec; invalidTLS?: string }
  | { ok: false; reason: BackendRefReason; message: string };

/** The object holding the reference: its kind decides which ReferenceGrants apply. */
export interface ReferrerRef {
  group: string;
  kind: string;
  namespace: string;
}

/** Route kinds decide the wire protocol towards the backend. */
export type ProtocolHint = 'HTTP' | 'GRPC' | 'TCP' | 'UDP';

const HTTP2_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'h2c', 'grpc', 'http2', 'h2']);

/**
 * A Service's ports. The loader gives every Service a spec (as the API server does), but a Service is
 * read by every route that uses it: one without spec, or with malformed ports, has no ports here rather
 * than failing those routes (the routes report BackendNotFound, an honest answer).
 */
export function servicePorts(service: { spec?: { ports?: unknown } } | undefined): ServicePort[] {
  const ports = service?.spec?.ports;
  return Array.isArray(ports) ? (ports as unknown[]).filter((p): p is ServicePort => typeof p === 'object' && p !== null) : [];
}

export function resolveBackendRef(
  ctx: TranslationContext,
  from: ReferrerRef,
  ref: BackendObjectReference,
  hint: ProtocolHint,
): BackendResolution {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? from.namespace;
  if (group !== '' || kind !== 'Service') {
    return { ok: false, reason: 'InvalidKind', message: `backendRef ${group || 'core'}/${kind} ${ref.name} is not supported: only core Services are` };
  }
  // Only messages name the backend: made when one is written, not for each of thousands of refs.
  const display = () => `${kind} ${namespace}/${ref.name}`;
  // Within its own namespace a reference needs no grant (isReferenceAllowed): no target to describe.
  if (namespace !== from.namespace && !isReferenceAllowed(ctx.resources, from, { group: '', kind: 'Service', namespace, name: ref.name })) {
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `backendRef to ${display()} is not permitted: no ReferenceGrant in namespace ${namespace} allows ${from.kind}s from namespace ${from.namespace} to refer to it`,
    };
  }
  const service = ctx.resources.get('Service', namespace, ref.name);
  if (!service) return { ok: false, reason: 'BackendNotFound', message: `${display()} does not exist` };
  let externalName: string | undefined;
  if (service.spec?.type === 'ExternalName') {
    const check = checkExternalName(ctx.options.externalNameServices, display(), service.spec.externalName);
    if (!check.ok) return check;
    externalName = check.hostname;
  }
  if (ref.port === undefined) {
    return { ok: false, reason: 'BackendNotFound', message: `backendRef to ${display()} must specify a port` };
  }
  // One port number may be served over both TCP and UDP (e.g. DNS): pick the transport the route needs.
  const wanted = hint === 'UDP' ? 'UDP' : 'TCP';
  const declared = servicePorts(service);
  const numbered = declared.filter((p) => p.port === ref.port);
  // An ExternalName Service needs no ports (the CNAME carries none): the backendRef's port is used as is.
  const port = numbered.find((p) => (p.protocol ?? 'TCP') === wanted) ?? numbered[0] ?? (externalName !== undefined && declared.length === 0 ? { port: ref.port, protocol: wanted } : undefined);
  if (!port) return { ok: false, reason: 'BackendNotFound', message: `${display()} has no port ${ref.port}` };

  const transport = port.protocol ?? 'TCP';
  const wantsUDP = hint === 'UDP';
  if (transport === 'SCTP' || (transport === 'UDP') !== wantsUDP) {
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `${display()} port ${ref.port} is ${transport}, but ${from.kind} traffic needs ${wantsUDP ? 'UDP' : 'TCP'}`,
    };
  }
  const protocol = upstreamProtocol(hint, port.appProtocol);
  const name = `${namespace}/${ref.name}/${ref.port}/${protocol.toLowerCase()}`;
  let backend = ctx.backends.get(name);
  let invalidTLS: string | undefined;
  // BackendTLSPolicy is applied to HTTP traffic (HTTPRoute, GRPCRoute, Ingress) here. TCPRoute and
  // passthrough TLSRoute carry the client's own byte stream, often TLS already: Portico does not wrap
  // it again. A TLSRoute on a Terminate listener re-encrypts through reencryptingBackend().
  const tls: ReturnType<typeof backendTLS> = protocol === 'HTTP' || protocol === 'HTTP2' ? backendTLS(ctx, namespace, ref.name, port.name) : { kind: 'none' };
  if (tls.kind === 'invalid') invalidTLS = tls.message;
  // Retries are an HTTP notion: TCP and UDP backends take no retry budget.
  const retryBudget = protocol === 'HTTP' || protocol === 'HTTP2' ? serviceRetryBudget(ctx, namespace, ref.name) : undefined;
  // UDP backends get no cluster of their own (udp-clusters.ts), so nothing to apply a policy to.
  const applied = protocol === 'UDP' ? undefined : backendPolicyFor(ctx, namespace, ref.name, port.name);
  if (!backend) {
    backend = {
      name,
      service: { namespace, name: ref.name, port: ref.port },
      protocol,
      servicePort: port,
      ...(tls.kind === 'valid' ? { tls: tls.tls } : {}),
      ...(externalName === undefined ? {} : { externalName }),
      ...(retryBudget ? { retryBudget } : {}),
      ...(applied ? { policy: applied.settings } : {}),
      ...(applied?.hashPolicy ? { hashPolicy: applied.hashPolicy } : {}),
      ...routeTimeoutsOf(applied?.settings),
    };
    ctx.backends.set(name, backend);
  }
  ctx.usedBackends?.push(backend);
  return invalidTLS ? { ok: true, backend, invalidTLS } : { ok: true, backend };
}

export type ReencryptingBackend =
  | { kind: 'none' }
  | { kind: 'valid'; backend: BackendSpec }
  | { kind: 'invalid'; message: string };

/**
 * The re-encrypting twin of a resolved TCP backend, for TLSRoutes on Terminate listeners: the
 * BackendTLSPolicy CRD lists "TLSRoute with termination" among the routes it applies to. The gateway
 * has decrypted the client's stream, so it opens TLS to the backend with the policy's SNI and CA. The
 * twin is a backend of its own (`.../tls`), so a Passthrough listener or a TCPRoute using the same
 * Service port keeps the plain cluster and never wraps the client's TLS a second time.
 */
export function reencryptingBackend(ctx: TranslationContext, backend: BackendSpec): ReencryptingBackend {
  const { namespace, name: service, port } = backend.service;
  const tls = backendTLS(ctx, namespace, service, backend.servicePort.name);
  if (tls.kind !== 'valid') return tls;
  const name = `${namespace}/${service}/${port}/tls`;
  let twin = ctx.backends.get(name);
  if (!twin) {
    twin = {
      name,
      service: backend.service,
      protocol: 'TCP',
      servicePort: backend.servicePort,
      tls: tls.tls,
      ...(backend.externalName === undefined ? {} : { externalName: backend.externalName }),
      // The same Service port: its BackendPolicy applies to the re-encrypting cluster too.
      ...(backend.policy ? { policy: backend.policy } : {}),
    };
    ctx.backends.set(name, twin);
  }
  ctx.usedBackends?.push(twin);
  return { kind: 'valid', backend: twin };
}

function upstreamProtocol(hint: ProtocolHint, appProtocol: string | undefined): UpstreamProtocol {
  switch (hint) {
    case 'GRPC':
      return 'HTTP2';
    case 'HTTP':
      return appProtocol && HTTP2_APP_PROTOCOLS.has(appProtocol) ? 'HTTP2' : 'HTTP';
    default:
      return hint;
  }
}

/** A policy's route-level timeouts (a backend's routes take them as defaults); nothing when it sets neither. */
function routeTimeoutsOf(policy: BackendPolicyIR | undefined): { routeTimeouts?: BackendRouteTimeoutsIR } {
  const t = policy?.timeouts;
  if (!policy || !t || (t.requestMs === undefined && t.streamIdleMs === undefined)) return {};
  return {
    routeTimeouts: {
      policy: policy.policy,
      ...(t.requestMs === undefined ? {} : { requestMs: t.requestMs }),
      ...(t.streamIdleMs === undefined ? {} : { streamIdleMs: t.streamIdleMs }),
    },
  };
}
