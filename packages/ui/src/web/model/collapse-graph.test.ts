import { brokenExamplesGraph, examplesGraph } from './fixtures/examples-graph.js';
import { largeGraph } from './fixtures/large-graph.js';
import { collapsedGateways, collapseGraph, COLLAPSE_THRESHOLD, type DrawnGroup } from './collapse-graph.js';

describe('collapseGraph', () => {
  it('draws every node when nothing is collapsed', () => {
    const doc = examplesGraph();
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set());
    expect(drawn.items.every((i) => i.type === 'node')).toBe(true);
    expect(drawn.items).toHaveLength(doc.nodes.length);
    expect(drawn.edges).toHaveLength(doc.edges.length);
  });

  it('folds a gateway into one group with the worst health inside, keeping nodes shared with an expanded gateway', () => {
    const doc = brokenExamplesGraph();
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set(['default/demo']));
    const group = drawn.items.find((i): i is DrawnGroup => i.type === 'group')!;
    expect(group).toMatchObject({ id: 'Gateway/default/demo', gateway: 'default/demo', health: 'error', problems: 1 });
    expect(group.members).toContain('Gateway/default/demo');
    expect(group.members).toContain('HTTPRoute/default/shop');
    // web belongs to the expanded Ingress gateway too: it stays drawn, and the group's edges to it merge.
    const drawnIds = drawn.items.map((i) => i.id).sort();
    expect(drawnIds).toEqual([
      'Endpoint/default/web/127.0.0.1:9001',
      'Gateway/default/demo',
      'Gateway/ingressclass/portico',
      'GatewayClass/portico',
      'Ingress/default/blog',
      'Listener/ingressclass/portico/http-80',
      'Service/default/web',
    ]);
    expect(drawn.edges.map((e) => e.id).sort()).toEqual([
      'Gateway/default/demo->Service/default/web',
      'Gateway/ingressclass/portico->Listener/ingressclass/portico/http-80',
      'GatewayClass/portico->Gateway/default/demo',
      'Ingress/default/blog->Service/default/web',
      'Listener/ingressclass/portico/http-80->Ingress/default/blog',
      'Service/default/web->Endpoint/default/web/127.0.0.1:9001',
    ]);
    expect(drawn.drawnAs.get('HTTPRoute/default/shop')).toBe('Gateway/default/demo');
  });

  it('folds every gateway: only the class and the groups remain, edges between groups survive', () => {
    const doc = brokenExamplesGraph();
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set(['default/demo', 'ingressclass/portico']));
    expect(drawn.items.map((i) => i.id).sort()).toEqual(['Gateway/default/demo', 'Gateway/ingressclass/portico', 'GatewayClass/portico']);
    // The Ingress → web edge: web, in both gateways, folds into the first of them (sorted): default/demo.
    const ingressToDemo = drawn.edges.find((e) => e.id === 'Gateway/ingressclass/portico->Gateway/default/demo');
    expect(ingressToDemo).toMatchObject({ count: 1, health: 'ok' });
    expect(drawn.edges).toHaveLength(2);
  });

  it('keeps the reasons of merged red edges, one per line', () => {
    const base = { badges: [], conditions: [], facts: {}, summary: '', health: 'ok' as const };
    const nodes = [
      { ...base, id: 'HTTPRoute/a/r', kind: 'HTTPRoute' as const, namespace: 'a', name: 'r', gateways: ['a/open'] },
      { ...base, id: 'Gateway/a/shut', kind: 'Gateway' as const, namespace: 'a', name: 'shut', gateways: ['a/shut'] },
      { ...base, id: 'Service/a/s1', kind: 'Service' as const, namespace: 'a', name: 's1', gateways: ['a/shut'] },
      { ...base, id: 'Service/a/s2', kind: 'Service' as const, namespace: 'a', name: 's2', gateways: ['a/shut'] },
      { ...base, id: 'Service/a/s3', kind: 'Service' as const, namespace: 'a', name: 's3', gateways: ['a/shut'] },
    ];
    const edges = [
      { id: 'r->s1', from: 'HTTPRoute/a/r', to: 'Service/a/s1', kind: 'backend' as const, health: 'error' as const, label: 'BackendNotFound: s1' },
      { id: 'r->s2', from: 'HTTPRoute/a/r', to: 'Service/a/s2', kind: 'backend' as const, health: 'warning' as const, label: 'NoEndpoints: s2' },
      { id: 'r->s3', from: 'HTTPRoute/a/r', to: 'Service/a/s3', kind: 'backend' as const, health: 'ok' as const, label: 'weight 10' },
    ];
    const drawn = collapseGraph(nodes, edges, new Set(['a/shut']));
    expect(drawn.edges).toEqual([
      { id: 'HTTPRoute/a/r->Gateway/a/shut', from: 'HTTPRoute/a/r', to: 'Gateway/a/shut', kind: 'backend', health: 'error', count: 3, label: 'BackendNotFound: s1\nNoEndpoints: s2' },
    ]);
  });

  it('starts large graphs collapsed and small ones expanded', () => {
    const small = examplesGraph();
    expect(collapsedGateways(small.nodes.length, small.gatewayNames).size).toBe(0);
    const large = largeGraph(1000, 3);
    expect(large.nodes.length).toBeGreaterThan(COLLAPSE_THRESHOLD);
    const collapsed = collapsedGateways(large.nodes.length, large.gatewayNames);
    expect([...collapsed].sort()).toEqual(['team-0/gw', 'team-1/gw', 'team-2/gw']);
    const drawn = collapseGraph(large.nodes, large.edges, collapsed);
    expect(drawn.items).toHaveLength(4);
    expect(drawn.items.filter((i) => i.type === 'group').map((g) => g.health)).toEqual(['error', 'error', 'error']);
  });

  it("keeps the reader's choice per gateway; the others follow the graph's size", () => {
    const names = ['a/one', 'a/two', 'a/three'];
    const overrides = new Map([['a/one', false], ['a/two', true]]);
    expect([...collapsedGateways(COLLAPSE_THRESHOLD + 1, names, overrides)]).toEqual(['a/two', 'a/three']);
    expect([...collapsedGateways(COLLAPSE_THRESHOLD, names, overrides)]).toEqual(['a/two']);
    expect(collapsedGateways(COLLAPSE_THRESHOLD, names).size).toBe(0);
    expect(collapsedGateways(COLLAPSE_THRESHOLD + 1, names).size).toBe(3);
  });
});
