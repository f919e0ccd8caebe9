/**
 * SecurityPolicy `extAuth` (gateway.portico.dev/v1alpha1) through a real Envoy (ENVOY_BIN), with the
 * test authorization servers of the ExternalAuth filter test (support/backends/ext-authz-servers.ts).
 * One Gateway whose policy (`gateway-auth`: HTTP checks, fail closed) protects every route, and routes
 * that opt into something else with a policy of their own (the most specific policy wins whole):
 * - app.example.com: no policy of its own → the Gateway's HTTP check: allow / deny (the auth server's
 *   403, header and body) / `x-user` copied to the backend (headersToBackend).
 * - api.example.com: its own policy → gRPC checks instead (the HTTP server is never asked).
 * - closed.example.com / open.example.com: auth service down (a closed port): failOpen false → 403,
 *   never forwarded; failOpen true → served unchecked.
 * - own.example.com: a rule with its own ExternalAuth filter (gRPC) wins over the Gateway's policy.
 * - missing.example.com: a policy whose Service does not exist (even with failOpen) → 500, Accepted=False.
 * - plain.example.com: its own policy with an IP allow list only → no check at all (the baseline of the
 *   figures).
 * Prints the latency a check adds per request (median of 200 sequential requests). Runs the compiled
 * CLI: `npx tsc -b` first.
 */
import { jest } from '@jest/globals';
import type { EnvoyProcess } from '../support/envoy-process.js';
import type { AuthServer } from '../support/backends/ext-authz-servers.js';
import { startExtAuthHarness, type ExtAuthHarness, type ExtAuthPorts } from '../support/ext-authz-harness.js';
import { nacksSeenByPortico } from '../support/isolation-status.js';
import type { ServeProcess } from '../support/serve-process.js';
import { median } from '../support/latency.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';
import { sendWithHost } from '../support/host-request.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(60_000);

function service(name: string, portName: string, endpointPort: number): string {
  return loopbackServiceYaml(name, endpointPort, { portName });
}

function route(name: string, filters = ''): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [${name}.example.com]
  rules:
  - backendRefs: [{ name: backend, port: 80 }]
${filters}`;
}

function policy(name: string, target: string, spec: string): string {
  return `---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: ${target.split('/')[0]}, name: ${target.split('/')[1]} }]
${spec}`;
}

function resourcesYaml(p: ExtAuthPorts): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-secpol-ext-auth }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-secpol-ext-auth
  listeners:
  - { name: http, protocol: HTTP, port: ${p.listener} }
${route('app')}${route('api')}${route('closed')}${route('open')}${route('missing')}${route('plain')}${route('own', `    filters:
    - type: ExternalAuth
      externalAuth: { protocol: GRPC, backendRef: { name: grpc-auth, port: 80 }, grpc: {} }
`)}${policy('gateway-auth', 'Gateway/gw', `  extAuth:
    http: { backendRef: { name: http-auth, port: 80 }, path: /check, headersToBackend: [x-user] }
    headersToExtAuth: [x-auth]
`)}${policy('api-auth', 'HTTPRoute/api', `  extAuth:
    grpc: { backendRef: { name: grpc-auth, port: 80 } }
`)}${policy('closed-auth', 'HTTPRoute/closed', `  extAuth:
    http: { backendRef: { name: down-auth, port: 80 } }
    timeout: 2s
`)}${policy('open-auth', 'HTTPRoute/open', `  extAuth:
    http: { backendRef: { name: down-auth, port: 80 } }
    failOpen: true
    timeout: 2s
`)}${policy('missing-auth', 'HTTPRoute/missing', `  extAuth:
    http: { backendRef: { name: no-such-service, port: 80 } }
    failOpen: true
`)}${policy('plain-ip', 'HTTPRoute/plain', `  ipAccess: { allow: [127.0.0.0/8] }
`)}${service('backend', 'http', p.backend)}${service('http-auth', 'http', p.httpAuth)}${service('grpc-auth', 'grpc', p.grpcAuth)}${service('down-auth', 'http', p.downAuth)}`;
}


/** A GET through the gateway with this Host and headers; a failed request is status 0. */
const send = sendWithHost;

interface PolicyStatusObject {
  kind: string;
  metadata: { namespace?: string; name: string };
  status?: { ancestors?: { conditions?: { type: string; status: string; reason: string; message: string }[] }[] };
}

