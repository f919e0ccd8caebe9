/**
 * The filters above the graph (namespace, gateway, kind, only problems), applied in the page to the whole
 * graph it fetched, so a change of filter needs no request.
 */
import type { GraphEdge, GraphNode, NodeKind } from '../../contract.js';
import { HEALTH_ORDER, isProblem } from './health.js';

export interface GraphFilters {
  /** '' for every namespace. */
  namespace: string;
  /** `<ns>/<name>`, '' for every gateway. */
  gateway: string;
  /** '' for every kind. */
  kind: NodeKind | '';
  onlyProblems: boolean;
}

export const NO_FILTERS: GraphFilters = { namespace: '', gateway: '', kind: '', onlyProblems: false };

export interface FilteredGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function inGateway(node: GraphNode, gateway: string): boolean {
  return node.gateways.includes(gateway) || node.id === `Gateway/${gateway}`;
}

/**
 * Nodes that pass every filter, and the edges between them. Cluster-scoped nodes (a GatewayClass) have
 * no namespace: with a namespace filter they stay when they lead to a node that passed it. "Only
 * problems" keeps the nodes in error or warning and both ends of every red or orange edge, so a broken
 * reference shows what it points from and to.
 */
export function filterGraph(nodes: readonly GraphNode[], edges: readonly GraphEdge[], filters: GraphFilters): FilteredGraph {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let kept = nodes.filter((n) => (!filters.gateway || inGateway(n, filters.gateway)) && (!filters.kind || n.kind === filters.kind));

  if (filters.namespace) {
    const inNamespace = new Set(kept.filter((n) => n.namespace === filters.namespace).map((n) => n.id));
    const clusterScopedNeighbours = new Set<string>();
    for (const e of edges) {
      if (inNamespace.has(e.to) && byId.get(e.from)?.namespace === undefined) clusterScopedNeighbours.add(e.from);
      if (inNamespace.has(e.from) && byId.get(e.to)?.namespace === undefined) clusterScopedNeighbours.add(e.to);
    }
    kept = kept.filter((n) => inNamespace.has(n.id) || clusterScopedNeighbours.has(n.id));
  }

  if (filters.onlyProblems) {
    const candidates = new Set(kept.map((n) => n.id));
    const problems = new Set(kept.filter((n) => isProblem(n.health)).map((n) => n.id));
    for (const e of edges) {
      if (!isProblem(e.health) || !candidates.has(e.from) || !candidates.has(e.to)) continue;
      problems.add(e.from);
      problems.add(e.to);
    }
    kept = kept.filter((n) => problems.has(n.id));
  }

  const keptIds = new Set(kept.map((n) => n.id));
  return { nodes: kept, edges: edges.filter((e) => keptIds.has(e.from) && keptIds.has(e.to)) };
}

const KIND_ORDER: readonly NodeKind[] = [
  'GatewayClass', 'Gateway', 'ListenerSet', 'Listener', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Ingress', 'Service', 'Backend', 'Endpoint',
  // Policies last: they qualify the objects above rather than carry a request.
  'SecurityPolicy', 'RateLimitPolicy', 'AccessLogPolicy', 'XTelemetryPolicy', 'BackendPolicy', 'BackendTLSPolicy', 'XBackendTrafficPolicy',
];

/** Ids with numbers in them in numeric order (route-9 before route-10). */
const ID_ORDER = new Intl.Collator('en', { numeric: true });

/** The object list's order: problems first, then the order a request meets the kinds, then by id. */
export function sortForList(nodes: readonly GraphNode[]): GraphNode[] {
  return [...nodes].sort(
    (a, b) =>
      HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      ID_ORDER.compare(a.id, b.id),
  );
}

/** The kinds present, in a request's order, for the kind menu. */
export function kindsPresent(nodes: readonly GraphNode[]): NodeKind[] {
  const present = new Set(nodes.map((n) => n.kind));
  return KIND_ORDER.filter((k) => present.has(k));
}
