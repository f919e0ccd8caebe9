/**
 * BackendPolicy `timeouts` through a real Envoy (ENVOY_BIN): `portico serve` on a folder with four
 * Services of loopback backends (support/backends/controllable-backend.ts; `/hold…` requests are
 * never answered until released).
 * - idle (policy connectionIdle 1s) and plain (no policy): after one request each, Envoy keeps both
 *   upstream connections pooled; idle's is closed by Envoy once 1s passes without a request (the
 *   backend sees its connection count fall to 0, Envoy counts upstream_cx_idle_timeout), plain's stays
 *   open (Envoy's default is 1h). Both backends keep idle connections 60s themselves, so only Envoy
 *   can have closed it.
 * - slow (policy streamIdle 1s): a request the backend never answers is ended by Envoy after 1s
 *   without a byte, with 504 "stream timeout"; not by Envoy's 15s route timeout.
 * - defaulted (policy request 2s): route /defaulted (no timeout of its own) takes the policy's 2s
 *   (504 "upstream request timeout" after ~2s); route /own, to the same Service with an HTTPRoute
 *   timeouts.request of 300ms, keeps its own: the rule's timeout wins over the policy's default.
 * - capped (policy maxStreamDuration 500ms): a request the backend never answers is reset by Envoy
 *   after 500ms and the client gets 504.
 * - aged (policy maxConnectionDuration 1s): an upstream connection is closed 1s after it opened,
 *   though the backend would keep it; Envoy counts upstream_cx_max_duration_reached.
 * Waits are on observable state (the backends' counters, Envoy's stats); the elapsed times are
 * bounds, never synchronisation. Runs the compiled CLI: run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { closeControllableBackend, startControllableBackend, type ControllableBackend } from '../support/backends/controllable-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { pollFor, tryGet, untilAnswer, type Answer } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(60_000);

const SERVICES = ['idle', 'plain', 'slow', 'defaulted', 'capped', 'aged'] as const;
type ServiceName = (typeof SERVICES)[number];

function policyYaml(name: string, service: string, timeouts: string): string {
  return `---
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: ${service} }]
  timeouts: ${timeouts}
`;
}

function resourcesYaml(port: number, backends: Record<ServiceName, ControllableBackend>): string {
  const rule = (path: string, service: string, extra = '') => `  - matches: [{ path: { type: PathPrefix, value: ${path} } }]\n${extra}    backendRefs: [{ name: ${service}, port: 80 }]`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-backend-timeouts }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-backend-timeouts
  listeners: [{ name: http, protocol: HTTP, port: ${port} }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
${SERVICES.map((s) => rule(`/${s}`, s)).join('\n')}
${rule('/own', 'defaulted', '    timeouts: { request: 300ms }\n')}
${policyYaml('idle-connections', 'idle', '{ connectionIdle: 1s }')}${policyYaml('slow-streams', 'slow', '{ streamIdle: 1s }')}${policyYaml(
    'default-request',
    'defaulted',
    '{ request: 2s }',
  )}${policyYaml('capped-streams', 'capped', '{ maxStreamDuration: 500ms }')}${policyYaml('aged-connections', 'aged', '{ maxConnectionDuration: 1s }')}${SERVICES.map((s) => loopbackServiceYaml(s, backends[s].port)).join('')}`;
}

describeWithEnvoy('BackendPolicy timeouts through a real Envoy', () => {
  let dir: string;
  const backends = {} as Record<ServiceName, ControllableBackend>;
  /** Connections open at each backend now. */
  const open = {} as Record<ServiceName, number>;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let port: number;
  const figures: Record<string, number | string> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  async function stat(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=${encodeURIComponent(`^${name}$`)}`)).text();
    const match = /: (\d+)\s*$/m.exec(text);
    return match ? Number(match[1]) : 0;
  }

  /** The answer to `path` and how long it took. */
  async function timed(path: string): Promise<Answer & { ms: number }> {
    const started = Date.now();
    const answer = await tryGet(url(path));
    return { ...answer, ms: Date.now() - started };
  }

  beforeAll(async () => {
    for (const s of SERVICES) {
      const backend = await startControllableBackend(s);
      // Idle keep-alive connections stay open on the backend's side for 60s (Node's default is 5s), so
      // a connection that closes sooner was closed by Envoy.
      backend.server.keepAliveTimeout = 60_000;
      open[s] = 0;
      backend.server.on('connection', (socket) => {
        open[s]++;
        socket.on('close', () => open[s]--);
      });
      backends[s] = backend;
    }
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-backend-timeouts-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, backends));
    const started = Date.now();
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'backend-timeouts' });
    for (const s of SERVICES) await untilAnswer(url(`/${s}`), (a) => a.status === 200, `the ${s} route to answer`, context, 45_000);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    await Promise.all(Object.values(backends).map(closeControllableBackend));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-backend-policy-timeouts figures: ${JSON.stringify(figures)}`);
  });

  test('connectionIdle: Envoy closes an upstream connection idle for 1s; without a policy it stays pooled', async () => {
    // The start-up probes may have left connections: wait until idle's pool is empty, then open one.
    await pollFor('idle connections from start-up to close', async () => (open.idle === 0 ? true : undefined), context, 10_000);
    const closedBefore = await stat('cluster.default/idle/80/http.upstream_cx_idle_timeout');
    const [a, b] = await Promise.all([tryGet(url('/idle')), tryGet(url('/plain'))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const usedAt = Date.now();
    expect(open.idle).toBe(1);
    expect(open.plain).toBeGreaterThanOrEqual(1);
    await pollFor('Envoy to close the idle upstream connection', async () => (open.idle === 0 ? true : undefined), context, 10_000);
    const closedAfterMs = Date.now() - usedAt;
    figures.connectionIdleClosedAfterMs = closedAfterMs;
    // 1s plus Envoy's timer granularity; far below the backend's own 60s.
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(5_000);
    await pollFor('upstream_cx_idle_timeout to count it', async () => ((await stat('cluster.default/idle/80/http.upstream_cx_idle_timeout')) > closedBefore ? true : undefined), context, 5_000);
    // The Service without a policy keeps Envoy's 1h: its connection is still open.
    expect(open.plain).toBeGreaterThanOrEqual(1);
    expect(await stat('cluster.default/plain/80/http.upstream_cx_idle_timeout')).toBe(0);
  });

  test('streamIdle: a request the backend never answers ends after 1s without a byte', async () => {
    const answer = await timed('/slow/hold');
    figures.streamIdle = `${answer.status} "${answer.body}" after ${answer.ms}ms`;
    expect([answer.status, answer.body]).toEqual([504, 'stream timeout']);
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(4_000);
    // Envoy reset the upstream request too: the backend sees it go (asynchronously, hence a wait).
    await pollFor('the slow request to be gone from the backend', async () => (backends.slow.held === 0 ? true : undefined), context, 5_000);
  });

  test("request: the policy's default applies to a route without a timeout; the HTTPRoute's own timeout wins", async () => {
    const defaulted = await timed('/defaulted/hold');
    figures.requestDefault = `${defaulted.status} "${defaulted.body}" after ${defaulted.ms}ms`;
    expect([defaulted.status, defaulted.body]).toEqual([504, 'upstream request timeout']);
    expect(defaulted.ms).toBeGreaterThanOrEqual(1_900);
    expect(defaulted.ms).toBeLessThan(5_000);

    const own = await timed('/own/hold');
    figures.requestRouteWins = `${own.status} "${own.body}" after ${own.ms}ms`;
    expect([own.status, own.body]).toEqual([504, 'upstream request timeout']);
    expect(own.ms).toBeGreaterThanOrEqual(250);
    expect(own.ms).toBeLessThan(1_500);
    expect(await stat('cluster.default/defaulted/80/http.upstream_rq_timeout')).toBe(2);
  });

  test('maxStreamDuration: a request to an endpoint lasting longer than 500ms is ended with 504', async () => {
    const answer = await timed('/capped/hold');
    figures.maxStreamDuration = `${answer.status} "${answer.body}" after ${answer.ms}ms`;
    expect(answer.status).toBe(504);
    expect(answer.ms).toBeGreaterThanOrEqual(450);
    expect(answer.ms).toBeLessThan(3_000);
    await pollFor('the capped request to be gone from the backend', async () => (backends.capped.held === 0 ? true : undefined), context, 5_000);
  });

  test('maxConnectionDuration: Envoy closes an upstream connection 1s after it opened', async () => {
    await pollFor('aged connections from start-up to close', async () => (open.aged === 0 ? true : undefined), context, 10_000);
    const before = await stat('cluster.default/aged/80/http.upstream_cx_max_duration_reached');
    expect((await tryGet(url('/aged'))).status).toBe(200);
    const usedAt = Date.now();
    expect(open.aged).toBe(1);
    await pollFor('Envoy to close the aged upstream connection', async () => (open.aged === 0 ? true : undefined), context, 10_000);
    figures.maxConnectionDurationClosedAfterMs = Date.now() - usedAt;
    expect(Date.now() - usedAt).toBeLessThan(5_000);
    await pollFor('upstream_cx_max_duration_reached to count it', async () => ((await stat('cluster.default/aged/80/http.upstream_cx_max_duration_reached')) > before ? true : undefined), context, 5_000);
  });
});
