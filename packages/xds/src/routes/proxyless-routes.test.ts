import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER } from '../names.js';
import { proxylessRoutes } from './proxyless-routes.js';
import { grpcRoute, httpRoute } from './route-fixtures.test-util.js';

const ROUTE = 'envoy.config.route.v3.Route';
const GREETER = 'default/greeter/50051/http2';
const GREETER_V2 = 'default/greeter-v2/50051/http2';

/** The proxyless routes of one IR route, each checked against the Envoy proto. */
function convert(route: HTTPRouteIR): Proto3Json[] {
  const routes = proxylessRoutes(route);
  for (const r of routes) expect(validateMessage(ROUTE, r)).toEqual([]);
  return routes;
}

describe('proxylessRoutes', () => {
  beforeAll(() => envoyProtos());

  it('keeps a GRPCRoute method match and its cluster, without RouteMatch.grpc or Envoy’s timeouts', () => {
    const route = grpcRoute({ match: { grpc: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } } });
    expect(convert(route)).toEqual([
      { name: route.name, match: { path: '/helloworld.Greeter/SayHello' }, route: { cluster: GREETER } },
    ]);
  });

  it('keeps header matches, which gRPC compares with the call metadata', () => {
    const route = grpcRoute({
      match: { grpc: { type: 'Exact', service: 'helloworld.Greeter' }, headers: [{ name: 'x-tenant', type: 'Exact', value: 'a' }, { name: 'x-env', type: 'RegularExpression', value: 'prod|canary' }] },
    });
    expect(convert(route)[0]!.match).toEqual({
      prefix: '/helloworld.Greeter/',
      headers: [
        { name: 'x-tenant', stringMatch: { exact: 'a' } },
        { name: 'x-env', stringMatch: { safeRegex: { regex: 'prod|canary' } } },
      ],
    });
  });

  it('spells PathPrefix as an exact path then a `/`-terminated prefix, which gRPC accepts (not path_separated_prefix)', () => {
    const route = httpRoute({ match: { path: { type: 'PathPrefix', value: '/helloworld.Greeter/' }, headers: [{ name: 'x-a', type: 'Exact', value: '1' }] } });
    const routes = convert(route);
    expect(routes.map((r) => r.match)).toEqual([
      { path: '/helloworld.Greeter', headers: [{ name: 'x-a', stringMatch: { exact: '1' } }] },
      { prefix: '/helloworld.Greeter/', headers: [{ name: 'x-a', stringMatch: { exact: '1' } }] },
    ]);
    expect(routes.map((r) => r.name)).toEqual([route.name, route.name]);
    expect(JSON.stringify(routes)).not.toContain('pathSeparatedPrefix');
  });

  it('keeps the match-all prefix, exact paths and regexes as they are', () => {
    expect(convert(httpRoute())[0]!.match).toEqual({ prefix: '/' });
    expect(convert(httpRoute({ match: { path: { type: 'Exact', value: '/a.B/C' } } }))[0]!.match).toEqual({ path: '/a.B/C' });
    expect(convert(httpRoute({ match: { path: { type: 'RegularExpression', value: '/a\\..*' } } }))[0]!.match).toEqual({ safeRegex: { regex: '/a\\..*' } });
    expect(convert(grpcRoute({ match: { grpc: { type: 'Exact', method: 'SayHello' } } }))[0]!.match).toEqual({
      safeRegex: { regex: '^/[^/]+/SayHello$' },
    });
  });

  it('leaves out routes no gRPC call can match: another method than POST, or query parameters', () => {
    expect(convert(httpRoute({ match: { method: 'GET' } }))).toEqual([]);
    expect(convert(httpRoute({ match: { queryParams: [{ name: 'q', type: 'Exact', value: '1' }] } }))).toEqual([]);
    // POST is every gRPC call: the condition goes (grpc-js would look `:method` up in the metadata and never match).
    const post = convert(httpRoute({ match: { method: 'POST', headers: [{ name: 'x-a', type: 'Exact', value: '1' }] } }));
    expect(post[0]!.match).toEqual({ prefix: '/', headers: [{ name: 'x-a', stringMatch: { exact: '1' } }] });
    expect(convert(httpRoute({ match: { method: 'POST' } }))[0]!.match).toEqual({ prefix: '/' });
  });

  it('keeps weighted clusters with their names and weights only', () => {
    const route = grpcRoute({
      destination: {
        backends: [
          { weight: 80, backend: GREETER, requestHeaders: { set: [{ name: 'x-v', value: '1' }] } },
          { weight: 20, backend: GREETER_V2 },
        ],
      },
    });
    expect(convert(route)[0]!.route).toEqual({ weightedClusters: { clusters: [{ name: GREETER, weight: 80 }, { name: GREETER_V2, weight: 20 }] } });
    // One backend with its own header filter is a ClusterWeight to Envoy, a plain cluster here.
    const single = grpcRoute({ destination: { backends: [{ weight: 1, backend: GREETER, requestHeaders: { add: [{ name: 'x', value: 'y' }] } }] } });
    expect(convert(single)[0]!.route).toEqual({ cluster: GREETER });
  });

  it('sends invalid-backend shares to INVALID_BACKEND_CLUSTER (no endpoints: UNAVAILABLE)', () => {
    const invalid = { weight: 1, invalid: { status: 500, reason: 'BackendNotFound' } };
    const mixed = grpcRoute({ destination: { backends: [{ weight: 3, backend: GREETER }, invalid, { ...invalid, weight: 2 }] } });
    expect(convert(mixed)[0]!.route).toEqual({
      weightedClusters: { clusters: [{ name: GREETER, weight: 3 }, { name: INVALID_BACKEND_CLUSTER, weight: 3 }] },
    });
    expect(convert(grpcRoute({ destination: { backends: [invalid] } }))[0]!.route).toEqual({ cluster: INVALID_BACKEND_CLUSTER });
    expect(convert(grpcRoute({ destination: { backends: [{ weight: 0, backend: GREETER }] } }))[0]!.route).toEqual({ cluster: INVALID_BACKEND_CLUSTER });
  });

  it('fails an ExternalAuth route closed: a gRPC client cannot run the check, and the call must not reach the backend', () => {
    const checked = httpRoute({ externalAuth: { protocol: 'GRPC', backend: 'default/authz/9000/http2' } });
    expect(convert(checked).map((r) => r.route)).toEqual([{ cluster: INVALID_BACKEND_CLUSTER }]);
  });

  it('turns a redirect or direct response into a failing route, so its calls do not fall through to a later route', () => {
    const redirect = httpRoute({ match: { path: { type: 'PathPrefix', value: '/old' } }, redirect: { statusCode: 301, hostname: 'new.example.com' } });
    delete redirect.destination;
    expect(convert(redirect).map((r) => r.route)).toEqual([{ cluster: INVALID_BACKEND_CLUSTER }, { cluster: INVALID_BACKEND_CLUSTER }]);
    const direct = httpRoute({ directResponse: { status: 503, body: 'down' } });
    delete direct.destination;
    expect(convert(direct)).toEqual([{ name: direct.name, match: { prefix: '/' }, route: { cluster: INVALID_BACKEND_CLUSTER } }]);
    expect(JSON.stringify([convert(redirect), convert(direct)])).not.toMatch(/redirect|directResponse/);
  });

  it('maps retries to gRFC A44: retry on UNAVAILABLE with the attempts and the backoff', () => {
    const route = httpRoute({ retry: { attempts: 3, codes: [500, 503], backoffMs: 100 }, timeouts: { requestMs: 5000, backendRequestMs: 1000 } });
    expect(convert(route)[0]!.route).toEqual({
      cluster: 'default/web/80/http',
      retryPolicy: { retryOn: 'unavailable', numRetries: 3, retryBackOff: { baseInterval: '0.100s' } },
      // With retries only the whole-call timeout holds; gRPC has no per-try timeout.
      maxStreamDuration: { maxStreamDuration: '5s', grpcTimeoutHeaderMax: '5s' },
    });
    expect(convert(httpRoute({ retry: { attempts: 1 } }))[0]!.route).toEqual({
      cluster: 'default/web/80/http',
      retryPolicy: { retryOn: 'unavailable', numRetries: 1 },
    });
    expect(convert(httpRoute({ retry: { attempts: 0 } }))[0]!.route).toEqual({ cluster: 'default/web/80/http' });
  });

  it('maps timeouts to max_stream_duration (gRFC A31), the tighter one without retries; 0 is none', () => {
    const timeout = (timeouts: HTTPRouteIR['timeouts']) => (convert(httpRoute({ timeouts }))[0]!.route as Proto3Json).maxStreamDuration;
    expect(timeout({ requestMs: 1500 })).toEqual({ maxStreamDuration: '1.500s', grpcTimeoutHeaderMax: '1.500s' });
    expect(timeout({ requestMs: 5000, backendRequestMs: 2000 })).toEqual({ maxStreamDuration: '2s', grpcTimeoutHeaderMax: '2s' });
    expect(timeout({ requestMs: 0, backendRequestMs: 2000 })).toEqual({ maxStreamDuration: '2s', grpcTimeoutHeaderMax: '2s' });
    expect(timeout({ requestMs: 0 })).toBeUndefined();
    expect(timeout(undefined)).toBeUndefined();
  });

  it('leaves out what gRPC ignores: header modifiers, rewrites, mirrors, CORS, session persistence', () => {
    const route = httpRoute({
      requestHeaders: { set: [{ name: 'x-a', value: '1' }, { name: 'host', value: 'h' }] },
      responseHeaders: { remove: ['x-b'] },
      rewrite: { hostname: 'backend', path: { type: 'ReplaceFullPath', value: '/x' } },
      mirrors: [{ backend: 'default/shadow/80/http', percent: 50 }],
      cors: { allowOrigins: ['https://a.example.com'] },
      sessionPersistence: { type: 'Header', name: 'x-session' },
    });
    expect(convert(route)).toEqual([{ name: route.name, match: { prefix: '/' }, route: { cluster: 'default/web/80/http' } }]);
  });
});
