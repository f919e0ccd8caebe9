/**
 * XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1) through a real Envoy (ENVOY_BIN):
 * `portico serve` on a folder where Service `sticky` has three endpoints (three echo servers) and a
 * policy with cookie session persistence, and Service `budgeted` has a policy with a retryConstraint.
 * - Without the cookie, requests spread over the endpoints; the first answer sets the session cookie,
 *   and every request that sends it back reaches the same endpoint (Envoy's stateful_session).
 * - Envoy's served cluster for `budgeted` carries the retry budget (admin /config_dump): budget_percent
 *   from budget.percent, min_retry_concurrency from minRetryRate.count; `sticky` keeps the default
 *   max_retries breaker.
 * - Both policies are Accepted on the Gateway (/debug/status), and Envoy rejected no update.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { closeEcho, startEcho, untilAnswer, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

const COOKIE = 'sticky-session';

function serviceYaml(name: string, echoes: Echo[]): string {
  return loopbackServiceYaml(name, echoes.map((echo) => echo.port));
}

function resourcesYaml(port: number, sticky: Echo[], budgeted: Echo[]): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-backend-traffic }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-backend-traffic
  listeners:
  - { name: http, protocol: HTTP, port: ${port} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /sticky } }]
    backendRefs: [{ name: sticky, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /budgeted } }]
    retry: { attempts: 2, codes: [503] }
    backendRefs: [{ name: budgeted, port: 80 }]
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: { name: sticky-sessions, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: sticky }]
  sessionPersistence:
    type: Cookie
    cookie: { name: ${COOKIE} }
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: { name: retry-budget, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: budgeted }]
  retryConstraint:
    budget: { percent: 25, interval: 10s }
    minRetryRate: { count: 5, interval: 1s }
${serviceYaml('sticky', sticky)}${serviceYaml('budgeted', budgeted)}`;
}

interface Reply {
  status: number;
  body: string;
  setCookie: string | null;
}

async function getSticky(port: number, cookie?: string): Promise<Reply> {
  const response = await fetch(`http://127.0.0.1:${port}/sticky`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text(), setCookie: response.headers.get('set-cookie') };
}

/** `name=value` of the session cookie a Set-Cookie header sets. */
function sessionCookie(setCookie: string | null): string {
  const pair = setCookie?.split(';')[0];
  if (!pair?.startsWith(`${COOKIE}=`)) throw new Error(`no ${COOKIE} cookie set (Set-Cookie: ${setCookie})`);
  return pair;
}

describeWithEnvoy('XBackendTrafficPolicy through a real Envoy', () => {
  let dir: string;
  let sticky: Echo[] = [];
  let budgeted: Echo[] = [];
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let port: number;
  const figures: Record<string, number> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;

  beforeAll(async () => {
    sticky = await Promise.all(['a', 'b', 'c'].map((n) => startEcho(n)));
    budgeted = [await startEcho('budgeted')];
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-backend-traffic-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, sticky, budgeted));
    const started = Date.now();
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'backend-traffic' });
    await untilAnswer(`http://127.0.0.1:${port}/sticky`, (a) => a.status === 200, 'the sticky route to answer', context, 45_000);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    await Promise.all([...sticky, ...budgeted].map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-backend-traffic-policy figures: ${JSON.stringify(figures)}`);
  });

  test('the session cookie pins requests to one of the Service’s endpoints', async () => {
    // Without the cookie Envoy balances: over 30 requests more than one endpoint answers (all three
    // answering the same would take odds of 3·(1/3)^30), and each answer offers a session cookie.
    const unpinned: Reply[] = [];
    for (let i = 0; i < 30; i++) unpinned.push(await getSticky(port));
    expect(unpinned.every((r) => r.status === 200)).toBe(true);
    const seen = new Set(unpinned.map((r) => r.body));
    figures.endpointsSeenWithoutCookie = seen.size;
    expect(seen.size).toBeGreaterThan(1);

    // Two sessions started on two different endpoints each stay on their own endpoint.
    const first = unpinned[0]!;
    const other = unpinned.find((r) => r.body !== first.body)!;
    for (const start of [first, other]) {
      const cookie = sessionCookie(start.setCookie);
      const pinned: string[] = [];
      for (let i = 0; i < 20; i++) {
        const reply = await getSticky(port, cookie);
        expect(reply.status).toBe(200);
        pinned.push(reply.body);
      }
      expect(new Set(pinned)).toEqual(new Set([start.body]));
    }
    figures.pinnedRequests = 40;
  });

  test('the served cluster of the budgeted Service carries the retry budget; the other keeps the default breaker', async () => {
    const dump = (await (await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump?resource=dynamic_active_clusters`)).json()) as {
      configs: { cluster: { name: string; circuit_breakers?: { thresholds?: Record<string, unknown>[] } } }[];
    };
    const breakers = Object.fromEntries(dump.configs.map((c) => [c.cluster.name, c.cluster.circuit_breakers?.thresholds]));
    expect(breakers['default/budgeted/80/http']).toEqual([{ retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: 5 } }]);
    expect(breakers['default/sticky/80/http']).toEqual([{ max_retries: 1024 }]);
    expect(await envoy.rejectedUpdates()).toBe(0);
  });

  test('both policies are Accepted on the Gateway, under our controllerName', async () => {
    const { body } = await serve.admin<{ objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { ancestorRef: { name: string }; controllerName: string; conditions: { type: string; status: string; reason: string }[] }[] } }[] }>('/debug/status');
    const policies = body.objects.filter((o) => o.kind === 'XBackendTrafficPolicy').map((o) => ({
      name: o.metadata.name,
      ancestors: o.status?.ancestors?.map((a) => ({ gateway: a.ancestorRef.name, controllerName: a.controllerName, accepted: a.conditions.find((c) => c.type === 'Accepted')?.status })),
    }));
    expect(policies.sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
      { name: 'retry-budget', ancestors: [{ gateway: 'gw', controllerName: 'portico.dev/gateway-controller', accepted: 'True' }] },
      { name: 'sticky-sessions', ancestors: [{ gateway: 'gw', controllerName: 'portico.dev/gateway-controller', accepted: 'True' }] },
    ]);
  });
});
