import { brokenExamplesGraph, examplesGraph } from './fixtures/examples-graph.js';
import { largeGraph } from './fixtures/large-graph.js';
import { filterGraph, kindsPresent, NO_FILTERS, sortForList } from './filter-graph.js';

const ids = (nodes: { id: string }[]): string[] => nodes.map((n) => n.id).sort();

describe('filterGraph', () => {
  const doc = examplesGraph();

  it('keeps everything without filters', () => {
    const { nodes, edges } = filterGraph(doc.nodes, doc.edges, NO_FILTERS);
    expect(nodes).toHaveLength(doc.nodes.length);
    expect(edges).toHaveLength(doc.edges.length);
  });

  it('filters by kind, dropping the edges that lost an end', () => {
    const { nodes, edges } = filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, kind: 'Service' });
    expect(ids(nodes)).toEqual(['Service/default/api-v1', 'Service/default/api-v2', 'Service/default/dns', 'Service/default/greeter', 'Service/default/postgres', 'Service/default/web']);
    expect(edges).toEqual([]);
  });

  it('filters by gateway: the Ingress on its own gateway leaves, the shared web Service stays', () => {
    const { nodes } = filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, gateway: 'ingressclass/portico' });
    expect(ids(nodes)).toEqual(['Endpoint/default/web/127.0.0.1:9001', 'Gateway/ingressclass/portico', 'Ingress/default/blog', 'Listener/ingressclass/portico/http-80', 'Service/default/web']);
    const demo = filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, gateway: 'default/demo' });
    expect(ids(demo.nodes)).not.toContain('Ingress/default/blog');
    expect(ids(demo.nodes)).toContain('Gateway/default/demo');
  });

  it('filters by namespace, keeping the cluster-scoped GatewayClass that leads into it', () => {
    const kept = filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, namespace: 'default' });
    expect(ids(kept.nodes)).toContain('GatewayClass/portico');
    expect(ids(kept.nodes)).not.toContain('Gateway/ingressclass/portico');
    expect(kept.nodes).toHaveLength(doc.nodes.length - 2);
    expect(filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, namespace: 'other' }).nodes).toEqual([]);
  });

  it('shows only problems: the broken route and both ends of its red edge', () => {
    const broken = brokenExamplesGraph();
    const { nodes, edges } = filterGraph(broken.nodes, broken.edges, { ...NO_FILTERS, onlyProblems: true });
    expect(ids(nodes)).toEqual(['HTTPRoute/default/shop', 'Service/default/api-v3']);
    expect(edges.map((e) => e.id)).toEqual(['HTTPRoute/default/shop->Service/default/api-v3']);
    expect(filterGraph(doc.nodes, doc.edges, { ...NO_FILTERS, onlyProblems: true }).nodes).toEqual([]);
  });

  it('combines filters', () => {
    const broken = brokenExamplesGraph();
    const { nodes } = filterGraph(broken.nodes, broken.edges, { namespace: 'default', gateway: 'default/demo', kind: 'HTTPRoute', onlyProblems: true });
    expect(ids(nodes)).toEqual(['HTTPRoute/default/shop']);
  });
});

describe('the object list order and the kind menu', () => {
  it('puts problems first, then follows a request', () => {
    const sorted = sortForList(brokenExamplesGraph().nodes);
    expect(sorted[0]!.id).toBe('HTTPRoute/default/shop');
    expect(sorted[1]!.kind).toBe('GatewayClass');
    expect(sorted.at(-1)!.id).toBe('Service/default/api-v3');
  });

  it('sorts numbered names in numeric order', () => {
    const sorted = sortForList(largeGraph(12, 1).nodes.filter((n) => n.kind === 'HTTPRoute'));
    expect(sorted.map((n) => n.name)).toEqual(['route-9', 'route-0', 'route-1', 'route-2', 'route-3', 'route-4', 'route-5', 'route-6', 'route-7', 'route-8', 'route-10', 'route-11']);
  });

  it('lists the kinds present in a request order', () => {
    expect(kindsPresent(examplesGraph().nodes)).toEqual(['GatewayClass', 'Gateway', 'Listener', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'Ingress', 'Service', 'Endpoint']);
  });
});
