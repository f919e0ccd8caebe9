import { examplesGraph } from './fixtures/examples-graph.js';
import { collapseGraph } from './collapse-graph.js';
import { explainOutcome, explainQuery, highlightedEdges, highlightedItems } from './explain-path.js';

const SHOP_PATH = ['Gateway/default/demo', 'Listener/default/demo/http', 'HTTPRoute/default/shop', 'Service/default/api-v1', 'Endpoint/default/api-v1/127.0.0.1:9002'];

describe('explainQuery', () => {
  it('builds the query of GET /ui/api/explain', () => {
    const q = explainQuery({ url: ' http://shop.example.com:8080/api ', gateway: 'default/demo', method: 'post', headers: 'x-canary: true\n\n  X-Other:a:b  ' });
    expect(q).toEqual({ ok: true, query: 'url=http%3A%2F%2Fshop.example.com%3A8080%2Fapi&gateway=default%2Fdemo&method=POST&header=x-canary%3A+true&header=X-Other%3A+a%3Ab' });
  });

  it('leaves out an "any" gateway and an empty method', () => {
    expect(explainQuery({ url: 'https://a.example.com', gateway: '', method: '', headers: '' })).toEqual({ ok: true, query: 'url=https%3A%2F%2Fa.example.com' });
  });

  it('says what is wrong instead of sending a bad request', () => {
    expect(explainQuery({ url: 'shop.example.com/api', gateway: '', method: 'GET', headers: '' })).toMatchObject({ ok: false });
    expect(explainQuery({ url: 'http://a', gateway: '', method: 'GE T', headers: '' })).toMatchObject({ ok: false });
    expect(explainQuery({ url: 'http://a', gateway: '', method: 'GET', headers: 'ok: 1\nnot a header' })).toEqual({ ok: false, error: 'Header line 2 is not "Name: value".' });
  });
});

describe('explainOutcome', () => {
  it("reads the explanation's outcome", () => {
    expect(explainOutcome({ explanation: { outcome: 'forwarded', status: 0 }, summary: 'forwarded', path: [] })).toBe('forwarded');
    expect(explainOutcome({ explanation: null, summary: '', path: [] })).toBe('unknown');
    expect(explainOutcome({ explanation: { outcome: 3 }, summary: '', path: [] })).toBe('unknown');
  });
});

describe('path highlighting', () => {
  const doc = examplesGraph();

  it('highlights the drawn nodes of the path and the edges between them', () => {
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set());
    expect([...highlightedItems(SHOP_PATH, drawn.drawnAs)]).toEqual(SHOP_PATH);
    expect([...highlightedEdges(SHOP_PATH, drawn.drawnAs)]).toEqual([
      'Gateway/default/demo->Listener/default/demo/http',
      'Listener/default/demo/http->HTTPRoute/default/shop',
      'HTTPRoute/default/shop->Service/default/api-v1',
      'Service/default/api-v1->Endpoint/default/api-v1/127.0.0.1:9002',
    ]);
  });

  it('highlights the collapsed group a path node is folded into, and ignores ids not in the graph', () => {
    const drawn = collapseGraph(doc.nodes, doc.edges, new Set(['default/demo']));
    expect([...highlightedItems([...SHOP_PATH, 'HTTPRoute/default/gone'], drawn.drawnAs)]).toEqual(['Gateway/default/demo']);
    expect(highlightedEdges(SHOP_PATH, drawn.drawnAs).size).toBe(0);
  });
});
