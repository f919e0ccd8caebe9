import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER, INVALID_BACKEND_HEADER } from '../names.js';
import { buildRouteConfiguration } from './route-configuration.js';
import { grpcRoute, httpRoute } from './route-fixtures.test-util.js';

const INVALID_SHARE_HEADERS = [{ header: { key: INVALID_BACKEND_HEADER, value: 'true' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }];

/** The Envoy route built for one IR route, checked against the RouteConfiguration schema. */
function envoyRoute(route: HTTPRouteIR): Proto3Json {
  const table = buildRouteConfiguration('t', [{ name: '*', domains: ['*'], routes: [route] }], { port: 80, tls: false });
  expect(validateMessage('envoy.config.route.v3.RouteConfiguration', table.resource)).toEqual([]);
  return ((table.resource.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[])[0]!;
}

function action(route: HTTPRouteIR): Proto3Json {
  return envoyRoute(route).route as Proto3Json;
}

describe('route destinations', () => {
  beforeAll(() => envoyProtos());

  it('sends to one cluster when there is one plain backend', () => {
    expect(action(httpRoute())).toEqual({ cluster: 'default/web/80/http' });
  });

  it('splits by weight, an invalid share going to the invalid-backend cluster with its marker', () => {
    const route = httpRoute({
      destination: {
        backends: [
          { weight: 80, backend: 'default/v1/80/http' },
          { weight: 10, invalid: { status: 500, reason: 'Service "gone" not found' } },
          { weight: 5, backend: 'default/v2/80/http' },
          { weight: 5, invalid: { status: 500, reason: 'not permitted' } },
        ],
      },
    });
    expect(action(route)).toEqual({
      weightedClusters: {
        clusters: [
          { name: 'default/v1/80/http', weight: 80 },
          { name: INVALID_BACKEND_CLUSTER, weight: 15, requestHeadersToAdd: INVALID_SHARE_HEADERS },
          { name: 'default/v2/80/http', weight: 5 },
        ],
      },
    });
  });

  it('carries a backendRef’s own header filters on its ClusterWeight, a Host among them as host rewrite', () => {
    const route = httpRoute({
      destination: {
        backends: [
          {
            weight: 1,
            backend: 'default/v1/80/http',
            requestHeaders: { set: [{ name: 'x-backend', value: 'v1' }, { name: 'Host', value: 'v1.internal' }], remove: ['x-drop'] },
            responseHeaders: { add: [{ name: 'x-served-by', value: 'v1' }], remove: ['server'] },
          },
        ],
      },
    });
    expect(action(route)).toEqual({
      weightedClusters: {
        clusters: [
          {
            name: 'default/v1/80/http',
            weight: 1,
            requestHeadersToAdd: [{ header: { key: 'x-backend', value: 'v1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
            requestHeadersToRemove: ['x-drop'],
            responseHeadersToAdd: [{ header: { key: 'x-served-by', value: 'v1' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' }],
            responseHeadersToRemove: ['server'],
            hostRewriteLiteral: 'v1.internal',
          },
        ],
      },
    });
  });

  it('answers 500 itself when no share has weight (Envoy needs a positive sum)', () => {
    const route = httpRoute({ destination: { backends: [{ weight: 0, backend: 'default/v1/80/http' }] } });
    expect(envoyRoute(route).directResponse).toEqual({ status: 500 });
  });

  it('maps directResponse, with its body when there is one', () => {
    expect(envoyRoute(httpRoute({ destination: undefined, directResponse: { status: 503 } })).directResponse).toEqual({ status: 503 });
    expect(envoyRoute(httpRoute({ destination: undefined, directResponse: { status: 500, body: 'no backend' } })).directResponse).toEqual({
      status: 500,
      body: { inlineString: 'no backend' },
    });
  });

  it('answers a GRPCRoute’s 500 through the invalid-backend cluster, which gRPC xDS clients accept', () => {
    const route = envoyRoute(grpcRoute({ destination: undefined, directResponse: { status: 500 } }));
    expect(route.directResponse).toBeUndefined();
    expect((route.route as Proto3Json).weightedClusters).toEqual({ clusters: [{ name: INVALID_BACKEND_CLUSTER, weight: 1, requestHeadersToAdd: INVALID_SHARE_HEADERS }] });
  });
});

describe('URLRewrite and mirrors', () => {
  beforeAll(() => envoyProtos());

  it('rewrites the prefix element-wise and the host', () => {
    const route = httpRoute({
      match: { path: { type: 'PathPrefix', value: '/foo' } },
      rewrite: { hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', value: '/' } },
    });
    expect(action(route)).toEqual({
      cluster: 'default/web/80/http',
      regexRewrite: { pattern: { regex: '^/foo/?' }, substitution: '/' },
      hostRewriteLiteral: 'internal.example.com',
    });
  });

  it('replaces the full path', () => {
    const route = httpRoute({ rewrite: { path: { type: 'ReplaceFullPath', value: '/replaced' } } });
    expect(action(route).regexRewrite).toEqual({ pattern: { regex: '^/.*$' }, substitution: '/replaced' });
  });

  it('turns a Host set by RequestHeaderModifier into a host rewrite; URLRewrite wins over it', () => {
    const headerOnly = envoyRoute(httpRoute({ requestHeaders: { set: [{ name: 'host', value: 'a.internal' }] } }));
    expect((headerOnly.route as Proto3Json).hostRewriteLiteral).toBe('a.internal');
    expect(headerOnly.requestHeadersToAdd).toBeUndefined();
    const both = envoyRoute(httpRoute({ requestHeaders: { set: [{ name: 'Host', value: 'a.internal' }] }, rewrite: { hostname: 'b.internal' } }));
    expect((both.route as Proto3Json).hostRewriteLiteral).toBe('b.internal');
  });

  it('mirrors a fraction in parts per million, all of it without a fraction, nothing at 0%', () => {
    const route = httpRoute({
      mirrors: [
        { backend: 'default/all/80/http', percent: 100 },
        { backend: 'default/some/80/http', percent: 12.5 },
        { backend: 'default/tiny/80/http', percent: 0.0001 },
        { backend: 'default/none/80/http', percent: 0 },
      ],
    });
    expect(action(route).requestMirrorPolicies).toEqual([
      { cluster: 'default/all/80/http' },
      { cluster: 'default/some/80/http', runtimeFraction: { defaultValue: { numerator: 125000, denominator: 'MILLION' } } },
      { cluster: 'default/tiny/80/http', runtimeFraction: { defaultValue: { numerator: 1, denominator: 'MILLION' } } },
    ]);
  });
});

describe('timeouts and retries', () => {
  beforeAll(() => envoyProtos());

  it('leaves Envoy’s default route timeout alone when nothing is set', () => {
    expect(action(httpRoute())).toEqual({ cluster: 'default/web/80/http' });
  });

  it('maps the request timeout to the route timeout; 0s disables it', () => {
    expect(action(httpRoute({ timeouts: { requestMs: 1500 } })).timeout).toBe('1.500s');
    expect(action(httpRoute({ timeouts: { requestMs: 0 } })).timeout).toBe('0s');
  });

  it('without retries, the backend request timeout is the route timeout (the tighter of both)', () => {
    expect(action(httpRoute({ timeouts: { backendRequestMs: 2000 } })).timeout).toBe('2s');
    expect(action(httpRoute({ timeouts: { requestMs: 10000, backendRequestMs: 2000 } })).timeout).toBe('2s');
    expect(action(httpRoute({ timeouts: { requestMs: 0, backendRequestMs: 2000 } })).timeout).toBe('2s');
    expect(action(httpRoute({ timeouts: { requestMs: 10000, backendRequestMs: 0 } })).timeout).toBe('10s');
    expect(action(httpRoute({ timeouts: { backendRequestMs: 0 } })).timeout).toBe('0s');
  });

  it('retries on connection errors and exactly the listed codes, with a per-try timeout and backoff', () => {
    const route = httpRoute({ timeouts: { requestMs: 10000, backendRequestMs: 2000 }, retry: { attempts: 3, codes: [500, 503], backoffMs: 100 } });
    expect(action(route)).toEqual({
      cluster: 'default/web/80/http',
      timeout: '10s',
      retryPolicy: {
        retryOn: 'connect-failure,refused-stream,reset,retriable-status-codes',
        numRetries: 3,
        retriableStatusCodes: [500, 503],
        perTryTimeout: '2s',
        retryBackOff: { baseInterval: '0.100s' },
      },
    });
  });

  it('retries on connection errors only when no codes are listed; a per-try timeout lifts the 15s default', () => {
    const route = httpRoute({ timeouts: { backendRequestMs: 20000 }, retry: { attempts: 2 } });
    expect(action(route)).toEqual({
      cluster: 'default/web/80/http',
      timeout: '0s',
      retryPolicy: { retryOn: 'connect-failure,refused-stream,reset', numRetries: 2, perTryTimeout: '20s' },
    });
  });

  it('has no retry policy for zero attempts (gRPC xDS clients refuse num_retries 0)', () => {
    expect(action(httpRoute({ retry: { attempts: 0, codes: [503] } })).retryPolicy).toBeUndefined();
  });

  it('lets gRPC streams live as long as the client deadline says', () => {
    expect(action(grpcRoute())).toEqual({
      cluster: 'default/greeter/50051/http2',
      timeout: '0s',
      maxStreamDuration: { grpcTimeoutHeaderMax: '0s' },
    });
  });
});
