/**
 * Large graphs collapsed per gateway: everything a gateway's traffic passes through (its listeners,
 * routes, services, endpoints) folds into one group node drawn in the Gateway's place, so the first view
 * of 1,000 routes is a handful of nodes. A group expands on click or Enter.
 */
import type { EdgeKind, GraphEdge, GraphNode, Health, NodeId } from '../../contract.js';
import { worstHealth } from './health.js';

/** Graphs with more nodes than this start collapsed (the DOM contract). */
export const COLLAPSE_THRESHOLD = 200;

export interface DrawnNode {
  type: 'node';
  id: NodeId;
  node: GraphNode;
}

export interface DrawnGroup {
  type: 'group';
  /** The gateway's node id, `Gateway/<ns>/<name>`. */
  id: NodeId;
  /** `<ns>/<name>`. */
  gateway: string;
  /** The worst health inside. */
  health: Health;
  /** The nodes folded into the group, the Gateway itself included when it is in the graph. */
  members: NodeId[];
  /** Members in error or warning. */
  problems: number;
}

export type DrawnItem = DrawnNode | DrawnGroup;

export interface DrawnEdge {
  /** `<from>-><to>` of the drawn ends. */
  id: string;
  from: NodeId;
  to: NodeId;
  kind: EdgeKind;
  /** The worst of the edges it stands for. */
  health: Health;
  /** The reasons of the edges it stands for that are not ok, one per line, or the single edge's label. */
  label?: string;
  /** How many graph edges it stands for. */
  count: number;
}

export interface DrawnGraph {
  items: DrawnItem[];
  edges: DrawnEdge[];
  /** Where each graph node is drawn: itself, or the group it is folded into. */
  drawnAs: Map<NodeId, NodeId>;
}

export function gatewayGroupId(gateway: string): NodeId {
  return `Gateway/${gateway}`;
}

/**
 * The gateways (`<ns>/<name>`) drawn collapsed: those the reader folded or unfolded keep their choice
 * (`overrides`, true for collapsed); the others start collapsed when the graph has more than
 * COLLAPSE_THRESHOLD nodes, expanded otherwise, and follow the graph as it grows or shrinks.
 */
export function collapsedGateways(nodeCount: number, gatewayNames: readonly string[], overrides: ReadonlyMap<string, boolean> = new Map()): Set<string> {
  const large = nodeCount > COLLAPSE_THRESHOLD;
  return new Set(gatewayNames.filter((g) => overrides.get(g) ?? large));
}

/**
 * The gateway a node folds into: the first (in sorted order) of its collapsed gateways, and only when
 * every gateway it belongs to is collapsed, so a Service shared with an expanded gateway stays drawn.
 * A GatewayClass never folds: it is the root the groups hang from.
 */
function foldingGateway(node: GraphNode, collapsed: ReadonlySet<string>): string | undefined {
  if (node.kind === 'GatewayClass') return undefined;
  const own = node.kind === 'Gateway' ? [`${node.namespace}/${node.name}`] : node.gateways;
  if (own.length === 0 || !own.every((g) => collapsed.has(g))) return undefined;
  return [...own].sort()[0];
}

export function collapseGraph(nodes: readonly GraphNode[], edges: readonly GraphEdge[], collapsed: ReadonlySet<string>): DrawnGraph {
  const items: DrawnItem[] = [];
  const groups = new Map<string, { members: GraphNode[] }>();
  const drawnAs = new Map<NodeId, NodeId>();
  for (const node of nodes) {
    const gateway = foldingGateway(node, collapsed);
    if (gateway === undefined) {
      items.push({ type: 'node', id: node.id, node });
      drawnAs.set(node.id, node.id);
      continue;
    }
    let group = groups.get(gateway);
    if (!group) groups.set(gateway, (group = { members: [] }));
    group.members.push(node);
    drawnAs.set(node.id, gatewayGroupId(gateway));
  }
  for (const [gateway, { members }] of groups) {
    items.push({
      type: 'group',
      id: gatewayGroupId(gateway),
      gateway,
      health: worstHealth(members.map((m) => m.health)),
      members: members.map((m) => m.id),
      problems: members.filter((m) => m.health === 'error' || m.health === 'warning').length,
    });
  }
  return { items, edges: mergeEdges(edges, drawnAs), drawnAs };
}

/** Edges between drawn items: edges inside a group vanish, parallel ones merge into one. */
function mergeEdges(edges: readonly GraphEdge[], drawnAs: ReadonlyMap<NodeId, NodeId>): DrawnEdge[] {
  const merged = new Map<string, DrawnEdge & { reasons: string[] }>();
  for (const e of edges) {
    const from = drawnAs.get(e.from);
    const to = drawnAs.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    const id = `${from}->${to}`;
    const reason = e.health !== 'ok' && e.label ? e.label : undefined;
    const existing = merged.get(id);
    if (!existing) {
      merged.set(id, { id, from, to, kind: e.kind, health: e.health, count: 1, reasons: reason ? [reason] : [], ...(e.label !== undefined ? { label: e.label } : {}) });
      continue;
    }
    existing.count++;
    existing.health = worstHealth([existing.health, e.health]);
    if (reason && !existing.reasons.includes(reason)) existing.reasons.push(reason);
  }
  return [...merged.values()].map(({ reasons, ...edge }) => {
    if (edge.count === 1) return edge;
    const { label: _single, ...rest } = edge;
    return reasons.length > 0 ? { ...rest, label: reasons.join('\n') } : rest;
  });
}
