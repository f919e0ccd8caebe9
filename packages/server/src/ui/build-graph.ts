/**
 * The dashboard's graph (`GET /ui/api/graph`): GatewayClass → Gateway → (ListenerSet →) Listener →
 * routes → Service/Backend → Endpoint, each node coloured by its conditions and by diagnose's findings
 * about it (its badges). A pure function of a DiagnoseInput and the report run on it, so it is tested
 * on files as on a running server.
 *
 * Findings land on the node they are about: a Gateway's or ListenerSet's finding with a field
 * `spec.listeners[i]…` on that listener, an IngressClass's on its gateway (`Gateway/ingressclass/<class>`),
 * a route's, Ingress's, Service's, GatewayClass's and policy's on theirs. Policies (policy-nodes.ts)
 * hang beside the objects their targetRefs name, with a `policy` edge to each; one whose targets do
 * not exist still appears, alone, saying why it is not attached. Findings about objects the graph
 * does not draw (ReferenceGrants, Secrets) are left to `portico diagnose`; their consequences show on
 * the route or listener that depends on them.
 */
import type { DiagnoseInput, DiagnoseReport, Finding } from '@portico/diagnose';
import type { GraphDocument, Health, NodeId } from '@portico/ui';
import { addBackendNodes } from './backend-nodes.js';
import { addGatewayNodes } from './gateway-nodes.js';
import { createGraphAssembly } from './graph-assembly.js';
import { badgeOf } from './graph-health.js';
import { gatewayClassId, gatewayId, listenerId, objectId, POLICY_KINDS, serviceId } from './graph-ids.js';
import { addPolicyNodes } from './policy-nodes.js';
import { addRouteNodes } from './route-nodes.js';

export interface GraphMeta {
  version: string;
  translatedAt: string;
}

export function buildGraph(input: DiagnoseInput, report: DiagnoseReport, meta: GraphMeta): GraphDocument {
  const graph = createGraphAssembly();
  const index = addGatewayNodes(graph, input);
  const routes = addRouteNodes(graph, input, index);
  const failuresByRoute = new Map<NodeId, Finding[]>();
  for (const finding of report.findings) {
    if (finding.level !== 'FAIL' || finding.field === undefined) continue;
    const id = findingNode(finding, input);
    if (id) failuresByRoute.set(id, [...(failuresByRoute.get(id) ?? []), finding]);
  }
  addBackendNodes(graph, input, routes, (routeId, field) => (failuresByRoute.get(routeId) ?? []).filter((f) => f.field === field || f.field!.startsWith(`${field}.`) || f.field!.startsWith(`${field}[`)));
  addPolicyNodes(graph, input);
  for (const finding of report.findings) {
    if (finding.level === 'OK') continue;
    const id = findingNode(finding, input);
    if (id && graph.has(id)) graph.badge(id, badgeOf(finding));
  }
  const { nodes, edges } = graph.finish();
  const totals: Record<Health, number> = { error: 0, warning: 0, ok: 0, unknown: 0 };
  for (const node of nodes) totals[node.health]++;
  return {
    version: meta.version,
    translatedAt: meta.translatedAt,
    controllerName: input.controllerName ?? '',
    nodes,
    edges,
    totals,
    namespaces: [...new Set(nodes.map((n) => n.namespace).filter((ns): ns is string => ns !== undefined))].sort(),
    gatewayNames: nodes.filter((n) => n.kind === 'Gateway').map((n) => n.id.slice('Gateway/'.length)).sort(),
  };
}

const LISTENER_FIELD = /^spec\.listeners\[(\d+)\]/;

/** The node a finding is about, when the graph draws it. */
export function findingNode(finding: Finding, input: DiagnoseInput): NodeId | undefined {
  const { kind, namespace, name } = finding.object;
  switch (kind) {
    case 'GatewayClass':
      return gatewayClassId(name);
    case 'IngressClass':
      return gatewayId(`ingressclass/${name}`);
    case 'Gateway':
    case 'ListenerSet': {
      const ns = namespace ?? 'default';
      const listener = LISTENER_FIELD.exec(finding.field ?? '');
      if (listener) {
        const owner = kind === 'Gateway' ? input.resources.get('Gateway', ns, name) : input.resources.get('ListenerSet', ns, name);
        const entry = owner?.spec?.listeners?.[Number(listener[1])];
        if (entry) return listenerId(ns, name, entry.name);
      }
      return kind === 'Gateway' ? gatewayId(`${ns}/${name}`) : objectId('ListenerSet', ns, name);
    }
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TLSRoute':
    case 'TCPRoute':
    case 'UDPRoute':
    case 'Ingress':
      return objectId(kind, namespace ?? 'default', name);
    case 'Service':
      return serviceId(namespace ?? 'default', name);
    default:
      return (POLICY_KINDS as readonly string[]).includes(kind) ? objectId(kind, namespace ?? 'default', name) : undefined;
  }
}
