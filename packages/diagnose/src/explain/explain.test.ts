/**
 * explainRequest on the xDS Portico builds for testdata/explain/shop.yaml (offlineInput, as
 * `portico explain -f` does): every outcome, the near misses, and both renderings.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadResources } from '@portico/resources';
import { offlineInput } from '../offline-input.js';
import { chooseGateway, explainRequest } from './explain.js';
import { renderExplanation } from './render-explain.js';
import { parseExplainRequest, type RequestOptions } from './request.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
let xds: ReadonlyMap<string, unknown>;

beforeAll(async () => {
  const { objects } = await loadResources([
    resolve(ROOT, 'testdata/explain/shop.yaml'),
    resolve(ROOT, 'testdata/certs/secret-example.com.yaml'),
    resolve(ROOT, 'testdata/certs/secret-foo.example.org.yaml'),
  ]);
  xds = offlineInput(objects, new Date('2026-01-01T00:00:00Z')).xds!;
});

const explain = (url: string, options: RequestOptions = {}) => {
  const request = parseExplainRequest(url, options);
  return explainRequest(chooseGateway(xds, request), xds.get('default/demo'), request);
};

describe('explainRequest', () => {
  test('forwarded: listener, chain, virtual host, route, rule, backend with weights and endpoints, filters', () => {
    const e = explain('http://shop.example.com:8080/api/orders');
    expect(e).toMatchObject({
      gateway: 'default/demo',
      listener: 'default/demo/http-8080',
      routeConfig: 'default/demo/http-8080',
      virtualHost: 'shop.example.com',
      route: 'httproute/default/shop/rule/1/match/0',
      rule: 'HTTPRoute default/shop rule 1, match 0',
      status: 0,
      outcome: 'forwarded',
      redirect: null,
      backends: [
        { cluster: 'default/api-v1/8080/http', weight: 90, endpoints: ['10.0.0.1:9002', '10.0.0.2:9002'], status: 0 },
        { cluster: 'default/api-v2/8080/http', weight: 10, endpoints: ['10.0.0.3:9003'], status: 0 },
      ],
      filters: ['request header set x-served-by: portico'],
    });
    // The canary rule above it failed on its header only: a near miss.
    expect(e.nearMisses).toEqual([{ route: 'httproute/default/shop/rule/0/match/0', rule: 'HTTPRoute default/shop rule 0, match 0', failed: 'header x-canary = "true"' }]);
  });

  test('a header selects the canary rule', () => {
    const e = explain('http://shop.example.com:8080/api', { headers: ['x-canary: true'] });
    expect(e.rule).toBe('HTTPRoute default/shop rule 0, match 0');
    expect(e.backends.map((b) => [b.cluster, b.weight])).toEqual([['default/api-v2/8080/http', 100]]);
  });

  test('redirect: status and Location (prefix replaced, port of the Host kept, query kept)', () => {
    const e = explain('http://shop.example.com:8080/catalog/shoes?size=42');
    expect(e).toMatchObject({ status: 301, outcome: 'redirect', redirect: 'http://shop.example.com:8080/products/shoes?size=42' });
  });

  test('404: no virtual host for the Host, with the domains there are', () => {
    const e = explain('http://nope.example.com:8080/');
    expect(e).toMatchObject({ status: 404, outcome: 'no-virtual-host', virtualHost: null, route: null });
    expect(e.reason).toContain('shop.example.com');
  });

  test('404: no route, with the near misses (path first, then the rest)', () => {
    const e = explain('http://shop.example.com:8080/admin', { method: 'GET' });
    expect(e).toMatchObject({ status: 404, outcome: 'no-route', route: null });
    expect(e.nearMisses[0]).toEqual({ route: 'httproute/default/shop/rule/5/match/0', rule: 'HTTPRoute default/shop rule 5, match 0', failed: 'method = "POST"' });
    expect(explain('http://shop.example.com:8080/admin', { method: 'POST' }).status).toBe(0);
  });

  test('500: a backendRef to a Service that does not exist', () => {
    const e = explain('http://shop.example.com:8080/broken');
    expect(e).toMatchObject({ status: 500, outcome: 'invalid-backend', route: 'httproute/default/shop/rule/3/match/0' });
  });

  test('a share of the weight to an invalid backend: 500 for that share only', () => {
    const e = explain('http://shop.example.com:8080/mixed');
    expect(e).toMatchObject({ status: 0, outcome: 'forwarded' });
    expect(e.backends.map((b) => [b.cluster, b.weight, b.status])).toEqual([
      ['default/api-v1/8080/http', 75, 0],
      ['portico/invalid-backend', 25, 500],
    ]);
    expect(e.reason).toBe('forwarded to default/api-v1/8080/http (75 %); the other shares: portico/invalid-backend (25 %) → 500');
  });

  test('503: a Service without endpoints', () => {
    const e = explain('http://shop.example.com:8080/empty');
    expect(e).toMatchObject({ status: 503, outcome: 'no-endpoints', backends: [{ cluster: 'default/empty/8080/http', endpoints: [], status: 503 }] });
  });

  test('HTTPS: the chain chosen by SNI, and 421 for a Host owned by another HTTPS listener', () => {
    const ok = explain('https://shop.example.com:8443/api');
    expect(ok).toMatchObject({ filterChain: 'https', serverName: '*.example.com', status: 0 });
    const misdirected = explain('https://foo.example.org:8443/', { headers: ['Host: shop.example.com'] });
    expect(misdirected).toMatchObject({ filterChain: 'foo', serverName: 'foo.example.org', status: 421, outcome: 'misdirected', route: 'misdirected:https', rule: null });
    const other = explain('https://shop.example.com:8443/', { headers: ['Host: foo.example.org'] });
    expect(other).toMatchObject({ filterChain: 'https', status: 421 });
  });

  test('no HTTP answer: no listener on the port, TLS expected, unknown SNI', () => {
    expect(explain('http://shop.example.com:9999/')).toMatchObject({ status: null, outcome: 'no-listener' });
    expect(explain('http://shop.example.com:8443/')).toMatchObject({ status: null, outcome: 'connection-closed' });
    expect(explain('https://other.test:8443/')).toMatchObject({ status: null, outcome: 'connection-closed', filterChain: null });
    expect(explain('https://shop.example.com:8080/')).toMatchObject({ status: null, outcome: 'connection-closed' });
  });

  test('a fragment in the path: 400 before routing', () => {
    expect(explain('http://shop.example.com:8080/api#x')).toMatchObject({ status: 400, outcome: 'bad-request', virtualHost: null });
  });

  test('the path is routed after normalisation (dot segments, merged slashes)', () => {
    expect(explain('http://shop.example.com:8080//catalog/./a/../b').redirect).toBe('http://shop.example.com:8080/products/b');
  });

  test('json has the documented fields; text names each step', () => {
    const e = explain('http://shop.example.com:8080/api/orders');
    const json = JSON.parse(renderExplanation(e, 'json')) as Record<string, unknown>;
    for (const key of ['listener', 'filterChain', 'virtualHost', 'route', 'rule', 'status', 'redirect', 'backends']) expect(json).toHaveProperty(key);
    const text = renderExplanation(e, 'text');
    expect(text).toContain('virtual host  shop.example.com (domain shop.example.com)');
    expect(text).toContain('default/api-v1/8080/http  weight 90 %  10.0.0.1:9002, 10.0.0.2:9002');
    expect(text).toContain('status        0 (forwarded)');
    expect(text).toContain('filter chain  filter_chains[0]');
  });
});
