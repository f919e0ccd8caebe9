import { decodeMessage, encodeMessage, envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import type { VirtualHostIR } from '@portico/ir';
import { buildRouteConfiguration } from './route-configuration.js';
import { grpcRoute, httpRoute } from './route-fixtures.test-util.js';

const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
const HTTP_80 = { port: 80, tls: false };

describe('buildRouteConfiguration', () => {
  beforeAll(() => envoyProtos());

  it('names the resource as asked and makes one virtual host per IR virtual host', () => {
    const virtualHosts: VirtualHostIR[] = [
      { name: 'www.example.com', domains: ['www.example.com'], routes: [httpRoute()] },
      { name: '*.example.com', domains: ['*.example.com'], routes: [] },
      { name: '*', domains: ['*'], routes: [httpRoute({ name: 'httproute/default/other/rule/0/match/0' })] },
    ];
    const table = buildRouteConfiguration('default/eg/http-80', virtualHosts, HTTP_80);
    expect(table.name).toBe('default/eg/http-80');
    expect(validateMessage(ROUTE_CONFIGURATION, table.resource)).toEqual([]);
    expect(table.resource).toEqual({
      name: 'default/eg/http-80',
      virtualHosts: [
        {
          name: 'www.example.com',
          domains: ['www.example.com'],
          routes: [{ name: 'httproute/default/web/rule/0/match/0', match: { prefix: '/' }, route: { cluster: 'default/web/80/http' } }],
        },
        // A listener hostname with nothing attached: no routes, so Envoy answers 404 itself.
        { name: '*.example.com', domains: ['*.example.com'], routes: [] },
        {
          name: '*',
          domains: ['*'],
          routes: [{ name: 'httproute/default/other/rule/0/match/0', match: { prefix: '/' }, route: { cluster: 'default/web/80/http' } }],
        },
      ],
      ignorePortInHostMatching: true,
    });
  });

  it('keeps the IR route order, which is precedence order', () => {
    const names = ['exact', 'long-prefix', 'short-prefix'].map((n) => `httproute/default/${n}/rule/0/match/0`);
    const routes = [
      httpRoute({ name: names[0], match: { path: { type: 'Exact', value: '/a/b' } } }),
      httpRoute({ name: names[1], match: { path: { type: 'PathPrefix', value: '/a/b' } } }),
      httpRoute({ name: names[2], match: { path: { type: 'PathPrefix', value: '/a' } } }),
    ];
    const table = buildRouteConfiguration('t', [{ name: 'example.com', domains: ['example.com'], routes }], HTTP_80);
    const vh = (table.resource.virtualHosts as Proto3Json[])[0]!;
    expect((vh.routes as Proto3Json[]).map((r) => r.name)).toEqual(names);
  });

  it('is an empty table when there is nothing to route: every request gets Envoy’s 404', () => {
    const table = buildRouteConfiguration('t', [], HTTP_80);
    expect(validateMessage(ROUTE_CONFIGURATION, table.resource)).toEqual([]);
    expect(table.resource.virtualHosts).toEqual([]);
  });

  it('never repeats a domain, which Envoy would refuse for the whole table', () => {
    const table = buildRouteConfiguration(
      't',
      [
        { name: 'example.com', domains: ['example.com'], routes: [] },
        { name: 'example.com', domains: ['Example.com', 'www.example.com'], routes: [] },
        { name: 'dup', domains: ['EXAMPLE.COM'], routes: [] },
      ],
      HTTP_80,
    );
    expect((table.resource.virtualHosts as Proto3Json[]).map((vh) => [vh.name, vh.domains])).toEqual([
      ['example.com', ['example.com']],
      ['example.com#2', ['www.example.com']],
    ]);
  });

  it('encodes every feature at once into a valid RouteConfiguration', () => {
    const routes = [
      grpcRoute({ match: { grpc: { type: 'Exact', service: 'pkg.Svc', method: 'Get' } }, sessionPersistence: { type: 'Header', name: 'x-s' } }),
      httpRoute({
        name: 'httproute/default/all/rule/0/match/0',
        match: {
          path: { type: 'PathPrefix', value: '/api/' },
          method: 'GET',
          headers: [{ name: 'x-v', type: 'RegularExpression', value: 'v[12]' }],
          queryParams: [{ name: 'q', type: 'Exact', value: '1' }],
        },
        requestHeaders: { set: [{ name: 'x-a', value: '1' }], add: [{ name: 'x-b', value: '2' }], remove: ['x-c'] },
        responseHeaders: { set: [{ name: 'x-d', value: '3' }], remove: ['x-e'] },
        rewrite: { hostname: 'api.internal', path: { type: 'ReplacePrefixMatch', value: '/v2' } },
        mirrors: [{ backend: 'default/shadow/80/http', percent: 50 }],
        cors: { allowOrigins: ['https://*.example.com'], allowCredentials: true, allowMethods: ['GET'], maxAgeSeconds: 60 },
        timeouts: { requestMs: 30000, backendRequestMs: 5000 },
        retry: { attempts: 2, codes: [502, 503, 504], backoffMs: 250 },
        sessionPersistence: { type: 'Cookie', name: 'sticky', lifetime: 'Session' },
        destination: {
          backends: [
            { weight: 90, backend: 'default/api/80/http', requestHeaders: { set: [{ name: 'x-pool', value: 'main' }] } },
            { weight: 10, invalid: { status: 500, reason: 'missing' } },
          ],
        },
      }),
      httpRoute({ name: 'httproute/default/redirect/rule/0/match/0', destination: undefined, redirect: { scheme: 'https', hostname: 'example.com', statusCode: 308 } }),
      httpRoute({ name: 'httproute/default/down/rule/0/match/0', destination: undefined, directResponse: { status: 500 } }),
    ];
    const table = buildRouteConfiguration('default/eg/tls-443/https', [{ name: 'example.com', domains: ['example.com'], routes }], { port: 443, tls: true });
    expect(validateMessage(ROUTE_CONFIGURATION, table.resource)).toEqual([]);
    // Through protobuf binary and back: nothing is lost on the way to Envoy.
    const decoded = decodeMessage(ROUTE_CONFIGURATION, encodeMessage(ROUTE_CONFIGURATION, table.resource));
    const route = ((decoded.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[])[1]!;
    expect((route.route as Proto3Json).prefixRewrite).toBe('/v2');
    expect(Object.keys(route.typedPerFilterConfig as Proto3Json).sort()).toEqual(['envoy.filters.http.cors', 'envoy.filters.http.stateful_session']);
  });
});
