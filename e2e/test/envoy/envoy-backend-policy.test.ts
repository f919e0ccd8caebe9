/**
 * BackendPolicy (gateway.portico.dev/v1alpha1) through a real Envoy (ENVOY_BIN): `portico serve` on a
 * folder with four Services of loopback backends (one EndpointSlice per backend) and a policy each.
 * - flaky (a, b, c): outlier detection after 3 consecutive 5xx. c answers 503: after its third 503
 *   Envoy ejects it, and it receives nothing more while a and b serve every request.
 * - checked (h1, h2): an active HTTP health check (GET /healthz every 250ms, 2 failures take an
 *   endpoint out, 1 success puts it back). h2's /healthz turning 503 takes it out of rotation; turning
 *   200 again puts it back.
 * - hashed (r1, r2, r3): RingHash on header x-user: every request with one x-user value reaches the
 *   same endpoint, and different values spread over the endpoints.
 * - limited (one backend): circuitBreaker maxRequests 2: with two requests held open by the backend,
 *   a third is answered 503 by Envoy at once (x-envoy-overloaded), and the held two still succeed.
 * - sourced (the hashed backends again, behind a TCPRoute): RingHash on the client address; every
 *   connection from the test (one address) reaches the same endpoint.
 * - tcpchecked (t1, t2): an active TCP health check; t2 closing its listener takes it out.
 * - cookied (the hashed backends again): Maglev on a cookie Envoy sets on the first answer; requests
 *   sending it back stay on one endpoint.
 * - plain (one backend, no policy) and limited: medians of 200 requests each, a figure only.
 * - Live: a file rewritten with a policy the CRD's CEL rules refuse is refused whole (Envoy's clusters
 *   stay as they were); a policy naming a port the Service lacks reports TargetNotFound, and its Service
 *   is served without it (the cluster loses the breaker), every other cluster unchanged.
 * Also: every policy is Accepted on the Gateway, Envoy's clusters carry the settings, and Envoy
 * rejected no update. Waits are on observable state (Envoy's admin /clusters and stats, the backends'
 * counters), never on sleeps. Runs the compiled CLI: run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { jest } from '@jest/globals';
import { closeControllableBackend, startControllableBackend, type ControllableBackend } from '../support/backends/controllable-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { pollFor, tryGet, untilAnswer, type Answer } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

function serviceYaml(name: string, backends: ControllableBackend[]): string {
  return loopbackServiceYaml(name, backends.map((b) => b.port));
}

function policyYaml(name: string, service: string, body: string): string {
  return `---
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: ${service} }]
${body}`;
}

const SERVICES = ['flaky', 'checked', 'hashed', 'limited', 'cookied', 'plain', 'tcpchecked', 'sourced'] as const;
const COOKIE = 'portico-affinity';
type ServiceName = (typeof SERVICES)[number];

const LIMIT_REQUESTS = '  circuitBreaker: { maxRequests: 2 }\n';

/** HTTP services (routed by path on the HTTP listener); `sourced` is reached through a TCP listener instead. */
const HTTP_SERVICES = SERVICES.filter((s) => s !== 'sourced');

