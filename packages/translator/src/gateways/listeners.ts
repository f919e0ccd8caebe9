/**
 * Listener validation (gateway_types.go Listener): protocol, route kinds, TLS certificates. Conflicts
 * between listeners are found separately (listener-conflicts.ts) because they need the whole Gateway.
 */
import type { CertificateIR, ClientValidationIR } from '@portico/ir';
import { GATEWAY_GROUP, type Listener, type RouteGroupKind } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { resolveCertificateRef } from './certificates.js';

/** How a listener shares its port: HTTP alone, HTTPS and TLS by SNI, TCP alone, UDP on its own transport. */
export type PortClass = 'http' | 'sni' | 'tcp' | 'udp';

export interface ListenerProblem {
  reason: string;
  message: string;
}

/** The object a listener is declared in: its Gateway, or a ListenerSet attached to it (GEP-1713). */
export interface ListenerOwner {
  kind: 'Gateway' | 'ListenerSet';
  namespace: string;
  name: string;
}

export interface ListenerState {
  spec: Listener;
  owner: ListenerOwner;
  /**
   * The listener's name in the IR: its own name on the Gateway; on a ListenerSet, where names need
   * only be unique within the set, `<namespace>/<listenerset>/<name>` (names cannot contain `/`).
   */
  irName: string;
  portClass: PortClass | undefined;
  supportedKinds: RouteGroupKind[];
  /** Accepted=False reason, when the listener cannot produce any config. */
  notAccepted?: ListenerProblem;
  /** Conflicted=True reason. */
  conflicted?: ListenerProblem;
  /** ResolvedRefs=False reasons (route kinds, certificates). */
  unresolved: ListenerProblem[];
  /** OverlappingTLSConfig=True, when it applies. */
  overlapping?: ListenerProblem;
  certificates: CertificateIR[];
  /** Gateway `spec.tls.frontend` validation for this listener's port (frontend-validation.ts). */
  clientValidation?: ClientValidationIR;
  attachedRoutes: number;
}

const ROUTE_KINDS_BY_PROTOCOL: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/**
 * A TLS listener in Terminate mode also carries TCPRoutes: Envoy ends the TLS session and proxies the
 * decrypted stream (tlsroute_types.go: "If you need to forward traffic to a single target for a TLS
 * listener, you could choose to use a TCPRoute with a TLS listener"). In Passthrough mode the stream
 * stays encrypted and only TLSRoute applies (conformance TLSRouteListenerPassthroughSupportedKinds:
 * a TCPRoute kind there is InvalidRouteKinds).
 */
const TLS_TERMINATE_ROUTE_KINDS = ['TLSRoute', 'TCPRoute'];

/** The route kinds a listener can carry, by protocol (and TLS mode), or undefined for an unknown protocol. */
function routeKindsOf(listener: Listener): string[] | undefined {
  if (listener.protocol === 'TLS' && listener.tls?.mode === 'Terminate') return TLS_TERMINATE_ROUTE_KINDS;
  return ROUTE_KINDS_BY_PROTOCOL[listener.protocol];
}

/** `protocol TLS with tls.mode Passthrough` for TLS listeners, whose mode decides the kinds; `protocol X` otherwise. */
function protocolDescription(listener: Listener): string {
  return listener.protocol === 'TLS' && listener.tls?.mode ? `protocol TLS with tls.mode ${listener.tls.mode}` : `protocol ${listener.protocol}`;
}

const PORT_CLASS: Record<string, PortClass> = { HTTP: 'http', HTTPS: 'sni', TLS: 'sni', TCP: 'tcp', UDP: 'udp' };

