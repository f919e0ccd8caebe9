/**
 * Policies in the page's graph logic: the examples with a SecurityPolicy on the shop route, a
 * BackendPolicy on Service web, a conflicted RateLimitPolicy on the http listener and an unattached
 * SecurityPolicy (its target does not exist: no gateway, no edge), as the server draws them.
 */
import type { GraphDocument, GraphEdge, GraphNode } from '../../contract.js';
import { collapseGraph } from './collapse-graph.js';
import { filterGraph, kindsPresent, NO_FILTERS } from './filter-graph.js';
import { layoutGraph } from './layout-graph.js';
import { examplesGraph } from './fixtures/examples-graph.js';

function policy(kind: GraphNode['kind'], name: string, health: GraphNode['health'], gateways: string[]): GraphNode {
  return { id: `${kind}/default/${name}`, kind, namespace: 'default', name, gateways, health, summary: '', badges: [], conditions: [], facts: {} };
}

function policyEdge(from: GraphNode, to: string, health: GraphEdge['health'] = 'ok'): GraphEdge {
  return { id: `${from.id}->${to}`, from: from.id, to, kind: 'policy', health };
}

function withPolicies(): GraphDocument {
  const doc = examplesGraph();
  const onRoute = policy('SecurityPolicy', 'shop-auth', 'ok', ['default/demo']);
  const onService = policy('BackendPolicy', 'web-health', 'ok', ['default/demo', 'ingressclass/portico']);
  const conflicted = policy('RateLimitPolicy', 'http-limit', 'warning', ['default/demo']);
  const unattached = policy('SecurityPolicy', 'ghost', 'warning', []);
  return {
    ...doc,
    nodes: [...doc.nodes, onRoute, onService, conflicted, unattached],
    edges: [...doc.edges, policyEdge(onRoute, 'HTTPRoute/default/shop'), policyEdge(onService, 'Service/default/web'), policyEdge(conflicted, 'Listener/default/demo/http', 'warning')],
  };
}

describe('policies in the page', () => {
  it('places each policy in the column just before its target', () => {
    const doc = withPolicies();
    const laid = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    const x = (id: string): number => laid.items.find((p) => p.item.id === id)!.x;
    // One column to the left of the target: the column of what comes before it.
    expect(x('SecurityPolicy/default/shop-auth')).toBe(x('Listener/default/demo/http'));
    expect(x('BackendPolicy/default/web-health')).toBe(x('HTTPRoute/default/shop'));
    expect(x('RateLimitPolicy/default/http-limit')).toBe(x('Gateway/default/demo'));
    expect(laid.items.some((p) => p.item.id === 'SecurityPolicy/default/ghost')).toBe(true);
  });

  it("folds a gateway's policies into its group, leaving the unattached one drawn", () => {
    const doc = withPolicies();
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set(['default/demo', 'ingressclass/portico']));
    expect(drawn.drawnAs.get('SecurityPolicy/default/shop-auth')).toBe('Gateway/default/demo');
    expect(drawn.drawnAs.get('RateLimitPolicy/default/http-limit')).toBe('Gateway/default/demo');
    expect(drawn.drawnAs.get('SecurityPolicy/default/ghost')).toBe('SecurityPolicy/default/ghost');
    const group = drawn.items.find((i) => i.id === 'Gateway/default/demo');
    expect(group).toMatchObject({ type: 'group', health: 'warning' });
  });

  it('filters by a policy kind, and lists policy kinds after the kinds a request meets', () => {
    const doc = withPolicies();
    expect(filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, kind: 'SecurityPolicy' }).nodes.map((n) => n.id)).toEqual(['SecurityPolicy/default/shop-auth', 'SecurityPolicy/default/ghost']);
    expect(kindsPresent(doc.nodes).slice(-4)).toEqual(['Endpoint', 'SecurityPolicy', 'RateLimitPolicy', 'BackendPolicy']);
  });

  it('keeps a conflicted policy and the listener it points at under "only problems"', () => {
    const doc = withPolicies();
    const ids = filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, onlyProblems: true }).nodes.map((n) => n.id).sort();
    expect(ids).toEqual(['Listener/default/demo/http', 'RateLimitPolicy/default/http-limit', 'SecurityPolicy/default/ghost']);
  });
});
