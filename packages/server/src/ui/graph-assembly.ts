/**
 * The nodes and edges of a graph while it is being built: nodes by id (added once, their gateways and
 * badges merged as more is learned), edges by id (a second edge between the same nodes, e.g. two
 * backendRefs of a route to one Service, merges into the first: worst health, both labels). `finish`
 * computes each node's health and summary and sorts everything, so the document is deterministic.
 */
import type { Badge, ConditionSummary, EdgeKind, GraphEdge, GraphNode, Health, NodeId, NodeKind } from '@portico/ui';
import { badgeHealth, conditionHealth, summaryOf, worst } from './graph-health.js';
import { POLICY_KINDS } from './graph-ids.js';

export interface NodeSeed {
  id: NodeId;
  kind: NodeKind;
  namespace?: string;
  name: string;
  gateways?: Iterable<string>;
  conditions?: ConditionSummary[];
  facts?: Record<string, string>;
  owner?: NodeId;
  /** Health known without conditions (a missing Service is an error, an Endpoint not ready a warning). */
  health?: Health;
  /** The summary when no badge or condition says more. */
  summary?: string;
  /** How this node's conditions read, when not as a route's do (a Conflicted policy is a warning, not an error). */
  conditionHealth?: (condition: ConditionSummary) => Health;
}

interface PendingNode {
  seed: NodeSeed;
  gateways: Set<string>;
  badges: Badge[];
}

/** Kinds in the order a reader follows a request: the document lists nodes this way. */
const KIND_ORDER: readonly NodeKind[] = ['GatewayClass', 'Gateway', 'ListenerSet', 'Listener', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Ingress', 'Service', 'Backend', 'Endpoint', ...POLICY_KINDS];

export interface GraphAssembly {
  has(id: NodeId): boolean;
  /** Adds the node, or merges its gateways into the node already there. */
  node(seed: NodeSeed): void;
  addGateways(id: NodeId, gateways: Iterable<string>): void;
  gatewaysOf(id: NodeId): ReadonlySet<string>;
  badge(id: NodeId, badge: Badge): void;
  edge(from: NodeId, to: NodeId, kind: EdgeKind, health: Health, label?: string): void;
  finish(): { nodes: GraphNode[]; edges: GraphEdge[] };
}

export function createGraphAssembly(): GraphAssembly {
  const nodes = new Map<NodeId, PendingNode>();
  const edges = new Map<string, GraphEdge>();
  const kindRank = new Map(KIND_ORDER.map((k, i) => [k, i]));
  return {
    has: (id) => nodes.has(id),
    node(seed) {
      const existing = nodes.get(seed.id);
      if (existing) {
        for (const g of seed.gateways ?? []) existing.gateways.add(g);
        return;
      }
      nodes.set(seed.id, { seed, gateways: new Set(seed.gateways ?? []), badges: [] });
    },
    addGateways(id, gateways) {
      const node = nodes.get(id);
      if (node) for (const g of gateways) node.gateways.add(g);
    },
    gatewaysOf: (id) => nodes.get(id)?.gateways ?? new Set(),
    badge(id, badge) {
      nodes.get(id)?.badges.push(badge);
    },
    edge(from, to, kind, health, label) {
      const id = `${from}->${to}`;
      const existing = edges.get(id);
      if (!existing) {
        edges.set(id, { id, from, to, kind, health, ...(label === undefined ? {} : { label }) });
        return;
      }
      existing.health = worst([existing.health, health]);
      if (label !== undefined && label !== existing.label) existing.label = existing.label === undefined ? label : `${existing.label}; ${label}`;
    },
    finish() {
      const out: GraphNode[] = [];
      for (const { seed, gateways, badges } of nodes.values()) {
        const conditions = seed.conditions ?? [];
        const readCondition = seed.conditionHealth ?? ((c: ConditionSummary) => conditionHealth({ type: c.type, status: c.status }));
        const health = worst([...conditions.map(readCondition), ...badges.map(badgeHealth), seed.health ?? 'unknown']);
        out.push({
          id: seed.id,
          kind: seed.kind,
          ...(seed.namespace === undefined ? {} : { namespace: seed.namespace }),
          name: seed.name,
          gateways: [...gateways].sort(),
          health,
          summary: summaryOf(badges, conditions, seed.summary ?? ''),
          badges,
          conditions,
          facts: seed.facts ?? {},
          ...(seed.owner === undefined ? {} : { owner: seed.owner }),
        });
      }
      out.sort((a, b) => kindRank.get(a.kind)! - kindRank.get(b.kind)! || compare(a.id, b.id));
      return { nodes: out, edges: [...edges.values()].sort((a, b) => compare(a.id, b.id)) };
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