export function validateListener(ctx: TranslationContext, owner: ListenerOwner, listener: Listener): ListenerState {
  const state: ListenerState = {
    spec: listener,
    owner,
    irName: owner.kind === 'Gateway' ? listener.name : `${owner.namespace}/${owner.name}/${listener.name}`,
    portClass: PORT_CLASS[listener.protocol],
    supportedKinds: [],
    unresolved: [],
    certificates: [],
    attachedRoutes: 0,
  };
  const valid = routeKindsOf(listener);
  if (!valid) {
    state.notAccepted = {
      reason: 'UnsupportedProtocol',
      message: `protocol ${listener.protocol} is not supported: use HTTP, HTTPS, TLS, TCP or UDP`,
    };
    return state;
  }
  if (listener.port < 1 || listener.port > 65535) {
    state.notAccepted = { reason: 'PortUnavailable', message: `port ${listener.port} is out of range 1-65535` };
  }
  // Reserved ports are TCP; a UDP listener does not compete for them.
  const reservedBy = listener.protocol === 'UDP' ? undefined : ctx.options.reservedPorts.get(listener.port);
  if (reservedBy) state.notAccepted = { reason: 'PortUnavailable', message: `port ${listener.port} is reserved for ${reservedBy}` };
  refuseListenerFilters(state);
  resolveRouteKinds(state, valid);
  resolveTLS(ctx, owner, state);
  return state;
}

/**
 * `filters.requests` (v1.7.0, GatewayListenerFilters: ExternalAuth, ExtensionRef) run before routing on
 * every request of the listener, typically to authorize it. Portico does not implement them, and
 * serving the listener without them would let through requests the filters exist to stop: the listener
 * is refused (fail closed) instead, as the spec asks for a listener whose settings cannot be honoured.
 */
function refuseListenerFilters(state: ListenerState): void {
  const requests = state.spec.filters?.requests ?? [];
  if (requests.length === 0) return;
  const types = [...new Set(requests.map((f) => f.type))].join(', ');
  state.notAccepted = {
    reason: 'UnsupportedValue',
    message: `listener filters (filters.requests: ${types}) are not supported; the listener is not programmed rather than served without them`,
  };
}

function resolveRouteKinds(state: ListenerState, valid: string[]): void {
  const requested = state.spec.allowedRoutes?.kinds;
  if (!requested || requested.length === 0) {
    state.supportedKinds = valid.map((kind) => ({ group: GATEWAY_GROUP, kind }));
    return;
  }
  const invalid: string[] = [];
  for (const k of requested) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && valid.includes(k.kind)) {
      if (!state.supportedKinds.some((s) => s.kind === k.kind)) state.supportedKinds.push({ group, kind: k.kind });
    } else invalid.push(`${group}/${k.kind}`);
  }
  if (invalid.length > 0) {
    state.unresolved.push({
      reason: 'InvalidRouteKinds',
      message: `route kinds ${invalid.join(', ')} are not supported by ${protocolDescription(state.spec)} (supported: ${valid.join(', ')})`,
    });
  }
}

function resolveTLS(ctx: TranslationContext, owner: ListenerOwner, state: ListenerState): void {
  const { protocol, tls } = state.spec;
  const mode = tls?.mode ?? 'Terminate';
  const terminates = protocol === 'HTTPS' || (protocol === 'TLS' && mode === 'Terminate');
  if (protocol === 'HTTPS' && mode !== 'Terminate') {
    state.notAccepted = { reason: 'UnsupportedValue', message: 'an HTTPS listener must use tls.mode Terminate' };
    return;
  }
  if (protocol === 'TLS' && !tls?.mode) {
    state.notAccepted = { reason: 'UnsupportedValue', message: 'a TLS listener must set tls.mode (Terminate or Passthrough)' };
    return;
  }
  if (!terminates) return;
  const refs = tls?.certificateRefs ?? [];
  if (refs.length === 0) {
    state.unresolved.push({ reason: 'InvalidCertificateRef', message: `protocol ${protocol} terminates TLS and needs at least one certificateRef` });
    return;
  }
  for (const ref of refs) {
    const result = resolveCertificateRef(ctx, owner.namespace, ref, owner.kind);
    if (result.ok) state.certificates.push(result.certificate);
    else state.unresolved.push({ reason: result.reason, message: result.message });
  }
}

/** Can this listener produce data-plane config? */
export function isProgrammable(state: ListenerState): boolean {
  if (state.notAccepted || state.conflicted || state.supportedKinds.length === 0) return false;
  const terminates = state.spec.protocol === 'HTTPS' || (state.spec.protocol === 'TLS' && state.spec.tls?.mode === 'Terminate');
  return !terminates || state.certificates.length > 0;
}