describeWithEnvoy('SecurityPolicy extAuth through a real Envoy', () => {
  let harness: ExtAuthHarness;
  let listener: number;
  let httpAuth: AuthServer;
  let grpcAuth: AuthServer;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let backendRequests: () => number;

  beforeAll(async () => {
    harness = await startExtAuthHarness({
      name: 'secpol-ext-auth',
      resourcesYaml,
      backendReply: (req) => ({ path: req.url, user: req.headers['x-user'] ?? null, notCopied: req.headers['x-not-copied'] ?? null }),
      ready: { host: 'plain.example.com', path: '/' },
    });
    ({ httpAuth, grpcAuth, serve, envoy, backendRequests } = harness);
    listener = harness.ports.listener;
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test("the Gateway's policy checks a route without its own: allow (x-user copied), deny (the auth server's answer)", async () => {
    const checksBefore = httpAuth.checks.length;
    const allowed = await send(listener, 'app.example.com', '/orders?id=7', { 'x-auth': 'allow', 'x-secret': 'not for auth' });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toEqual({ path: '/orders?id=7', user: 'alice', notCopied: null });
    const check = httpAuth.checks[checksBefore]!;
    expect(check.path).toBe('/check/orders?id=7');
    expect(check.headers['x-auth']).toBe('allow');
    expect(check.headers['x-secret']).toBeUndefined();
    const before = backendRequests();
    const denied = await send(listener, 'app.example.com', '/orders', { 'x-auth': 'nope' });
    expect(denied.status).toBe(403);
    expect(denied.headers['x-deny-reason']).toBe('http-auth says no');
    expect(denied.body).toBe('denied by the HTTP auth server');
    expect(backendRequests()).toBe(before);
  });

  test("a route's own policy replaces the Gateway's: gRPC checks, the HTTP auth server is never asked", async () => {
    const httpChecks = httpAuth.checks.length;
    const allowed = await send(listener, 'api.example.com', '/things', { 'x-auth': 'allow' });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ path: '/things', user: 'bob' });
    expect(grpcAuth.checks.at(-1)!.path).toBe('/things');
    const denied = await send(listener, 'api.example.com', '/things', { 'x-auth': 'nope' });
    expect(denied.status).toBe(401);
    expect(denied.headers['x-deny-reason']).toBe('grpc-auth says no');
    expect(httpAuth.checks.length).toBe(httpChecks);
  });

  test('auth service down: failOpen false answers 403 and never forwards; failOpen true serves unchecked', async () => {
    const before = backendRequests();
    expect((await send(listener, 'closed.example.com', '/x', { 'x-auth': 'allow' })).status).toBe(403);
    expect(backendRequests()).toBe(before);
    const open = await send(listener, 'open.example.com', '/x');
    expect(open.status).toBe(200);
    expect(JSON.parse(open.body)).toMatchObject({ path: '/x', user: null });
    expect(backendRequests()).toBe(before + 1);
  });

  test("a rule's own ExternalAuth filter wins over the Gateway's policy", async () => {
    const httpChecks = httpAuth.checks.length;
    const grpcChecks = grpcAuth.checks.length;
    const allowed = await send(listener, 'own.example.com', '/mine', { 'x-auth': 'allow' });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ user: 'bob' });
    expect(grpcAuth.checks.length).toBe(grpcChecks + 1);
    expect(httpAuth.checks.length).toBe(httpChecks);
  });

  test('a policy whose Service does not exist fails closed (500) despite failOpen, and says why', async () => {
    expect((await send(listener, 'missing.example.com', '/', { 'x-auth': 'allow' })).status).toBe(500);
    const { body } = await serve.admin<{ objects: PolicyStatusObject[] }>('/debug/status');
    const missing = body.objects.find((o) => o.kind === 'SecurityPolicy' && o.metadata.name === 'missing-auth');
    expect(missing?.status?.ancestors?.[0]?.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: expect.stringContaining('extAuth.http.backendRef: Service default/no-such-service does not exist'),
    });
    const accepted = body.objects.find((o) => o.kind === 'SecurityPolicy' && o.metadata.name === 'gateway-auth');
    expect(accepted?.status?.ancestors?.[0]?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(await envoy.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });

  test('figures: latency a check adds per request (median of 200 interleaved requests per route)', async () => {
    const N = 200;
    // Interleaved, so drift (a warming Envoy, a busy host) weighs on every route alike.
    const routes: { label: string; host: string; headers: Record<string, string> }[] = [
      { label: 'no check', host: 'plain.example.com', headers: {} },
      { label: 'HTTP', host: 'app.example.com', headers: { 'x-auth': 'allow' } },
      { label: 'gRPC', host: 'api.example.com', headers: { 'x-auth': 'allow' } },
      { label: 'failOpen with the service down', host: 'open.example.com', headers: {} },
    ];
    const samples = routes.map(() => [] as number[]);
    for (let i = 0; i < N; i++) {
      for (const [r, route] of routes.entries()) {
        const started = process.hrtime.bigint();
        const reply = await send(listener, route.host, '/', route.headers);
        samples[r]!.push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(reply.status).toBe(200);
      }
    }
    const medians = samples.map(median);
    const figures = routes.map((route, r) => `${route.label} ${medians[r]!.toFixed(2)} ms${r === 0 ? '' : ` (+${(medians[r]! - medians[0]!).toFixed(2)})`}`);
    console.log(`SecurityPolicy extAuth figures (median of ${N} interleaved GETs per route): ${figures.join('; ')}`);
  });
});
