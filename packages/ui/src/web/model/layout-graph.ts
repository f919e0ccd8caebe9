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

/**
 * The previous layout with the new graph's data, when only data changed (health, badges, summaries):
 * the same items and edges keep their places, so a node turning red does not move, and a large
 * expanded graph is not laid out again on every update. Undefined when the shape changed.
 */
export function reuseLayout(previous: GraphLayout, drawn: DrawnGraph): GraphLayout | undefined {
  if (previous.items.length !== drawn.items.length || previous.edges.length !== drawn.edges.length) return undefined;
  const items = new Map(drawn.items.map((i) => [i.id, i]));
  const edges = new Map(drawn.edges.map((e) => [e.id, e]));
  const placed: PlacedItem[] = [];
  for (const p of previous.items) {
    const item = items.get(p.item.id);
    if (!item || item.type !== p.item.type) return undefined;
    placed.push({ ...p, item });
  }
  const routed: PlacedEdge[] = [];
  for (const p of previous.edges) {
    const edge = edges.get(p.edge.id);
    if (!edge) return undefined;
    routed.push({ ...p, edge });
  }
  return { items: placed, edges: routed, width: previous.width, height: previous.height };
}
