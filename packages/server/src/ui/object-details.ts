/**
 * `GET /ui/api/object?id=<node id>`: what the details panel shows about one node. The object as YAML
 * with the status Portico writes (a Listener: its entry of the Gateway's spec and status; an
 * Endpoint: its EndpointSlice entry), its badges, and for gateways, listeners and routes the IR and
 * the xDS they contribute. Everything is redacted as /debug redacts it: a Secret never appears with its
 * data, the IR goes through redactIR, the xDS is the served snapshot's redacted config dump.
 */
import { formatDocument, redactIR, type GatewayIR, type HTTPRouteIR, type L4RouteIR, type ListenerIR, type VirtualHostIR } from '@portico/ir';
import type { KubeObject } from '@portico/resources';
import { applyStatuses } from '@portico/translator';
import type { DebugData } from '../admin/debug-views.js';
import { redactSecret } from '../admin/resources-view.js';
import type { GraphNode, ObjectDetails } from '@portico/ui';
import type { UiSnapshot } from './ui-model.js';

type Json = Record<string, unknown>;

export function objectDetails(snapshot: UiSnapshot, data: DebugData, id: string): ObjectDetails | undefined {
  const node = snapshot.graph.nodes.find((n) => n.id === id);
  if (!node) return undefined;
  const yaml = formatDocument(redacted(objectView(snapshot, node, data.controllerName)), 'yaml');
  const ir = irOf(snapshot.translation.gateways, node);
  const xds = xdsOf(snapshot, node);
  return {
    id,
    kind: node.kind,
    yaml,
    badges: node.badges,
    ...(ir === undefined ? {} : { ir: formatDocument(redactIR(ir), 'yaml') }),
    ...(xds === undefined ? {} : { xds: formatDocument(xds, 'yaml') }),
  };
}

/** Defence in depth: whatever the view picked, a Secret in it leaves without its data. */
function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === 'object') {
    const object = value as KubeObject;
    if (object.kind === 'Secret' && object.metadata) return redactSecret(object);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v)]));
  }
  return value;
}

function find(snapshot: UiSnapshot, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
  return snapshot.state.objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || (o.metadata.namespace ?? 'default') === namespace));
}

function withStatus(snapshot: UiSnapshot, object: KubeObject | undefined, controllerName: string): unknown {
  if (!object) return undefined;
  return applyStatuses([object], snapshot.translation, controllerName)[0] ?? object;
}

function objectView(snapshot: UiSnapshot, node: GraphNode, controllerName: string): unknown {
  const ns = node.namespace;
  switch (node.kind) {
    case 'GatewayClass':
      return withStatus(snapshot, find(snapshot, 'GatewayClass', undefined, node.name), controllerName);
    case 'Gateway':
      if (ns === 'ingressclass') return withStatus(snapshot, find(snapshot, 'IngressClass', undefined, node.name), controllerName);
      return withStatus(snapshot, find(snapshot, 'Gateway', ns, node.name), controllerName);
    case 'Listener': {
      const ownerId = node.owner ?? '';
      if (ownerId.startsWith('Gateway/ingressclass/')) return { listener: summarizeListener(irListener(snapshot.translation.gateways.get(ownerId.slice('Gateway/'.length)), node.name)) };
      const [ownerKind, ownerNamespace, ownerName] = ownerId.split('/') as [string, string, string];
      const owner = withStatus(snapshot, find(snapshot, ownerKind, ownerNamespace, ownerName), controllerName) as { spec?: { listeners?: { name: string }[] }; status?: { listeners?: { name: string }[] } } | undefined;
      return {
        [ownerKind.charAt(0).toLowerCase() + ownerKind.slice(1)]: `${ownerNamespace}/${ownerName}`,
        listener: owner?.spec?.listeners?.find((l) => l.name === node.name),
        status: owner?.status?.listeners?.find((l) => l.name === node.name),
      };
    }
    case 'Endpoint': {
      const slice = find(snapshot, 'EndpointSlice', ns, node.facts.slice ?? '') as (KubeObject & { addressType?: string; ports?: unknown; endpoints?: { addresses?: string[] }[] }) | undefined;
      const endpoint = slice?.endpoints?.find((e) => e.addresses?.includes(node.facts.address ?? ''));
      return { endpointSlice: slice && `${ns}/${slice.metadata.name}`, addressType: slice?.addressType, ports: slice?.ports, endpoint };
    }
    case 'Backend':
      return find(snapshot, node.facts.kind ?? '', ns, node.name) ?? { kind: node.facts.kind, group: node.facts.group, namespace: ns, name: node.name, note: 'not an object Portico watches' };
    default:
      return withStatus(snapshot, find(snapshot, node.kind, ns, node.name), controllerName) ?? { kind: node.kind, namespace: ns, name: node.name, note: 'does not exist' };
  }
}

