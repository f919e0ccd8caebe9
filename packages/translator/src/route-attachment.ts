/**
 * Attaching a route to Gateway listeners through its parentRefs (httproute_types.go ParentReference,
 * gateway_types.go AllowedRoutes): sectionName and port narrow the listeners; each listener must allow
 * the route's kind and namespace, and for routes with hostnames the hostnames must intersect.
 */
import { GATEWAY_GROUP, type ParentReference, type Route } from '@portico/resources';
import type { TranslationContext } from './context.js';
import type { GatewayState } from './gateways.js';
import { intersectHostnames } from './hostnames.js';
import { matchesLabelSelector } from './label-selectors.js';
import type { ListenerState } from './listeners.js';

export interface Attachment {
  gateway: GatewayState;
  listener: ListenerState;
  /** The route's hostnames as served through this listener (`['*']` for any). */
  hostnames: string[];
}

export type ParentOutcome =
  | { parentRef: ParentReference; attachments: Attachment[] }
  | { parentRef: ParentReference; rejected: { reason: string; message: string } };

/** One outcome per parentRef that names one of our Gateways; other parents are not ours to judge. */
export function attachRoute(ctx: TranslationContext, route: Route, gateways: Map<string, GatewayState>): ParentOutcome[] {
  const outcomes: ParentOutcome[] = [];
  const namespace = route.metadata.namespace ?? 'default';
  for (const parentRef of route.spec.parentRefs ?? []) {
    if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentRef.kind ?? 'Gateway') !== 'Gateway') continue;
    const gateway = gateways.get(`${parentRef.namespace ?? namespace}/${parentRef.name}`);
    if (!gateway) continue;
    outcomes.push({ parentRef, ...attachToGateway(ctx, route, namespace, parentRef, gateway) });
  }
  return outcomes;
}

function attachToGateway(
  ctx: TranslationContext,
  route: Route,
  namespace: string,
  parentRef: ParentReference,
  gateway: GatewayState,
): { attachments: Attachment[] } | { rejected: { reason: string; message: string } } {
  const candidates = gateway.listeners.filter(
    (l) =>
      (parentRef.sectionName === undefined || l.spec.name === parentRef.sectionName) &&
      (parentRef.port === undefined || l.spec.port === parentRef.port),
  );
  if (candidates.length === 0) {
    const what = [
      parentRef.sectionName !== undefined ? `named ${parentRef.sectionName}` : '',
      parentRef.port !== undefined ? `on port ${parentRef.port}` : '',
    ].filter(Boolean).join(' ');
    return { rejected: { reason: 'NoMatchingParent', message: `Gateway ${gateway.key} has no listener ${what}`.trim() } };
  }
  const allowed = candidates.filter((l) => kindAllowed(l, route.kind) && namespaceAllowed(ctx, l, gateway.namespace, namespace));
  if (allowed.length === 0) {
    return { rejected: { reason: 'NotAllowedByListeners', message: notAllowedMessage(ctx, candidates, route, gateway, namespace) } };
  }
  const routeHostnames = 'hostnames' in route.spec ? route.spec.hostnames : undefined;
  const attachments: Attachment[] = [];
  for (const listener of allowed) {
    // TCP and UDP listeners have no hostname and their routes none: hostnames do not apply.
    const hostnames = route.kind === 'TCPRoute' || route.kind === 'UDPRoute' ? ['*'] : intersectHostnames(listener.spec.hostname, routeHostnames);
    if (hostnames.length > 0) attachments.push({ gateway, listener, hostnames });
  }
  if (attachments.length === 0) {
    const listenerHosts = allowed.map((l) => `${l.spec.name} (${l.spec.hostname ?? '*'})`).join(', ');
    return {
      rejected: {
        reason: 'NoMatchingListenerHostname',
        message: `none of the route's hostnames ${JSON.stringify(routeHostnames ?? [])} matches listener ${listenerHosts}`,
      },
    };
  }
  return { attachments };
}

function kindAllowed(listener: ListenerState, kind: string): boolean {
  return listener.supportedKinds.some((k) => k.kind === kind);
}

function namespaceAllowed(ctx: TranslationContext, listener: ListenerState, gatewayNamespace: string, routeNamespace: string): boolean {
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === gatewayNamespace;
    case 'Selector': {
      const selector = listener.spec.allowedRoutes?.namespaces?.selector;
      const ns = ctx.resources.get('Namespace', undefined, routeNamespace);
      return !!selector && !!ns && matchesLabelSelector(selector, ns.metadata.labels);
    }
    default:
      return false;
  }
}

function notAllowedMessage(ctx: TranslationContext, candidates: ListenerState[], route: Route, gateway: GatewayState, namespace: string): string {
  const reasons = candidates.map((l) => {
    if (!kindAllowed(l, route.kind)) {
      return `listener ${l.spec.name} does not allow ${route.kind} (allows ${l.supportedKinds.map((k) => k.kind).join(', ') || 'no kinds'})`;
    }
    const from = l.spec.allowedRoutes?.namespaces?.from ?? 'Same';
    const detail = from === 'Selector' && !ctx.resources.get('Namespace', undefined, namespace) ? `; Namespace ${namespace} is unknown, so its labels cannot match` : '';
    return `listener ${l.spec.name} allows routes from namespaces ${from}${from === 'Same' ? ` (${gateway.namespace})` : ''}, not ${namespace}${detail}`;
  });
  return reasons.join('; ');
}
