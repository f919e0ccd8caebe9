import { envoyProtos, RESOURCE_TYPES, validateMessage, type Proto3Json } from '@portico/envoy';
import type { BackendIR, GatewayIR, HTTPRouteIR } from '@portico/ir';
import { buildXds } from './build-xds.js';
import { invalidBackendCluster } from './clusters/clusters.js';
import { consistencyProblems, referencedNames } from './snapshot/consistency.js';
import { INVALID_BACKEND_CLUSTER } from './names.js';
import { buildProxylessResources } from './proxyless.js';
import { grpcDecode, grpcListenerName, grpcRoutes } from './proxyless-grpc.test-util.js';
import { grpcRoute, httpRoute } from './routes/route-fixtures.test-util.js';

const GREETER = 'default/greeter/50051/http2';
const GREETER_V2 = 'default/greeter-v2/50051/http2';
const LEGACY = 'default/legacy/8080/http2';
const HOST = 'grpc.example.com';
const SAY_HELLO = '/helloworld.Greeter/SayHello';

function backend(name: string, port: number): BackendIR {
  const [namespace = '', service = ''] = name.split('/');
  return { name, service: { namespace, name: service, port: Number(name.split('/')[2]) }, protocol: 'HTTP2', endpoints: [{ address: '127.0.0.1', port }] };
}

function named(kind: string, name: string, overrides: Partial<HTTPRouteIR>, base = grpcRoute): HTTPRouteIR {
  return base({ name: `${kind}/default/${name}/rule/0/match/0`, source: { kind: kind === 'grpcroute' ? 'GRPCRoute' : 'HTTPRoute', namespace: 'default', name }, ...overrides });
}

