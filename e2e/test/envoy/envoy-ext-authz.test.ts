/**
 * The ExternalAuth HTTPRoute filter (GEP-1494) through a real Envoy (ENVOY_BIN), with test
 * authorization servers of our own (support/backends/ext-authz-servers.ts): one listener, one route per
 * auth mode, each checked by its own service, and an unfiltered rule next to a filtered one.
 * - HTTP auth: allow → the backend answers, with the auth server's `x-user` (allowedResponseHeaders)
 *   and without its other headers; the check's path carries the `/check` prefix and only the allowed
 *   client headers; deny → the auth server's 403, header and body reach the client.
 * - gRPC auth (envoy.service.auth.v3.Authorization): allow → the backend answers with the header the
 *   server added; deny → the server's 401, header and body.
 * - forwardBody above Envoy's 32 KiB per-connection buffer (200 kB): checked and forwarded whole.
 * - forwardBody with an empty http stanza: the body (up to maxSize) reaches the auth server, a larger
 *   one is refused with 413; every auth answer header but its own entity/connection ones reaches the
 *   backend, and the client's content-type survives.
 * - The auth service down (its endpoint a closed port): denied (fail closed, 403), never forwarded.
 * - `/public` on the same route and listener: served without any check.
 * - A cross-namespace auth Service without a ReferenceGrant: that rule answers 500, ResolvedRefs
 *   False RefNotPermitted; the route's other rule serves.
 * Prints the latency a check adds per request (median of sequential requests). Runs the compiled
 * CLI: `npx tsc -b` first.
 */
import { jest } from '@jest/globals';
import type { EnvoyProcess } from '../support/envoy-process.js';
import type { AuthServer } from '../support/backends/ext-authz-servers.js';
import { startExtAuthHarness, type ExtAuthHarness, type ExtAuthPorts } from '../support/ext-authz-harness.js';
import { nacksSeenByPortico, routeConditions } from '../support/isolation-status.js';
import type { ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';
import { median } from '../support/latency.js';
import { sendWithHost } from '../support/host-request.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(60_000);

function service(name: string, namespace: string, portName: string, endpointPort: number): string {
  return loopbackServiceYaml(name, endpointPort, { namespace, portName });
}

function resourcesYaml(p: ExtAuthPorts): string {
  const authRoute = (host: string, filter: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${host.split('.')[0]}, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [${host}]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /public } }]
    backendRefs: [{ name: backend, port: 80 }]
  - filters:
    - type: ExternalAuth
      externalAuth:
${filter}
    backendRefs: [{ name: backend, port: 80 }]
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-ext-authz }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-ext-authz
  listeners:
  - { name: http, protocol: HTTP, port: ${p.listener}, allowedRoutes: { namespaces: { from: All } } }
${authRoute('http-auth.example.com', `        protocol: HTTP
        backendRef: { name: http-auth, port: 80 }
        http: { path: /check, allowedHeaders: [x-auth], allowedResponseHeaders: [x-user] }`)}
${authRoute('grpc-auth.example.com', `        protocol: GRPC
        backendRef: { name: grpc-auth, port: 80 }
        grpc: {}`)}
${authRoute('down-auth.example.com', `        protocol: HTTP
        backendRef: { name: down-auth, port: 80 }
        http: {}`)}
${authRoute('body-auth.example.com', `        protocol: HTTP
        backendRef: { name: http-auth, port: 80 }
        http: {}
        forwardBody: { maxSize: 16 }`)}
${authRoute('bigbody-auth.example.com', `        protocol: HTTP
        backendRef: { name: http-auth, port: 80 }
        http: {}
        forwardBody: { maxSize: 262144 }`)}
${authRoute('ungranted.example.com', `        protocol: HTTP
        backendRef: { name: http-auth, namespace: auth, port: 80 }
        http: {}`)}
