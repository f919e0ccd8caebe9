/**
 * The routes of the graph and how they hang from the listeners. A route is shown when one of its
 * parentRefs names a Gateway or ListenerSet of ours, or one that does not exist (a typo is exactly
 * what a reader looks for). An accepted parentRef draws an `attachment` edge from every listener it
 * bound to (without a sectionName: each listener that takes the route, as diagnose's listener-fit
 * rules decide); one that did not attach draws a red edge from the listener it names, or from its
 * Gateway or ListenerSet, labelled with the status's reason. Ingresses hang from the listeners of
 * their IngressClass's gateway that serve them (the IR's listener sources).
 */
import { listenerFits, type DiagnoseInput } from '@portico/diagnose';
import { GATEWAY_GROUP, sameParentRef, type Condition, type Ingress, type ParentReference, type Route, type RouteParentStatus } from '@portico/resources';
import { statusKey, type ObjectStatus } from '@portico/translator';
import type { GatewayIndex } from './gateway-nodes.js';
import type { GraphAssembly } from './graph-assembly.js';
import { summarizeConditions } from './graph-health.js';
import { gatewayId, listenerId, listenerSetId, objectId, ROUTE_KINDS } from './graph-ids.js';

/** A route (or Ingress) in the graph, for the backend stage. */
export interface ShownRoute {
  id: string;
  object: Route | Ingress;
}

export function addRouteNodes(graph: GraphAssembly, input: DiagnoseInput, index: GatewayIndex): ShownRoute[] {
  const shown: ShownRoute[] = [];
  for (const kind of ROUTE_KINDS) {
    for (const route of input.resources.list(kind) as Route[]) {
      if (addRoute(graph, input, index, route)) shown.push({ id: objectId(route.kind, namespaceOf(route), route.metadata.name), object: route });
    }
  }
  const served = ingressListeners(input, index);
  for (const ingress of input.resources.list('Ingress')) {
    const namespace = namespaceOf(ingress);
    const key = `${namespace}/${ingress.metadata.name}`;
    const listeners = served.get(key) ?? [];
    const own = input.translation.statuses.get(statusKey('Ingress', namespace, ingress.metadata.name));
    const className = ingress.spec?.ingressClassName;
    const gateways = new Set(listeners.map((l) => l.gateway));
    if (className && index.ingressGateways.has(`ingressclass/${className}`)) gateways.add(`ingressclass/${className}`);
    if (gateways.size === 0 && !own) continue;
    const id = objectId('Ingress', namespace, ingress.metadata.name);
    const hosts = [...new Set((ingress.spec?.rules ?? []).map((r) => r.host ?? '*'))];
    graph.node({
      id,
      kind: 'Ingress',
      namespace,
      name: ingress.metadata.name,
      gateways,
      facts: { ...(className ? { ingressClass: className } : {}), ...(hosts.length ? { hostnames: hosts.join(', ') } : {}) },
      health: listeners.length > 0 ? 'ok' : 'unknown',
      summary: hosts.length ? hosts.join(', ') : 'every host',
    });
    for (const listener of listeners) graph.edge(listener.id, id, 'attachment', 'ok');
    shown.push({ id, object: ingress });
  }
  return shown;
}

