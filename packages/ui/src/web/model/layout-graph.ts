/**
 * Positions for the drawn graph, left to right in the order a request travels (class → gateway →
 * listener → route → service → endpoint), by dagre's layered (Sugiyama) layout.
 */
import { graphlib, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { DrawnEdge, DrawnGraph, DrawnItem } from './collapse-graph.js';

export const NODE_SIZE = { width: 200, height: 56 };
export const GROUP_SIZE = { width: 220, height: 68 };
/** Past this many items network-simplex ranking costs seconds; longest-path is near linear and good enough. */
const NETWORK_SIMPLEX_LIMIT = 400;

export interface Point {
  x: number;
  y: number;
}

export interface PlacedItem {
  item: DrawnItem;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  edge: DrawnEdge;
  points: Point[];
}

export interface GraphLayout {
  /** In reading order (column by column, top to bottom): the order Tab moves through them. */
  items: PlacedItem[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function layoutGraph(drawn: DrawnGraph): GraphLayout {
  const g = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: false });
  g.setGraph({
    rankdir: 'LR',
    nodesep: 14,
    ranksep: 70,
    marginx: 16,
    marginy: 16,
    ranker: drawn.items.length > NETWORK_SIMPLEX_LIMIT ? 'longest-path' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const item of drawn.items) g.setNode(item.id, { ...(item.type === 'group' ? GROUP_SIZE : NODE_SIZE) });
  for (const edge of drawn.edges) g.setEdge(edge.from, edge.to, {});
  layout(g);

  const items = drawn.items.map((item): PlacedItem => {
    const { x = 0, y = 0, width, height } = g.node(item.id);
    return { item, x: x - width / 2, y: y - height / 2, width, height };
  });
  items.sort((a, b) => a.x - b.x || a.y - b.y);
  const edges = drawn.edges.map((edge): PlacedEdge => ({ edge, points: (g.edge(edge.from, edge.to)?.points ?? []).map(({ x, y }) => ({ x, y })) }));
  const { width = 0, height = 0 } = g.graph();
  return { items, edges, width, height };
}
