/**
 * Listener link: each listener of our Gateways and of the ListenerSets attached to them, as its status
 * says (gateway_types.go ListenerConditionType): conflicts, refused protocols and ports, route kinds it
 * cannot carry, certificateRefs that do not resolve (the status side only: what is wrong inside a
 * certificate is the TLS link's), and listeners no route attaches to. One OK per healthy listener.
 */
import type { Condition, Listener, ListenerStatus } from '@portico/resources';
import type { Check, Finding, ObjectRef } from '../../findings.js';
import { condition, keyOf, namespaceOf, ourGateways, refOf, statusOf } from '../chain-objects.js';

interface ListenerOwner {
  object: ObjectRef;
  gateway: string;
  /** The object's listeners, to name the ones a conflict is with. */
  listeners: readonly Listener[];
  statuses: readonly ListenerStatus[];
  /** How a route names this owner in its parentRefs. */
  parentRef: string;
}

export const listenerCheck: Check = (input) => {
  const owners: ListenerOwner[] = [];
  for (const g of ourGateways(input)) {
    const status = statusOf(input, 'Gateway', namespaceOf(g), g.metadata.name)!;
    owners.push({ object: refOf(g), gateway: keyOf(g), listeners: g.spec.listeners ?? [], statuses: status.listeners ?? [], parentRef: `{ name: ${g.metadata.name} }` });
  }
  for (const ls of input.resources.list('ListenerSet')) {
    const status = statusOf(input, 'ListenerSet', namespaceOf(ls), ls.metadata.name);
    if (!status) continue;
    const gateway = `${ls.spec.parentRef.namespace ?? namespaceOf(ls)}/${ls.spec.parentRef.name}`;
    owners.push({ object: refOf(ls), gateway, listeners: ls.spec.listeners ?? [], statuses: status.listeners ?? [], parentRef: `{ kind: ListenerSet, name: ${ls.metadata.name} }` });
  }
  return owners.flatMap((owner) =>
    owner.listeners.flatMap((listener, index) => {
      const status = owner.statuses.find((s) => s.name === listener.name);
      return status ? listenerFindings(owner, listener, index, status) : [];
    }),
  );
};

function listenerFindings(owner: ListenerOwner, listener: Listener, index: number, status: ListenerStatus): Finding[] {
  const field = `spec.listeners[${index}]`;
  const base = { link: 'Listener' as const, gateway: owner.gateway, object: owner.object };
  const name = describe(listener);
  const c = (type: string) => condition(status.conditions, type);
  const findings: Finding[] = [];
  const conflicted = c('Conflicted');
  const accepted = c('Accepted');
  if (conflicted?.status === 'True') {
    findings.push({ ...base, level: 'FAIL', field, code: conflicted.reason, message: `${name} is conflicted and not served: ${conflicted.message}`, fix: conflictFix(owner, listener) });
  } else if (accepted?.status === 'False') {
    findings.push({ ...base, level: 'FAIL', field: notAcceptedField(field, accepted), code: accepted.reason, message: `${name} is not accepted: ${accepted.message}`, fix: notAcceptedFix(accepted) });
  }
  const resolved = c('ResolvedRefs');
  if (resolved?.status === 'False') findings.push({ ...base, ...unresolved(field, name, resolved, status) });
  const programmed = c('Programmed');
  if (programmed?.status === 'False' && !findings.some((f) => f.level === 'FAIL')) {
    findings.push({ ...base, level: 'FAIL', field, code: 'ListenerNotProgrammed', message: `${name} is not programmed: ${programmed.message}`, fix: 'see the message: the listener produces no configuration until it is fixed' });
  }
  const overlapping = c('OverlappingTLSConfig');
  if (overlapping?.status === 'True') {
    findings.push({
      ...base,
      level: 'WARN',
      field: `${field}.hostname`,
      code: 'OverlappingTLSConfig',
      message: `${name}: ${overlapping.message}; a browser may reuse a connection for the other hostname and get this listener's certificate and routes`,
      fix: 'give each HTTPS listener on the port a certificate covering both hostnames, or use hostnames that do not overlap',
    });
  }
  if (findings.length === 0 && status.attachedRoutes === 0) {
    findings.push({
      ...base,
      level: 'WARN',
      field,
      code: 'NoRoutesAttached',
      message: `${name} is programmed, but no route is attached to it: it answers 404 to every request`,
      fix: `attach a route: parentRefs: [${owner.parentRef.replace(/ }$/, `, sectionName: ${listener.name} }`)}] (see the Route findings for routes that tried)`,
    });
  }
  if (findings.length === 0) {
    const routes = status.attachedRoutes === 1 ? '1 route' : `${status.attachedRoutes} routes`;
    findings.push({ ...base, level: 'OK', field, code: 'Programmed', message: `${name} is programmed with ${routes} attached` });
  }
  return findings;
}