function gatewayOf(node: GraphNode): string | undefined {
  if (node.kind === 'Gateway') return node.id.slice('Gateway/'.length);
  return undefined;
}

function irListener(ir: GatewayIR | undefined, name: string): ListenerIR | undefined {
  return ir?.listeners.find((l) => l.name === name);
}

function summarizeListener(listener: ListenerIR | undefined): unknown {
  if (!listener) return undefined;
  return { name: listener.name, type: listener.type, address: listener.address, port: listener.port, sources: listener.sources };
}

/** The IR a node contributes: a gateway's whole IR; a listener's Envoy listener; a route's IR routes per gateway and listener. */
function irOf(gateways: ReadonlyMap<string, GatewayIR>, node: GraphNode): unknown {
  const gateway = gatewayOf(node);
  if (gateway !== undefined) return gateways.get(gateway);
  if (node.kind === 'Listener') {
    const [, namespace, owner] = node.id.split('/') as [string, string, string];
    const irName = node.owner?.startsWith('ListenerSet/') ? `${namespace}/${owner}/${node.name}` : node.name;
    const out: Json = {};
    for (const key of node.gateways) {
      const ir = gateways.get(key);
      const listeners = namespace === 'ingressclass' ? ir?.listeners.filter((l) => l.name === node.name) : ir?.listeners.filter((l) => l.sources.includes(irName));
      if (listeners?.length) out[key] = listeners;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (!isRouteKind(node.kind)) return undefined;
  const out: Json = {};
  for (const key of node.gateways) {
    const ir = gateways.get(key);
    if (!ir) continue;
    const perListener: Json = {};
    for (const listener of ir.listeners) {
      const routes = routesOf(listener, node);
      if (routes.length > 0) perListener[listener.name] = routes;
    }
    if (Object.keys(perListener).length > 0) out[key] = perListener;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isRouteKind(kind: string): boolean {
  return ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Ingress'].includes(kind);
}

function fromNode(source: { kind: string; namespace: string; name: string }, node: GraphNode): boolean {
  return source.kind === node.kind && source.namespace === node.namespace && source.name === node.name;
}

function routesOf(listener: ListenerIR, node: GraphNode): (HTTPRouteIR | L4RouteIR)[] {
  const fromHosts = (hosts: readonly VirtualHostIR[] | undefined) => (hosts ?? []).flatMap((vh) => vh.routes.filter((r) => fromNode(r.source, node)));
  switch (listener.type) {
    case 'HTTP':
      return fromHosts(listener.virtualHosts);
    case 'TLS':
      return [
        ...fromHosts(listener.virtualHosts),
        ...listener.servers.flatMap((s): (HTTPRouteIR | L4RouteIR)[] => (s.mode === 'HTTPS' ? fromHosts(s.virtualHosts) : s.route && fromNode(s.route.source, node) ? [s.route] : [])),
      ];
    default:
      return listener.route && fromNode(listener.route.source, node) ? [listener.route] : [];
  }
}

/** The served xDS of a gateway (its redacted config dump), or a route's Envoy routes in every route table of its gateways. */
function xdsOf(snapshot: UiSnapshot, node: GraphNode): unknown {
  const served = snapshot.input.xds ?? new Map<string, unknown>();
  const gateway = gatewayOf(node);
  if (gateway !== undefined) return served.get(gateway);
  if (!['HTTPRoute', 'GRPCRoute', 'Ingress'].includes(node.kind)) return undefined;
  const prefix = `${node.kind.toLowerCase()}/${node.namespace}/${node.name}/`;
  const out: Json = {};
  for (const key of node.gateways) {
    const dump = served.get(key) as { routes?: { dynamicRouteConfigs?: { routeConfig?: { name?: string; virtualHosts?: { name?: string; routes?: { name?: string }[] }[] } }[] } };
    for (const { routeConfig } of dump.routes?.dynamicRouteConfigs ?? []) {
      for (const vhost of routeConfig?.virtualHosts ?? []) {
        const routes = (vhost.routes ?? []).filter((r) => r.name?.startsWith(prefix));
        if (routes.length > 0) out[`${key} ${routeConfig?.name ?? ''} ${vhost.name ?? ''}`] = routes;
      }
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