/** True when the route is shown. */
function addRoute(graph: GraphAssembly, input: DiagnoseInput, index: GatewayIndex, route: Route): boolean {
  const namespace = namespaceOf(route);
  const own = input.translation.statuses.get(statusKey(route.kind, namespace, route.metadata.name)) as Extract<ObjectStatus, { status: { parents: RouteParentStatus[] } }> | undefined;
  const parents = own?.status.parents ?? [];
  const id = objectId(route.kind, namespace, route.metadata.name);
  const edges: { from: string; health: 'ok' | 'error'; label?: string }[] = [];
  const gateways = new Set<string>();
  const conditions = [];
  let relevant = false;
  for (const parentRef of route.spec?.parentRefs ?? []) {
    const target = parentTarget(parentRef, namespace);
    if (!target) continue;
    const gateway = target.kind === 'Gateway' ? (index.gateways.has(target.key) ? target.key : undefined) : index.listenerSets.get(target.key)?.gateway;
    if (gateway === undefined) {
      // Another controller's parent is none of our business; one that does not exist is a broken route.
      if (!input.resources.get(target.kind, target.namespace, target.name)) relevant = true;
      continue;
    }
    relevant = true;
    gateways.add(gateway);
    const ownerId = target.kind === 'Gateway' ? gatewayId(target.key) : listenerSetId(target.namespace, target.name);
    const entry = parents.find((p) => sameParentRef(p.parentRef, parentRef, namespace));
    const parentId = `${ownerId}${parentRef.sectionName ? `/${parentRef.sectionName}` : ''}`;
    conditions.push(...summarizeConditions(entry?.conditions, parentId));
    const accepted = entry?.conditions.find((c) => c.type === 'Accepted');
    const named = parentRef.sectionName ? listenerId(target.namespace, target.name, parentRef.sectionName) : undefined;
    if (accepted?.status === 'True') {
      const bound = listenerFits(input, route, parentRef, target)
        .filter((f) => f.misses.length === 0)
        .map((f) => listenerId(f.owner.namespace, f.owner.name, f.listener.name))
        .filter((l) => graph.has(l));
      if (bound.length === 0) edges.push({ from: named && graph.has(named) ? named : ownerId, health: 'ok' });
      for (const listener of bound) edges.push({ from: listener, health: 'ok' });
    } else {
      edges.push({ from: named && graph.has(named) ? named : ownerId, health: 'error', label: refusal(accepted) });
    }
  }
  if (!relevant) return false;
  const hostnames = 'hostnames' in (route.spec ?? {}) ? ((route.spec as { hostnames?: string[] }).hostnames ?? []) : [];
  const rules = route.spec?.rules?.length ?? 0;
  graph.node({
    id,
    kind: route.kind,
    namespace,
    name: route.metadata.name,
    gateways,
    conditions,
    facts: { rules: String(rules), ...(hostnames.length ? { hostnames: hostnames.join(', ') } : {}) },
    // Not attached anywhere and no status to say why: a parent that does not exist.
    health: parents.length === 0 ? 'error' : 'unknown',
    summary: `${rules} rule${rules === 1 ? '' : 's'}${hostnames.length ? ` for ${hostnames.join(', ')}` : ''}`,
  });
  for (const edge of edges) graph.edge(edge.from, id, 'attachment', edge.health, edge.label);
  return true;
}

function refusal(accepted: Condition | undefined): string {
  if (!accepted) return 'not attached: no status for this parentRef';
  return `${accepted.reason}${accepted.message ? `: ${accepted.message}` : ''}`;
}

/** The listeners (by node id) of our IngressClass gateways serving each Ingress `namespace/name`. */
function ingressListeners(input: DiagnoseInput, index: GatewayIndex): Map<string, { id: string; gateway: string }[]> {
  const served = new Map<string, { id: string; gateway: string }[]>();
  for (const gateway of index.ingressGateways) {
    const ir = input.translation.gateways.get(gateway)!;
    const className = gateway.slice('ingressclass/'.length);
    for (const listener of ir.listeners) {
      for (const source of listener.sources) {
        if (!source.startsWith('ingress/')) continue;
        const key = source.slice('ingress/'.length);
        served.set(key, [...(served.get(key) ?? []), { id: listenerId('ingressclass', className, listener.name), gateway }]);
      }
    }
  }
  return served;
}

function parentTarget(parentRef: ParentReference, routeNamespace: string): { kind: 'Gateway' | 'ListenerSet'; namespace: string; name: string; key: string } | undefined {
  if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return undefined;
  const kind = parentRef.kind ?? 'Gateway';
  if (kind !== 'Gateway' && kind !== 'ListenerSet') return undefined;
  const namespace = parentRef.namespace ?? routeNamespace;
  return { kind, namespace, name: parentRef.name, key: `${namespace}/${parentRef.name}` };
}


function namespaceOf(object: { metadata: { namespace?: string } }): string {
  return object.metadata.namespace ?? 'default';
}
