/**
 * The top of the graph: our GatewayClasses, their Gateways, the ListenerSets attached to them and every
 * listener, each with the conditions Portico wrote; and the gateway of each IngressClass of ours
 * (`Gateway/ingressclass/<class>`, the synthetic gateway its Ingresses are served by, with the
 * listeners of its IR: there is no object to read them from).
 */
import type { DiagnoseInput } from '@portico/diagnose';
import type { Gateway, Listener, ListenerSet, ListenerStatus } from '@portico/resources';
import { statusKey, type ObjectStatus } from '@portico/translator';
import type { GraphAssembly } from './graph-assembly.js';
import { summarizeConditions } from './graph-health.js';
import { gatewayClassId, gatewayId, listenerId, listenerSetId } from './graph-ids.js';

/** What the route and backend stages need to know about the top of the graph. */
export interface GatewayIndex {
  /** Our Gateways by `namespace/name`. */
  gateways: Map<string, Gateway>;
  /** Our ListenerSets by `namespace/name`, with their Gateway's key. */
  listenerSets: Map<string, { listenerSet: ListenerSet; gateway: string }>;
  /** The gateways of our IngressClasses: `ingressclass/<class>`. */
  ingressGateways: Set<string>;
}

export function addGatewayNodes(graph: GraphAssembly, input: DiagnoseInput): GatewayIndex {
  const statuses = input.translation.statuses;
  const status = <K extends ObjectStatus['kind']>(kind: K, namespace: string | undefined, name: string) =>
    statuses.get(statusKey(kind, namespace, name)) as Extract<ObjectStatus, { kind: K }> | undefined;
  const index: GatewayIndex = { gateways: new Map(), listenerSets: new Map(), ingressGateways: new Set() };

  const classes = new Set<string>();
  for (const gc of input.resources.list('GatewayClass')) {
    const own = status('GatewayClass', undefined, gc.metadata.name);
    if (gc.spec?.controllerName !== input.controllerName || !own) continue;
    classes.add(gc.metadata.name);
    graph.node({ id: gatewayClassId(gc.metadata.name), kind: 'GatewayClass', name: gc.metadata.name, conditions: summarizeConditions(own.status.conditions), facts: { controllerName: gc.spec.controllerName }, summary: gc.spec.controllerName });
  }

  for (const gw of input.resources.list('Gateway')) {
    const namespace = gw.metadata.namespace ?? 'default';
    const own = status('Gateway', namespace, gw.metadata.name);
    if (!own || !classes.has(gw.spec?.gatewayClassName)) continue;
    const key = `${namespace}/${gw.metadata.name}`;
    index.gateways.set(key, gw);
    const listeners = gw.spec.listeners ?? [];
    const addresses = (own.status.addresses ?? []).map((a) => a.value).join(', ');
    graph.node({
      id: gatewayId(key),
      kind: 'Gateway',
      namespace,
      name: gw.metadata.name,
      gateways: [key],
      conditions: summarizeConditions(own.status.conditions),
      facts: { gatewayClass: gw.spec.gatewayClassName, listeners: String(listeners.length), ...(addresses ? { addresses } : {}) },
      summary: `${listeners.length} listener${listeners.length === 1 ? '' : 's'}${addresses ? ` on ${addresses}` : ''}`,
    });
    graph.addGateways(gatewayClassId(gw.spec.gatewayClassName), [key]);
    graph.edge(gatewayClassId(gw.spec.gatewayClassName), gatewayId(key), 'class', 'ok');
    addListeners(graph, gatewayId(key), namespace, gw.metadata.name, key, listeners, own.status.listeners);
  }

  for (const ls of input.resources.list('ListenerSet')) {
    const namespace = ls.metadata.namespace ?? 'default';
    const own = status('ListenerSet', namespace, ls.metadata.name);
    const gateway = `${ls.spec?.parentRef?.namespace ?? namespace}/${ls.spec?.parentRef?.name}`;
    if (!own || !index.gateways.has(gateway)) continue;
    index.listenerSets.set(`${namespace}/${ls.metadata.name}`, { listenerSet: ls, gateway });
    const id = listenerSetId(namespace, ls.metadata.name);
    graph.node({ id, kind: 'ListenerSet', namespace, name: ls.metadata.name, gateways: [gateway], conditions: summarizeConditions(own.status.conditions), facts: { gateway }, owner: gatewayId(gateway), summary: `listeners of ${gateway}` });
    graph.edge(gatewayId(gateway), id, 'listener', 'ok');
    addListeners(graph, id, namespace, ls.metadata.name, gateway, ls.spec.listeners ?? [], own.status.listeners);
  }

  for (const [key, ir] of input.translation.gateways) {
    if (!key.startsWith('ingressclass/')) continue;
    index.ingressGateways.add(key);
    const className = key.slice('ingressclass/'.length);
    graph.node({ id: gatewayId(key), kind: 'Gateway', namespace: 'ingressclass', name: className, gateways: [key], facts: { ingressClass: className, listeners: String(ir.listeners.length) }, health: 'ok', summary: `the Ingresses of IngressClass ${className}` });
    for (const listener of ir.listeners) {
      const id = listenerId('ingressclass', className, listener.name);
      const protocol = listener.type === 'TLS' ? 'HTTPS' : listener.type;
      graph.node({ id, kind: 'Listener', namespace: 'ingressclass', name: listener.name, gateways: [key], facts: { protocol, port: String(listener.port) }, owner: gatewayId(key), health: 'ok', summary: `${protocol} :${listener.port}` });
      graph.edge(gatewayId(key), id, 'listener', 'ok');
    }
  }
  return index;
}

function addListeners(graph: GraphAssembly, ownerId: string, namespace: string, ownerName: string, gateway: string, listeners: readonly Listener[], statuses: readonly ListenerStatus[] | undefined): void {
  for (const listener of listeners) {
    const id = listenerId(namespace, ownerName, listener.name);
    const own = statuses?.find((s) => s.name === listener.name);
    const facts: Record<string, string> = { protocol: listener.protocol, port: String(listener.port) };
    if (listener.hostname) facts.hostname = listener.hostname;
    if (own) facts.attachedRoutes = String(own.attachedRoutes);
    if (listener.tls?.mode) facts.tls = listener.tls.mode;
    graph.node({
      id,
      kind: 'Listener',
      namespace,
      name: listener.name,
      gateways: [gateway],
      conditions: summarizeConditions(own?.conditions),
      facts,
      owner: ownerId,
      summary: `${listener.protocol} :${listener.port}${listener.hostname ? ` ${listener.hostname}` : ''}${own ? `, ${own.attachedRoutes} route${own.attachedRoutes === 1 ? '' : 's'}` : ''}`,
    });
    graph.edge(ownerId, id, 'listener', 'ok');
  }
}
