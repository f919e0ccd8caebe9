/**
 * Attaching a route to Gateway listeners through its parentRefs (httproute_types.go ParentReference,
 * gateway_types.go AllowedRoutes): sectionName and port narrow the listeners; each listener must allow
 * the route's kind and namespace, and for routes with hostnames the hostnames must intersect.
 *
 * A parentRef is a Gateway or a ListenerSet (GEP-1713 "Route Attachment"), and it is the route's
 * direct parent: a Gateway parentRef reaches the Gateway's own listeners only, never those of its
 * ListenerSets (even by sectionName), and a ListenerSet parentRef only the set's listeners, whose
 * `allowedRoutes.namespaces.from: Same` means the ListenerSet's namespace.
 */
import { GATEWAY_GROUP, type ParentReference, type Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { GatewayState } from '../gateways/gateways.js';
import { intersectHostnames } from './hostnames.js';
import { matchesLabelSelector } from '../gateways/label-selectors.js';
import { isAttached, type ListenerSetState } from '../gateways/listener-sets.js';
import type { ListenerState } from '../gateways/listeners.js';

export interface Attachment {
  gateway: GatewayState;
  listener: ListenerState;
  /** The route's hostnames as served through this listener (`['*']` for any). */
  hostnames: string[];
}

export type ParentOutcome =
  | { parentRef: ParentReference; attachments: Attachment[] }
  | { parentRef: ParentReference; rejected: { reason: string; message: string } };

/** The objects a route's parentRefs can name: our Gateways and the ListenerSets that name them as parent. */
export interface AttachmentParents {
  gateways: ReadonlyMap<string, GatewayState>;
  listenerSets: ReadonlyMap<string, ListenerSetState>;
}

/** A parentRef's direct parent: whose listeners it reaches, and whose namespace `from: Same` means. */
interface DirectParent {
  /** `Gateway ns/name` or `ListenerSet ns/name`, for messages. */
  display: string;
  namespace: string;
  listeners: ListenerState[];
  gateway: GatewayState;
}

/** One outcome per parentRef that names one of our Gateways or ListenerSets; other parents are not ours to judge. */
export function attachRoute(ctx: TranslationContext, route: Route, parents: AttachmentParents): ParentOutcome[] {
  const outcomes: ParentOutcome[] = [];
  const namespace = route.metadata.namespace ?? 'default';
  for (const parentRef of route.spec.parentRefs ?? []) {
    const parent = ourParent(parents, parentRef, namespace);
    if (!parent) continue;
    if ('gateway' in parent) {
      const direct = { display: `Gateway ${parent.gateway.key}`, namespace: parent.gateway.namespace, listeners: parent.gateway.listeners, gateway: parent.gateway };
      outcomes.push({ parentRef, ...attachToParent(ctx, route, namespace, parentRef, direct) });
      continue;
    }
    const ls = parent.listenerSet;
    if (!isAttached(ls)) {
      const why = ls.notAttached ?? ls.invalid!;
      outcomes.push({ parentRef, rejected: { reason: 'NoMatchingParent', message: `ListenerSet ${ls.key} is not attached to Gateway ${ls.gateway.key}: ${why.message}` } });
      continue;
    }
    const direct = { display: `ListenerSet ${ls.key}`, namespace: ls.namespace, listeners: ls.listeners, gateway: ls.gateway };
    outcomes.push({ parentRef, ...attachToParent(ctx, route, namespace, parentRef, direct) });
  }
  return outcomes;
}

/** The Gateway or ListenerSet of ours a parentRef names, if any. */
export function ourParent(
  parents: AttachmentParents,
  parentRef: ParentReference,
  routeNamespace: string,
): { gateway: GatewayState } | { listenerSet: ListenerSetState } | undefined {
  if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return undefined;
  const key = `${parentRef.namespace ?? routeNamespace}/${parentRef.name}`;
  switch (parentRef.kind ?? 'Gateway') {
    case 'Gateway': {
      const gateway = parents.gateways.get(key);
      return gateway ? { gateway } : undefined;
    }
    case 'ListenerSet': {
      const listenerSet = parents.listenerSets.get(key);
      return listenerSet ? { listenerSet } : undefined;
    }
    default:
      return undefined;
  }
}

function attachToParent(
  ctx: TranslationContext,
  route: Route,
  namespace: string,
  parentRef: ParentReference,
  parent: DirectParent,
): { attachments: Attachment[] } | { rejected: { reason: string; message: string } } {
  const { gateway } = parent;
  const candidates = parent.listeners.filter(
    (l) =>
      (parentRef.sectionName === undefined || l.spec.name === parentRef.sectionName) &&
      (parentRef.port === undefined || l.spec.port === parentRef.port),
  );
  if (candidates.length === 0) {
    const what = [
      parentRef.sectionName !== undefined ? `named ${parentRef.sectionName}` : '',
      parentRef.port !== undefined ? `on port ${parentRef.port}` : '',
    ].filter(Boolean).join(' ');
    return { rejected: { reason: 'NoMatchingParent', message: `${parent.display} has no listener ${what}`.trim() } };
  }
  const allowed = candidates.filter((l) => kindAllowed(l, route.kind) && namespaceAllowed(ctx, l, parent.namespace, namespace));
  if (allowed.length === 0) {
    return { rejected: { reason: 'NotAllowedByListeners', message: notAllowedMessage(ctx, candidates, route, parent, namespace) } };
  }
  const routeHostnames = 'hostnames' in route.spec ? route.spec.hostnames : undefined;
  const attachments: Attachment[] = [];
  for (const listener of allowed) {
    // TCP and UDP listeners have no hostname and their routes none: hostnames do not apply. A TCPRoute on
    // a TLS Terminate listener serves the SNIs of the listener's hostname (all of them without one).
    const hostnames =
      route.kind === 'UDPRoute' || listener.spec.protocol === 'TCP' ? ['*'] : intersectHostnames(listener.spec.hostname, routeHostnames);
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

function namespaceAllowed(ctx: TranslationContext, listener: ListenerState, parentNamespace: string, routeNamespace: string): boolean {
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === parentNamespace;
    case 'Selector': {
      const selector = listener.spec.allowedRoutes?.namespaces?.selector;
      const ns = ctx.resources.get('Namespace', undefined, routeNamespace);
      return !!selector && !!ns && matchesLabelSelector(selector, ns.metadata.labels);
    }
    default:
      return false;
  }
}

function notAllowedMessage(ctx: TranslationContext, candidates: ListenerState[], route: Route, parent: DirectParent, namespace: string): string {
  const reasons = candidates.map((l) => {
    if (!kindAllowed(l, route.kind)) {
      return `listener ${l.spec.name} does not allow ${route.kind} (allows ${l.supportedKinds.map((k) => k.kind).join(', ') || 'no kinds'})`;
    }
    const from = l.spec.allowedRoutes?.namespaces?.from ?? 'Same';
    const detail = from === 'Selector' && !ctx.resources.get('Namespace', undefined, namespace) ? `; Namespace ${namespace} is unknown, so its labels cannot match` : '';
    return `listener ${l.spec.name} allows routes from namespaces ${from}${from === 'Same' ? ` (${parent.namespace})` : ''}, not ${namespace}${detail}`;
  });
  return reasons.join('; ');
}