function resourcesYaml(port: number, backends: Record<ServiceName, ControllableBackend[]>, limit = LIMIT_REQUESTS, tcpPort = port + 1): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-backend-policy }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-backend-policy
  listeners:
  - { name: http, protocol: HTTP, port: ${port} }
  - { name: tcp, protocol: TCP, port: ${tcpPort} }
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: { name: sourced, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: tcp }]
  rules: [{ backendRefs: [{ name: sourced, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
${HTTP_SERVICES.map((s) => `  - matches: [{ path: { type: PathPrefix, value: /${s} } }]\n    backendRefs: [{ name: ${s}, port: 80 }]`).join('\n')}
${policyYaml('eject-flaky', 'flaky', '  outlierDetection: { consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 60s }\n')}${policyYaml(
    'check-health',
    'checked',
    '  healthCheck:\n    type: HTTP\n    interval: 250ms\n    timeout: 200ms\n    unhealthyThreshold: 2\n    healthyThreshold: 1\n    http: { path: /healthz }\n',
  )}${policyYaml('hash-user', 'hashed', '  loadBalancer:\n    type: RingHash\n    consistentHash: { type: Header, header: { name: x-user } }\n')}${policyYaml(
    'limit-requests',
    'limited',
    limit,
  )}${policyYaml('hash-source', 'sourced', '  loadBalancer:\n    type: RingHash\n    consistentHash: { type: SourceIP }\n')}${policyYaml('check-connect', 'tcpchecked', '  healthCheck: { type: TCP, interval: 250ms, timeout: 200ms, unhealthyThreshold: 1 }\n')}${policyYaml('hash-cookie', 'cookied', `  loadBalancer:\n    type: Maglev\n    consistentHash: { type: Cookie, cookie: { name: ${COOKIE}, ttl: 1h, path: / } }\n`)}${SERVICES.map((s) => serviceYaml(s, backends[s])).join('')}`;
}

interface HostStatus {
  address: { socket_address: { port_value: number } };
  health_status: { failed_active_health_check?: boolean; failed_outlier_check?: boolean };
}

describeWithEnvoy('BackendPolicy through a real Envoy', () => {
  let dir: string;
  const backends = {} as Record<ServiceName, ControllableBackend[]>;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let port: number;
  let tcpPort: number;
  const figures: Record<string, number | string> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  /** Envoy's view of one endpoint of a cluster (admin /clusters). */
  async function hostStatus(cluster: string, backend: ControllableBackend): Promise<HostStatus['health_status'] | undefined> {
    const body = (await (await fetch(`http://127.0.0.1:${envoy.adminPort}/clusters?format=json`)).json()) as { cluster_statuses: { name: string; host_statuses?: HostStatus[] }[] };
    const hosts = body.cluster_statuses.find((c) => c.name === cluster)?.host_statuses ?? [];
    return hosts.find((h) => h.address.socket_address.port_value === backend.port)?.health_status;
  }

  async function stat(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=${encodeURIComponent(`^${name}$`)}`)).text();
    const match = /: (\d+)\s*$/m.exec(text);
    return match ? Number(match[1]) : 0;
  }

  /** Envoy's counters matching `pattern` that are not 0. */
  async function nonZeroStats(pattern: string): Promise<Record<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=${encodeURIComponent(pattern)}`)).text();
    const lines = text.split('\n').map((l) => /^(\S+): (\d+)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null && m[2] !== '0');
    return Object.fromEntries(lines.map((m) => [m[1]!, Number(m[2])]));
  }

  /** `count` sequential GETs; the answers. */
  async function send(path: string, count: number, headers: Record<string, string> = {}): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < count; i++) answers.push(await tryGet(url(path), headers));
    return answers;
  }

  beforeAll(async () => {
    backends.flaky = await Promise.all(['a', 'b', 'c'].map((n) => startControllableBackend(`flaky-${n}`)));
    backends.checked = await Promise.all(['h1', 'h2'].map((n) => startControllableBackend(`checked-${n}`)));
    backends.hashed = await Promise.all(['r1', 'r2', 'r3'].map((n) => startControllableBackend(`hashed-${n}`)));
    backends.limited = [await startControllableBackend('limited')];
    backends.cookied = backends.hashed;
    backends.plain = [await startControllableBackend('plain')];
    backends.sourced = backends.hashed;
    backends.tcpchecked = await Promise.all(['t1', 't2'].map((n) => startControllableBackend(`tcpchecked-${n}`)));
    port = await freePort();
    tcpPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-backend-policy-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, backends, LIMIT_REQUESTS, tcpPort));
    const started = Date.now();
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'backend-policy' });
    for (const s of HTTP_SERVICES) await untilAnswer(url(`/${s}`), (a) => a.status === 200, `the ${s} route to answer`, context, 45_000);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    await Promise.all([...new Set(Object.values(backends).flat())].map(closeControllableBackend));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-backend-policy figures: ${JSON.stringify(figures)}`);
  });

  test('outlier detection: an endpoint ejected after 3 consecutive 5xx receives no more traffic', async () => {
    const [a, b, c] = backends.flaky as [ControllableBackend, ControllableBackend, ControllableBackend];
    const before = c.served;
    c.failing = true;
    // c answers 503 for its share; after its third 503 in a row Envoy ejects it.
    let sent = 0;
    const started = Date.now();
    while (c.served - before < 3) {
      if (++sent > 200) throw new Error(`c got ${c.served - before} requests out of 200\n${context()}`);
      await tryGet(url('/flaky'));
    }
    await pollFor('Envoy to eject flaky-c', async () => ((await hostStatus('default/flaky/80/http', c))?.failed_outlier_check ? true : undefined), context, 10_000);
    figures.outlierRequestsUntilEjected = sent;
    figures.outlierFailuresUntilEjected = c.served - before;
    figures.outlierEjectionMs = Date.now() - started;
    expect(await stat('cluster.default/flaky/80/http.outlier_detection.ejections_enforced_consecutive_5xx')).toBe(1);

    const servedBy = { a: a.served, b: b.served, c: c.served };
    const after = await send('/flaky', 60);
    expect(after.map((r) => r.status)).toEqual(Array(60).fill(200));
    expect(new Set(after.map((r) => r.body))).toEqual(new Set(['flaky-a', 'flaky-b']));
    expect(c.served).toBe(servedBy.c);
    expect(a.served + b.served - servedBy.a - servedBy.b).toBe(60);
  });

  test('active HTTP health check: a failing endpoint is taken out, and put back when it passes again', async () => {
    const [h1, h2] = backends.checked as [ControllableBackend, ControllableBackend];
    const cluster = 'default/checked/80/http';
    // Both pass: both take traffic.
    await pollFor('both checked endpoints to answer', async () => (new Set((await send('/checked', 10)).map((r) => r.body)).size === 2 ? true : undefined), context, 10_000);
    expect(h1.healthChecks + h2.healthChecks).toBeGreaterThan(0);

    h2.healthy = false;
    const failedAt = Date.now();
    await pollFor('Envoy to mark h2 unhealthy', async () => ((await hostStatus(cluster, h2))?.failed_active_health_check ? true : undefined), context, 10_000);
    figures.healthCheckOutMs = Date.now() - failedAt;
    const servedByH2 = h2.served;
    const out = await send('/checked', 40);
    expect(out.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(new Set(out.map((r) => r.body))).toEqual(new Set(['checked-h1']));
    expect(h2.served).toBe(servedByH2);

    h2.healthy = true;
    const passedAt = Date.now();
    await pollFor('Envoy to mark h2 healthy again', async () => ((await hostStatus(cluster, h2))?.failed_active_health_check ? undefined : true), context, 10_000);
    figures.healthCheckBackMs = Date.now() - passedAt;
    await pollFor('h2 to take traffic again', async () => ((await send('/checked', 10)).some((r) => r.body === 'checked-h2') ? true : undefined), context, 10_000);
  });

  test('active TCP health check: an endpoint that refuses connections is taken out', async () => {
    const [t1, t2] = backends.tcpchecked as [ControllableBackend, ControllableBackend];
    await pollFor('both tcpchecked endpoints to answer', async () => (new Set((await send('/tcpchecked', 10)).map((r) => r.body)).size === 2 ? true : undefined), context, 10_000);
    const closedAt = Date.now();
    // Stop listening: the next check's connection is refused.
    await closeControllableBackend(t2);
    await pollFor('Envoy to mark t2 unhealthy', async () => ((await hostStatus('default/tcpchecked/80/http', t2))?.failed_active_health_check ? true : undefined), context, 10_000);
    figures.tcpCheckOutMs = Date.now() - closedAt;
    const out = await send('/tcpchecked', 30);
    expect(out.map((r) => `${r.status} ${r.body}`)).toEqual(Array(30).fill(`200 ${t1.name}`));
  });

  test('ring hash on a header: one x-user value always reaches the same endpoint', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const pinned = new Map<string, string>();
    for (const user of users) {
      const answers = await send('/hashed', 10, { 'x-user': user });
      expect(answers.every((r) => r.status === 200)).toBe(true);
      const seen = new Set(answers.map((r) => r.body));
      expect([user, seen.size]).toEqual([user, 1]);
      pinned.set(user, answers[0]!.body);
    }
    // 12 values on one endpoint of three would take odds of 3·(1/3)^12.
    const spread = new Set(pinned.values()).size;
    figures.ringHashEndpointsFor12Users = spread;
    expect(spread).toBeGreaterThan(1);
  });

  test('ring hash on the source IP through a TCPRoute: every connection from one client reaches one endpoint', async () => {
    /** One GET on a fresh TCP connection through the TCP listener (tcp_proxy to the sourced cluster). */
    const viaNewConnection = () =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: tcpPort, path: '/tcp', agent: false, timeout: 5_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(body));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      });
    await pollFor('the TCP listener to answer', () => viaNewConnection().catch(() => undefined), context, 20_000);
    const bodies: string[] = [];
    for (let i = 0; i < 20; i++) bodies.push(await viaNewConnection());
    // Round robin or random over 3 endpoints would put 20 connections on one with odds of 3·(1/3)^20.
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toMatch(/^hashed-r\d$/);
  });

  test('circuit breaker maxRequests 2: a third request in flight is answered 503 at once', async () => {
    const [limited] = backends.limited as [ControllableBackend];
    const held = [fetch(url('/limited/hold/1')), fetch(url('/limited/hold/2'))];
    await pollFor('two requests held by the backend', async () => (limited.held === 2 ? true : undefined), context, 10_000);
    const started = Date.now();
    const overflow = await fetch(url('/limited/third'), { signal: AbortSignal.timeout(5_000) });
    figures.overflowAnswerMs = Date.now() - started;
    expect(overflow.status).toBe(503);
    expect(overflow.headers.get('x-envoy-overloaded')).toBe('true');
    await overflow.text();
    expect(limited.held).toBe(2);
    // Envoy counts it as the max_requests breaker's overflow, and nothing else overflowed.
    expect(await nonZeroStats('cluster.default/limited/80/http.*overflow')).toEqual({ 'cluster.default/limited/80/http.upstream_rq_active_overflow': 1 });
    limited.release();
    const answers = await Promise.all(held.map(async (p) => (await p).status));
    expect(answers).toEqual([200, 200]);
    // The breaker closes again once the requests are done.
    expect((await tryGet(url('/limited/after'))).status).toBe(200);
  });

  test('Maglev on a cookie: Envoy sets it on the first answer, and requests sending it back stay on one endpoint', async () => {
    const pinnedTo = new Set<string>();
    for (let session = 0; session < 3; session++) {
      const first = await fetch(url('/cookied'), { signal: AbortSignal.timeout(5_000) });
      const setCookie = first.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(new RegExp(`^${COOKIE}="?[^;]+"?; Max-Age=3600; Path=/; HttpOnly$`));
      const cookie = setCookie.split(';')[0]!;
      const start = await first.text();
      const again = await send('/cookied', 10, { cookie });
      expect(new Set(again.map((r) => r.body))).toEqual(new Set([start]));
      pinnedTo.add(start);
    }
    // Envoy derives the cookie it sets from the client's address, so one client gets one endpoint;
    // cookies of different values (other clients) spread over the endpoints.
    const spread = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const answers = await send('/cookied', 5, { cookie: `${COOKIE}=client-${i}` });
      expect(new Set(answers.map((r) => r.body)).size).toBe(1);
      spread.add(answers[0]!.body);
    }
    figures.cookieEndpointsFor12Values = spread.size;
    expect(spread.size).toBeGreaterThan(1);
  });

  test('figures: medians of 200 requests to a Service with a policy (limited) and without (plain)', async () => {
    const median = async (path: string) => {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = process.hrtime.bigint();
        expect((await tryGet(url(path))).status).toBe(200);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return Number(times.sort((a, b) => a - b)[100]!.toFixed(3));
    };
    figures.medianMsPlain = await median('/plain');
    figures.medianMsLimited = await median('/limited');
  });

  test("Envoy's clusters carry the policies, every policy is Accepted, and Envoy rejected no update", async () => {
    const dump = (await (await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump?resource=dynamic_active_clusters`)).json()) as {
      configs: { cluster: Record<string, unknown> & { name: string } }[];
    };
    const clusters = Object.fromEntries(dump.configs.map((c) => [c.cluster.name, c.cluster]));
    expect(clusters['default/flaky/80/http']?.outlier_detection).toEqual(expect.objectContaining({ consecutive_5xx: 3, base_ejection_time: '60s', enforcing_success_rate: 0 }));
    expect(clusters['default/checked/80/http']?.health_checks).toEqual([expect.objectContaining({ interval: '0.250s', http_health_check: expect.objectContaining({ path: '/healthz' }) })]);
    expect(clusters['default/limited/80/http']?.circuit_breakers).toEqual({ thresholds: [{ max_requests: 2, max_retries: 1024 }] });
    expect(await envoy.rejectedUpdates()).toBe(0);

    const { body } = await serve.admin<{ objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { ancestorRef: { name: string }; conditions: { type: string; status: string }[] }[] } }[] }>('/debug/status');
    const accepted = body.objects
      .filter((o) => o.kind === 'BackendPolicy')
      .map((o) => `${o.metadata.name}:${o.status?.ancestors?.map((a) => `${a.ancestorRef.name}=${a.conditions.find((c) => c.type === 'Accepted')?.status}`).join(',')}`)
      .sort();
    expect(accepted).toEqual(['check-connect:gw=True', 'check-health:gw=True', 'eject-flaky:gw=True', 'hash-cookie:gw=True', 'hash-source:gw=True', 'hash-user:gw=True', 'limit-requests:gw=True']);
  });

  test('live: a policy the CRD refuses leaves everything as it was; a policy whose port does not exist applies to nothing', async () => {
    type StatusDoc = {
      objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { conditions: { type: string; reason: string; message: string }[] }[] } }[];
      sources: { source: string; state: string; error?: string }[];
    };
    const clusters = async () => {
      const dump = (await (await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump?resource=dynamic_active_clusters`)).json()) as { configs: { cluster: { name: string } }[] };
      return Object.fromEntries(dump.configs.map((c) => [c.cluster.name, c.cluster as Record<string, unknown>]));
    };
    const before = await clusters();
    // RingHash without a key: the CRD's CEL rule refuses it, so the file provider refuses the file
    // as the API server would refuse the object, and keeps serving the file's last good objects.
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, backends, '  circuitBreaker: { maxRequests: 2 }\n  loadBalancer: { type: RingHash }\n', tcpPort));
    const refused = await pollFor(
      'the file to be refused',
      async () => (await serve.admin<StatusDoc>('/debug/status')).body.sources.find((s) => s.state === 'error'),
      context,
      20_000,
    );
    expect(refused.error).toContain('consistentHash must be set when type is RingHash or Maglev, and only then');
    expect(await clusters()).toEqual(before);

    // Valid for the CRD, but port grpc does not exist: TargetNotFound, and limited is served without it.
    const changedAt = Date.now();
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, backends, '  circuitBreaker: { maxRequests: 2 }\n', tcpPort).replace('name: limited }]', 'name: limited, sectionName: grpc }]'));
    const condition = await pollFor(
      'limit-requests to report TargetNotFound',
      async () => {
        const { body } = await serve.admin<StatusDoc>('/debug/status');
        const c = body.objects.find((o) => o.kind === 'BackendPolicy' && o.metadata.name === 'limit-requests')?.status?.ancestors?.[0]?.conditions[0];
        return c?.reason === 'TargetNotFound' ? c : undefined;
      },
      context,
      20_000,
    );
    expect(condition.message).toBe('Service default/limited port grpc does not exist');
    const after = await pollFor(
      'Envoy to drop the breaker',
      async () => {
        const now = await clusters();
        return JSON.stringify(now['default/limited/80/http']?.circuit_breakers) === JSON.stringify({ thresholds: [{ max_retries: 1024 }] }) ? now : undefined;
      },
      context,
      20_000,
    );
    figures.policyChangeInEnvoyMs = Date.now() - changedAt;
    for (const name of Object.keys(before).filter((n) => n !== 'default/limited/80/http')) expect([name, after[name]]).toEqual([name, before[name]]);
    expect((await tryGet(url('/limited'))).status).toBe(200);
    expect(await envoy.rejectedUpdates()).toBe(0);
  });
});
