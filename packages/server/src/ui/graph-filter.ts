/**
 * The filters of `GET /ui/api/graph` (`?namespace=&gateway=ns/name&kind=&problems=true`), applied to the
 * cached whole graph: the nodes every given filter keeps, and the edges between kept nodes. `kind` may
 * list several kinds (`kind=HTTPRoute,GRPCRoute`). "Only problems" keeps the nodes that are not ok
 * and both ends of every edge that is not. Totals, namespaces and gateway names stay those of the
 * whole graph (the filter menus list everything).
 */
import type { GraphDocument, GraphNode } from '@portico/ui';

export interface GraphFilter {
  namespace?: string;
  gateway?: string;
  kinds?: ReadonlySet<string>;
  problems?: boolean;
}

export function graphFilterOf(params: URLSearchParams): GraphFilter {
  const kinds = (params.get('kind') ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  return {
    ...(params.get('namespace') ? { namespace: params.get('namespace')! } : {}),
    ...(params.get('gateway') ? { gateway: params.get('gateway')! } : {}),
    ...(kinds.length > 0 ? { kinds: new Set(kinds) } : {}),
    ...(params.get('problems') === 'true' ? { problems: true } : {}),
  };
}

const isProblem = (health: string) => health === 'error' || health === 'warning';

export function filterGraph(graph: GraphDocument, filter: GraphFilter): GraphDocument {
  if (filter.namespace === undefined && filter.gateway === undefined && filter.kinds === undefined && !filter.problems) return graph;
  const nearProblem = new Set<string>();
  if (filter.problems) {
    for (const edge of graph.edges) {
      if (!isProblem(edge.health)) continue;
      nearProblem.add(edge.from);
      nearProblem.add(edge.to);
    }
  }
  const keep = (node: GraphNode) =>
    (filter.namespace === undefined || node.namespace === filter.namespace) &&
    (filter.gateway === undefined || node.gateways.includes(filter.gateway)) &&
    (filter.kinds === undefined || filter.kinds.has(node.kind)) &&
    (!filter.problems || isProblem(node.health) || nearProblem.has(node.id));
  const nodes = graph.nodes.filter(keep);
  const kept = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => kept.has(e.from) && kept.has(e.to));
  return { ...graph, nodes, edges };
}