/** The routes of grpc.example.com, in precedence order as the translator gives them. */
const ROUTES: HTTPRouteIR[] = [
  named('grpcroute', 'tenant-a', {
    match: { grpc: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' }, headers: [{ name: 'x-tenant', type: 'Exact', value: 'a' }] },
    destination: { backends: [{ weight: 1, backend: GREETER_V2 }] },
  }),
  named('grpcroute', 'split', {
    match: { grpc: { type: 'Exact', service: 'helloworld.Greeter' } },
    destination: { backends: [{ weight: 80, backend: GREETER }, { weight: 20, backend: GREETER_V2 }] },
  }),
  named('grpcroute', 'broken', {
    match: { grpc: { type: 'Exact', service: 'broken.Service' } },
    destination: { backends: [{ weight: 1, invalid: { status: 500, reason: 'BackendNotFound' } }] },
  }),
  named('httproute', 'moved', { match: { path: { type: 'PathPrefix', value: '/legacy.Moved' } }, redirect: { statusCode: 301, hostname: 'new.example.com' }, destination: undefined }, httpRoute),
  named('httproute', 'legacy', {
    match: { path: { type: 'PathPrefix', value: '/legacy.Service' } },
    destination: { backends: [{ weight: 1, backend: LEGACY }] },
    retry: { attempts: 2, codes: [503], backoffMs: 50 },
    timeouts: { requestMs: 3000 },
    cors: { allowOrigins: ['https://app.example.com'] },
  }, httpRoute),
  named('httproute', 'get-only', { match: { method: 'GET' }, destination: { backends: [{ weight: 1, backend: LEGACY }] } }, httpRoute),
  named('httproute', 'fallback', { match: { path: { type: 'PathPrefix', value: '/' } }, destination: { backends: [{ weight: 1, backend: GREETER }] } }, httpRoute),
];

const GATEWAY: GatewayIR = {
  name: 'default/eg',
  gatewayClass: 'portico',
  listeners: [
    {
      type: 'HTTP',
      name: 'http-8080',
      address: '0.0.0.0',
      port: 8080,
      sources: ['grpc'],
      virtualHosts: [
        { name: HOST, domains: [HOST], routes: ROUTES },
        { name: 'empty.example.com', domains: ['empty.example.com'], routes: [] },
        { name: '*.example.com', domains: ['*.example.com'], routes: [ROUTES[1]!] },
        { name: '*', domains: ['*'], routes: [ROUTES[1]!] },
      ],
    },
    { type: 'HTTP', name: 'http-9090', address: '0.0.0.0', port: 9090, sources: ['other'], virtualHosts: [{ name: HOST, domains: [HOST], routes: [ROUTES[1]!] }] },
    { type: 'TCP', name: 'tcp-5432', address: '0.0.0.0', port: 5432, sources: ['db'] },
  ],
  backends: [backend(GREETER_V2, 50052), backend(GREETER, 50051), backend(LEGACY, 50053)].sort((a, b) => (a.name < b.name ? -1 : 1)),
};

describe('buildProxylessResources', () => {
  beforeAll(() => envoyProtos());
  const { listeners, routes } = buildProxylessResources(GATEWAY);
  const resourceOf = (list: typeof routes, name: string): Proto3Json => list.find((r) => r.name === name)!.resource;

  it('serves one API listener per exact host and HTTP port, named as grpc-js-xds asks for `xds:///<host>:<port>`', () => {
    expect(listeners.map((l) => l.name)).toEqual(['empty.example.com:8080', 'grpc.example.com:8080', 'grpc.example.com:9090']);
    expect(grpcListenerName(`xds:///${HOST}:8080`)).toBe('grpc.example.com:8080');
    expect(routes.map((r) => r.name)).toEqual([
      'default/eg/proxyless/empty.example.com:8080',
      'default/eg/proxyless/grpc.example.com:8080',
      'default/eg/proxyless/grpc.example.com:9090',
    ]);
  });

  it('builds an API listener whose connection manager names its route table over ADS, router only', () => {
    const listener = resourceOf(listeners, 'grpc.example.com:8080');
    expect(validateMessage(RESOURCE_TYPES.listener, listener)).toEqual([]);
    expect(listener).toEqual({
      name: 'grpc.example.com:8080',
      apiListener: {
        apiListener: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          statPrefix: 'proxyless_grpc',
          rds: { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: 'default/eg/proxyless/grpc.example.com:8080' },
          httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        },
      },
    });
  });

  it('gives the route table one virtual host with the domain with and without the port', () => {
    const table = resourceOf(routes, 'default/eg/proxyless/grpc.example.com:8080');
    expect(validateMessage(RESOURCE_TYPES.route, table)).toEqual([]);
    const [vh, ...others] = table.virtualHosts as Proto3Json[];
    expect(others).toEqual([]);
    expect(vh!.domains).toEqual(['grpc.example.com', 'grpc.example.com:8080']);
    // The IR's order, without the GET-only route, with PathPrefix split in two.
    expect((vh!.routes as Proto3Json[]).map((r) => [r.name, r.match])).toEqual([
      ['grpcroute/default/tenant-a/rule/0/match/0', { path: SAY_HELLO, headers: [{ name: 'x-tenant', stringMatch: { exact: 'a' } }] }],
      ['grpcroute/default/split/rule/0/match/0', { prefix: '/helloworld.Greeter/' }],
      ['grpcroute/default/broken/rule/0/match/0', { prefix: '/broken.Service/' }],
      ['httproute/default/moved/rule/0/match/0', { path: '/legacy.Moved' }],
      ['httproute/default/moved/rule/0/match/0', { prefix: '/legacy.Moved/' }],
      ['httproute/default/legacy/rule/0/match/0', { path: '/legacy.Service' }],
      ['httproute/default/legacy/rule/0/match/0', { prefix: '/legacy.Service/' }],
      ['httproute/default/fallback/rule/0/match/0', { prefix: '/' }],
    ]);
  });

  it('uses only clusters Envoy is given, plus the invalid-backend cluster; the merged snapshot is consistent', () => {
    const envoy = buildXds(GATEWAY);
    const merged = { ...envoy, listeners: [...envoy.listeners, ...listeners], routes: [...envoy.routes, ...routes] };
    const used = referencedNames(merged).clusters;
    expect([...used].filter((c) => c !== INVALID_BACKEND_CLUSTER && !envoy.clusters.some((e) => e.name === c))).toEqual([]);
    // The Envoy table here references the invalid-backend cluster too (the GRPCRoute with no valid
    // backend); a snapshot builder adds it whenever the merged set references it.
    expect(envoy.clusters.map((c) => c.name)).toContain(INVALID_BACKEND_CLUSTER);
    expect(consistencyProblems(merged)).toEqual([]);
  });

  it('may need the invalid-backend cluster where Envoy does not: buildXds decides on the merged references', () => {
    const redirectOnly: GatewayIR = {
      ...GATEWAY,
      listeners: [{ type: 'HTTP', name: 'http-80', address: '0.0.0.0', port: 80, sources: ['a'], virtualHosts: [{ name: HOST, domains: [HOST], routes: [ROUTES[3]!] }] }],
    };
    const envoy = buildXds(redirectOnly);
    expect(envoy.clusters.map((c) => c.name)).not.toContain(INVALID_BACKEND_CLUSTER);
    const proxyless = buildProxylessResources(redirectOnly);
    const merged = { ...envoy, listeners: [...envoy.listeners, ...proxyless.listeners], routes: [...envoy.routes, ...proxyless.routes] };
    expect(referencedNames(merged).clusters).toEqual(new Set([INVALID_BACKEND_CLUSTER]));
    const withProxyless = buildXds(redirectOnly, { proxyless: true });
    expect(withProxyless.clusters.map((c) => c.name)).toContain(INVALID_BACKEND_CLUSTER);
    expect(withProxyless.namedOnly).toEqual(new Set([...proxyless.listeners, ...proxyless.routes].map((r) => r.name)));
    expect(consistencyProblems(withProxyless)).toEqual([]);
  });

  describe('as grpc-js-xds 1.14 sees it', () => {
    it('accepts every proxyless listener and route table', () => {
      for (const [kind, list] of [['listener', listeners], ['route', routes]] as const) {
        for (const r of list) {
          const { name, error } = grpcDecode(kind, r.resource);
          expect([name, error]).toEqual([r.name, undefined]);
        }
      }
    });

    it('accepts the clusters and endpoints Envoy is given, the invalid-backend cluster included', () => {
      const envoy = buildXds(GATEWAY);
      const special = invalidBackendCluster();
      for (const c of [...envoy.clusters, special.cluster]) expect(grpcDecode('cluster', c.resource).error).toBeUndefined();
      for (const e of [...envoy.endpoints, special.endpoints]) expect(grpcDecode('endpoint', e.resource).error).toBeUndefined();
    });

    it('rejects the Envoy route table itself (path_separated_prefix, redirect): the reason proxyless tables exist', () => {
      const envoyTable = buildXds(GATEWAY).routes.find((r) => r.name === 'default/eg/http-8080')!;
      const { error } = grpcDecode('route', envoyTable.resource);
      expect(error).toMatch(/unsupported path_specifier: path_separated_prefix/);
      expect(error).toMatch(/unsupported action: redirect/);
    });

    it('routes calls as the Gateway API routes say', () => {
      const table = grpcDecode('route', resourceOf(routes, 'default/eg/proxyless/grpc.example.com:8080')).value!;
      const call = (authority: string, path: string, headers?: Record<string, string>) => grpcRoutes(table, authority, path, headers);
      // Header match first, then the weighted split, for both domain forms.
      expect(call(`${HOST}:8080`, SAY_HELLO, { 'x-tenant': 'a' })).toEqual({ route: ROUTES[0]!.name, clusters: [GREETER_V2] });
      expect(call(`${HOST}:8080`, SAY_HELLO, { 'x-tenant': 'b' })).toEqual({ route: ROUTES[1]!.name, clusters: [`${GREETER}=80`, `${GREETER_V2}=20`] });
      expect(call(HOST, '/helloworld.Greeter/SayGoodbye')).toEqual({ route: ROUTES[1]!.name, clusters: [`${GREETER}=80`, `${GREETER_V2}=20`] });
      // An invalid backend and a redirect stop the call (UNAVAILABLE) rather than fall through to `/`.
      expect(call(`${HOST}:8080`, '/broken.Service/Do')?.clusters).toEqual([INVALID_BACKEND_CLUSTER]);
      expect(call(`${HOST}:8080`, '/legacy.Moved/Do')?.clusters).toEqual([INVALID_BACKEND_CLUSTER]);
      // PathPrefix is element-wise: `/legacy.Service/…` matches, `/legacy.ServiceX/…` does not.
      expect(call(`${HOST}:8080`, '/legacy.Service/Get')?.clusters).toEqual([LEGACY]);
      expect(call(`${HOST}:8080`, '/legacy.ServiceX/Get')).toEqual({ route: ROUTES[6]!.name, clusters: [GREETER] });
      // Another authority has no virtual host in this table.
      expect(call('other.example.com:8080', SAY_HELLO)).toBeUndefined();
    });

    it('keeps retries and the timeout in the fields gRPC reads', () => {
      const table = grpcDecode('route', resourceOf(routes, 'default/eg/proxyless/grpc.example.com:8080')).value!;
      const vh = (table.virtual_hosts as { routes: { name: string; route: Record<string, unknown> }[] }[])[0]!;
      const legacy = vh.routes.find((r) => r.name === ROUTES[4]!.name)!.route;
      expect(legacy.retry_policy).toEqual(expect.objectContaining({ retry_on: 'unavailable', num_retries: { value: 2 } }));
      expect(legacy.max_stream_duration).toEqual(expect.objectContaining({ grpc_timeout_header_max: { seconds: '3', nanos: 0 } }));
    });
  });

  it('serves nothing for HTTPS, TCP, or wildcard-only listeners', () => {
    const only = (listener: GatewayIR['listeners'][number]) => buildProxylessResources({ ...GATEWAY, listeners: [listener] });
    expect(only({ type: 'HTTP', name: 'http-80', address: '0.0.0.0', port: 80, sources: ['a'], virtualHosts: [{ name: '*', domains: ['*'], routes: [ROUTES[1]!] }] })).toEqual({ listeners: [], routes: [] });
    expect(only({ type: 'TLS', name: 'tls-443', address: '0.0.0.0', port: 443, sources: ['a'], servers: [] })).toEqual({ listeners: [], routes: [] });
  });

  it('keeps a domain with the first virtual host that has it, as the Envoy table does', () => {
    const out = buildProxylessResources({
      ...GATEWAY,
      listeners: [
        {
          type: 'HTTP', name: 'http-80', address: '0.0.0.0', port: 80, sources: ['a'],
          virtualHosts: [
            { name: 'a', domains: ['a.example.com'], routes: [ROUTES[1]!] },
            { name: 'a-again', domains: ['A.example.com'], routes: [ROUTES[0]!] },
          ],
        },
      ],
    });
    expect(out.listeners.map((l) => l.name)).toEqual(['a.example.com:80']);
    const vh = (out.routes[0]!.resource.virtualHosts as Proto3Json[])[0]!;
    expect((vh.routes as Proto3Json[]).map((r) => r.name)).toEqual([ROUTES[1]!.name]);
  });
});