${service('backend', 'default', 'http', p.backend)}${service('http-auth', 'default', 'http', p.httpAuth)}${service('grpc-auth', 'default', 'grpc', p.grpcAuth)}${service('down-auth', 'default', 'http', p.downAuth)}${service('http-auth', 'auth', 'http', p.httpAuth)}`;
}


/** A GET through the gateway with this Host and headers; a failed request is status 0. */
const send = sendWithHost;

describeWithEnvoy('ExternalAuth through a real Envoy', () => {
  let harness: ExtAuthHarness;
  let listener: number;
  let httpAuth: AuthServer;
  let grpcAuth: AuthServer;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let backendRequests: () => number;

  beforeAll(async () => {
    harness = await startExtAuthHarness({
      name: 'ext-authz',
      resourcesYaml,
      backendReply: (req, body) => ({ path: req.url, user: req.headers['x-user'] ?? null, notCopied: req.headers['x-not-copied'] ?? null, contentType: req.headers['content-type'] ?? null, body }),
      ready: { host: 'http-auth.example.com', path: '/public' },
    });
    ({ httpAuth, grpcAuth, serve, envoy, backendRequests } = harness);
    listener = harness.ports.listener;
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test('HTTP auth allows: the backend answers, with the allowed auth response header only', async () => {
    const checksBefore = httpAuth.checks.length;
    const reply = await send(listener, 'http-auth.example.com', '/orders?id=7', { 'x-auth': 'allow', 'x-secret': 'not for auth', authorization: 'Bearer t' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ path: '/orders?id=7', user: 'alice', notCopied: null });
    const check = httpAuth.checks[checksBefore]!;
    // http.path is a prefix of the checked path; only Host, Method, Path, Content-Length,
    // Authorization and the allowed headers reach the auth server.
    expect(check.path).toBe('/check/orders?id=7');
    expect(check.headers).toMatchObject({ 'x-auth': 'allow', authorization: 'Bearer t' });
    expect(check.headers['x-secret']).toBeUndefined();
  });

  test('HTTP auth denies: its status, header and body reach the client; the backend is not called', async () => {
    const before = backendRequests();
    const reply = await send(listener, 'http-auth.example.com', '/orders', { 'x-auth': 'nope' });
    expect(reply.status).toBe(403);
    expect(reply.headers['x-deny-reason']).toBe('http-auth says no');
    expect(reply.body).toBe('denied by the HTTP auth server');
    expect(backendRequests()).toBe(before);
  });

  test('gRPC auth allows (with the header it adds) and denies (with its status, header and body)', async () => {
    const allowed = await send(listener, 'grpc-auth.example.com', '/things', { 'x-auth': 'allow', 'x-extra': 'seen' });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ path: '/things', user: 'bob' });
    const check = grpcAuth.checks.at(-1)!;
    expect(check.path).toBe('/things');
    // No grpc.allowedHeaders: every client header is in the CheckRequest.
    expect(check.headers).toMatchObject({ 'x-auth': 'allow', 'x-extra': 'seen' });
    const before = backendRequests();
    const denied = await send(listener, 'grpc-auth.example.com', '/things', { 'x-auth': 'nope' });
    expect(denied.status).toBe(401);
    expect(denied.headers['x-deny-reason']).toBe('grpc-auth says no');
    expect(denied.body).toBe('denied by the gRPC auth server');
    expect(backendRequests()).toBe(before);
  });

  test('forwardBody and an empty http stanza: the body reaches the auth server, all its headers but its own entity ones reach the backend', async () => {
    const before = httpAuth.checks.length;
    // No allowedHeaders: only Host, Method, Path, Content-Length and Authorization reach the auth server.
    const reply = await send(listener, 'body-auth.example.com', '/submit', { authorization: 'Bearer allow', 'x-auth': 'allow', 'content-type': 'text/csv' }, 'a,b\n1,2\n');
    expect(reply.status).toBe(200);
    // allowedResponseHeaders empty: every auth answer header is copied (x-user, x-not-copied), but not
    // its content-type or content-length, which would corrupt the client's body.
    expect(JSON.parse(reply.body)).toEqual({ path: '/submit', user: 'alice', notCopied: 'secret', contentType: 'text/csv', body: 'a,b\n1,2\n' });
    const check = httpAuth.checks[before]!;
    expect(check.path).toBe('/submit');
    expect(check.body).toBe('a,b\n1,2\n');
    expect(check.headers['content-length']).toBe('8');
    expect(check.headers['x-auth']).toBeUndefined();
    // Over maxSize (16 bytes): refused with 413, neither checked nor forwarded.
    const backendBefore = backendRequests();
    const tooBig = await send(listener, 'body-auth.example.com', '/submit', { authorization: 'Bearer allow' }, 'x'.repeat(64));
    expect(tooBig.status).toBe(413);
    expect(backendRequests()).toBe(backendBefore);
    expect(httpAuth.checks.length).toBe(before + 1);
  });

  test('forwardBody larger than the 32 KiB connection buffer: the whole body is checked and forwarded', async () => {
    const before = httpAuth.checks.length;
    const body = 'y'.repeat(200_000);
    const reply = await send(listener, 'bigbody-auth.example.com', '/upload', { authorization: 'Bearer allow' }, body);
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.body) as { body: string }).body.length).toBe(body.length);
    expect(httpAuth.checks[before]!.body!.length).toBe(body.length);
  });

  test('auth service down: the request is denied (fail closed), never forwarded', async () => {
    const before = backendRequests();
    const reply = await send(listener, 'down-auth.example.com', '/orders', { 'x-auth': 'allow' });
    expect(reply.status).toBe(403);
    expect(backendRequests()).toBe(before);
  });

  test('the unfiltered rule on the same route and listener is never checked', async () => {
    const checks = httpAuth.checks.length + grpcAuth.checks.length;
    for (const host of ['http-auth.example.com', 'grpc-auth.example.com', 'down-auth.example.com']) {
      const reply = await send(listener, host, '/public/page');
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ path: '/public/page', user: null });
    }
    expect(httpAuth.checks.length + grpcAuth.checks.length).toBe(checks);
  });

  test('an auth Service in another namespace without a ReferenceGrant: its rule answers 500, the other serves', async () => {
    expect((await routeConditions(serve, 'default', 'ungranted'))?.ResolvedRefs).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect((await send(listener, 'ungranted.example.com', '/orders', { 'x-auth': 'allow' })).status).toBe(500);
    expect((await send(listener, 'ungranted.example.com', '/public')).status).toBe(200);
    expect(await envoy.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });

  test('figures: latency a check adds per request (median of sequential requests)', async () => {
    const N = 200;
    const timed = async (host: string, path: string, headers: Record<string, string>) => {
      const samples: number[] = [];
      for (let i = 0; i < N; i++) {
        const started = process.hrtime.bigint();
        const reply = await send(listener, host, path, headers);
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(reply.status).toBe(200);
      }
      return median(samples);
    };
    const unchecked = await timed('http-auth.example.com', '/public', {});
    const http = await timed('http-auth.example.com', '/orders', { 'x-auth': 'allow' });
    const grpcChecked = await timed('grpc-auth.example.com', '/orders', { 'x-auth': 'allow' });
    console.log(`ext_authz figures (median of ${N} sequential GETs): unchecked ${unchecked.toFixed(2)} ms; HTTP auth ${http.toFixed(2)} ms (+${(http - unchecked).toFixed(2)}); gRPC auth ${grpcChecked.toFixed(2)} ms (+${(grpcChecked - unchecked).toFixed(2)})`);
  });
});
