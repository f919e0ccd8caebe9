import { examplesGraph } from './fixtures/examples-graph.js';
import { largeGraph } from './fixtures/large-graph.js';
import { collapseGraph } from './collapse-graph.js';
import { layoutGraph } from './layout-graph.js';

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