/** `listener https (HTTPS :443, shop.example.com)`. */
export function describe(listener: Listener): string {
  return `listener ${listener.name} (${listener.protocol} :${listener.port}${listener.hostname ? `, ${listener.hostname}` : ''})`;
}

function conflictFix(owner: ListenerOwner, listener: Listener): string {
  const samePort = owner.listeners.filter((l) => l !== listener && l.port === listener.port).map((l) => `${l.name} (${l.protocol}${l.hostname ? ` ${l.hostname}` : ''})`);
  const others = samePort.length > 0 ? ` (port ${listener.port} is also used by ${samePort.join(', ')})` : '';
  return `give listener ${listener.name} a port, or a hostname, that no other listener of its protocol group uses${others}; HTTP shares a port only with HTTP, HTTPS and TLS share one by hostname, TCP and UDP never share`;
}

function notAcceptedField(field: string, accepted: Condition): string {
  if (accepted.reason === 'UnsupportedProtocol') return `${field}.protocol`;
  if (accepted.reason === 'PortUnavailable') return `${field}.port`;
  if (/filters\.requests/.test(accepted.message)) return `${field}.filters.requests`;
  if (/tls\.mode/.test(accepted.message)) return `${field}.tls.mode`;
  return field;
}

function notAcceptedFix(accepted: Condition): string {
  switch (accepted.reason) {
    case 'UnsupportedProtocol':
      return 'use protocol HTTP, HTTPS, TLS, TCP or UDP';
    case 'PortUnavailable':
      return 'use another port (1-65535, not one Portico reserves)';
    default:
      if (/filters\.requests/.test(accepted.message)) return 'remove filters.requests from the listener, or put the filters on the routes (HTTPRoute filters)';
      if (/tls\.mode/.test(accepted.message)) return 'HTTPS listeners use tls.mode Terminate; TLS listeners set tls.mode Terminate or Passthrough';
      return 'change the listener as the message says';
  }
}

function unresolved(field: string, name: string, resolved: Condition, status: ListenerStatus): Omit<Finding, 'link' | 'gateway' | 'object'> {
  if (resolved.reason === 'InvalidRouteKinds') {
    const carried = status.supportedKinds.map((k) => k.kind).join(', ');
    return {
      level: status.supportedKinds.length > 0 ? 'WARN' : 'FAIL',
      field: `${field}.allowedRoutes.kinds`,
      code: resolved.reason,
      message: `${name}: ${resolved.message}`,
      fix: carried ? `remove the unsupported kinds from allowedRoutes.kinds (this listener carries ${carried})` : 'list route kinds this protocol carries in allowedRoutes.kinds, or remove allowedRoutes.kinds',
    };
  }
  // Gateway spec.tls.frontend CA references are reported on the listeners of their port.
  const frontend = /CACertificate/.test(resolved.reason) || /caCertificateRef/.test(resolved.message);
  return {
    level: 'FAIL',
    field: frontend ? 'spec.tls.frontend' : `${field}.tls.certificateRefs`,
    code: resolved.reason,
    message: `${name}: ${resolved.message}`,
    fix:
      resolved.reason === 'RefNotPermitted'
        ? 'apply the ReferenceGrant shown under ReferenceGrant'
        : frontend
          ? 'point caCertificateRefs at a ConfigMap (or Secret) with a PEM ca.crt'
          : 'point certificateRefs at an existing kubernetes.io/tls Secret (core group) holding tls.crt and a matching tls.key',
  };
}
