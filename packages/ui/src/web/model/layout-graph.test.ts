import { brokenExamplesGraph, examplesGraph } from './fixtures/examples-graph.js';
import { largeGraph } from './fixtures/large-graph.js';
import { collapseGraph } from './collapse-graph.js';
import { layoutGraph, reuseLayout } from './layout-graph.js';

describe('layoutGraph', () => {
  it('places the examples left to right in the order a request travels', () => {
    const doc = examplesGraph();
    const laid = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    const x = (id: string): number => laid.items.find((p) => p.item.id === id)!.x;
    expect(x('GatewayClass/portico')).toBeLessThan(x('Gateway/default/demo'));
    expect(x('Gateway/default/demo')).toBeLessThan(x('Listener/default/demo/http'));
    expect(x('Listener/default/demo/http')).toBeLessThan(x('HTTPRoute/default/shop'));
    expect(x('HTTPRoute/default/shop')).toBeLessThan(x('Service/default/api-v1'));
    expect(x('Service/default/api-v1')).toBeLessThan(x('Endpoint/default/api-v1/127.0.0.1:9002'));
    expect(laid.edges.every((e) => e.points.length >= 2)).toBe(true);
    for (const p of laid.items) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x + p.width).toBeLessThanOrEqual(laid.width);
      expect(p.y + p.height).toBeLessThanOrEqual(laid.height);
    }
  });

  it('orders items for Tab column by column, top to bottom', () => {
    const doc = examplesGraph();
    const { items } = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!];
      expect(a.x < b.x || (a.x === b.x && a.y <= b.y)).toBe(true);
    }
    expect(items[0]!.item.id).toBe('GatewayClass/portico');
  });

  it('is deterministic', () => {
    const doc = examplesGraph();
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set());
    expect(layoutGraph(drawn)).toEqual(layoutGraph(drawn));
  });

  it('lays out an expanded gateway of 500 routes (1,500 nodes) in reasonable time', () => {
    const doc = largeGraph(500, 1);
    const started = performance.now();
    const laid = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    const ms = performance.now() - started;
    expect(laid.items).toHaveLength(doc.nodes.length);
    // Not a benchmark: a guard against a layout that would freeze the page (about 1 s on the CI machine).
    expect(ms).toBeLessThan(10_000);
  });
});

describe('reuseLayout', () => {
  it('keeps every place when only health changed, so a node turning red does not move', () => {
    const doc = examplesGraph();
    const before = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    const redNodes = doc.nodes.map((n) => (n.id === 'HTTPRoute/default/shop' ? { ...n, health: 'error' as const, summary: 'broken' } : n));
    const reused = reuseLayout(before, collapseGraph(redNodes, doc.edges, new Set()))!;
    expect(reused).toBeDefined();
    const shop = reused.items.find((p) => p.item.id === 'HTTPRoute/default/shop')!;
    expect(shop.item.type === 'node' && shop.item.node.health).toBe('error');
    expect(reused.items.map(({ x, y }) => [x, y])).toEqual(before.items.map(({ x, y }) => [x, y]));
    expect(reused.edges.map((e) => e.points)).toEqual(before.edges.map((e) => e.points));
  });

  it('lays out again when a node or an edge came, went or was replaced', () => {
    const doc = examplesGraph();
    const before = layoutGraph(collapseGraph(doc.nodes, doc.edges, new Set()));
    const broken = brokenExamplesGraph();
    expect(reuseLayout(before, collapseGraph(broken.nodes, broken.edges, new Set()))).toBeUndefined();
    const retargeted = doc.edges.map((e) => (e.id === 'Ingress/default/blog->Service/default/web' ? { ...e, id: 'Ingress/default/blog->Service/default/api-v1', to: 'Service/default/api-v1' } : e));
    expect(reuseLayout(before, collapseGraph(doc.nodes, retargeted, new Set()))).toBeUndefined();
    expect(reuseLayout(before, collapseGraph(doc.nodes, doc.edges, new Set(['default/demo'])))).toBeUndefined();
  });
});
