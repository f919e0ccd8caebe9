/**
 * RateLimitPolicy `global` through the real envoyproxy/ratelimit service (RATELIMIT_BIN) counting in a
 * real Redis (REDIS_BIN), `portico serve --rate-limit-service … --rate-limit-config-dir …` writing the
 * service's configuration, and real Envoys (ENVOY_BIN) in front of an echo backend:
 * - Global means shared: 5 a day on /global; Envoy A admits 3, then Envoy B (same Gateway, A stopped,
 *   so B's own state is fresh) admits exactly the 2 left and answers 429 after: the count is Redis's.
 * - Two Envoys serving the port at once (SO_REUSEPORT, connections spread by the kernel): 10 a day
 *   admits exactly 10 of 30 requests made on fresh connections; both Envoys' calls to the service add up to 30.
 * - A counter per x-user value (2 a day each); requests without the header are not limited.
 * - Status Accepted, no update rejected by Envoy, the service's loaded config names the Gateway's domain.
 * - Failure modes: with `--rate-limit-fail-closed` and the service unreachable, 500; by default
 *   (fail open), the ratelimit service killed, an exhausted route answers 200 again.
 * Figures: start-up, median latency of 200 requests with and without the global filter.
 * Day windows: the service counts in fixed windows aligned on the clock, and a day boundary inside
 * the few seconds a count takes is the only way a window could reset mid-test.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { envoyListening, startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { pollFor, untilAnswer } from '../support/isolation-traffic.js';
import { startRateLimitService, startRedis, type RateLimitServiceProcess, type RedisProcess } from '../support/ratelimit-service.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { closeServer, startHeaderEcho, type HeaderEcho } from '../support/security-credentials.js';
import { interleavedMedians } from '../support/latency.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const RATELIMIT = process.env.RATELIMIT_BIN;
const REDIS = process.env.REDIS_BIN;
// CI always has all three (.ci/run runs scripts/install-ratelimit.sh); locally the test needs them too.
const describeWithRateLimit = ENVOY && RATELIMIT && REDIS ? describe : describe.skip;

jest.setTimeout(180_000);

interface Reply {
  status: number;
  headers: Headers;
  ms: number;
}

async function request(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** A GET on a connection of its own: with two Envoys on the port (SO_REUSEPORT), the kernel picks one per connection. */
function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function statuses(url: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await request(url, headers)).status);
  return out;
}

function rule(path: string): string {
  return `  - name: ${path}\n    matches: [{ path: { type: PathPrefix, value: /${path} } }]\n    backendRefs: [{ name: echo, port: 80 }]\n`;
}

function policy(name: string, rules: string): string {
  return `---
apiVersion: gateway.portico.dev/v1alpha1
kind: RateLimitPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: app, sectionName: ${name} }]
  global:
    rules:
${rules}`;
}

function resourcesYaml(port: number, echo: HeaderEcho): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-rate-limit-global }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-rate-limit-global
  listeners:
  - { name: http, protocol: HTTP, port: ${port} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
${rule('global')}${rule('shared')}${rule('per-user')}${rule('generous')}${rule('free')}${policy('global', '    - limit: { requests: 5, unit: Day }\n')}${policy('shared', '    - limit: { requests: 10, unit: Day }\n')}${policy(
    'per-user',
    '    - limit: { requests: 2, unit: Day }\n      clientSelector: { header: { name: x-user } }\n',
  )}${policy('generous', '    - limit: { requests: 1000000, unit: Second }\n')}${loopbackServiceYaml('echo', echo.port)}`;
}

/** Requests Envoy asked the rate-limit service about, by outcome (`cluster.<route's cluster>.ratelimit.*`). */
async function rateLimitStats(envoy: EnvoyProcess): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=ratelimit\\.(ok|over_limit|error|failure_mode_allowed)$&format=json`);
  const body = (await response.json()) as { stats: { name: string; value?: number }[] };
  const out: Record<string, number> = {};
  for (const s of body.stats) {
    const outcome = s.name.split('.').pop()!;
    out[outcome] = (out[outcome] ?? 0) + (s.value ?? 0);
  }
  return out;
}

describeWithRateLimit('RateLimitPolicy global through the real ratelimit service and Redis', () => {
  let dir: string;
  let echo: HeaderEcho;
  let redis: RedisProcess;
  let service: RateLimitServiceProcess;
  let serve: ServeProcess;
  const envoys: EnvoyProcess[] = [];
  let port: number;
  const figures: Record<string, unknown> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nratelimit:\n${service?.tail(20)}\nenvoys:\n${envoys.map((e) => e.tail(15)).join('\n--\n')}`;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const envoy = (nodeId: string, gateway = 'default/gw', xdsPort = serve.xdsPort) => startEnvoy({ gateway, xdsPort, nodeId }).then((e) => (envoys.push(e), e));

  beforeAll(async () => {
    const started = Date.now();
    echo = await startHeaderEcho();
    port = await freePort();
    redis = await startRedis(REDIS!);
    service = await startRateLimitService(RATELIMIT!, redis.port);
    figures.redisAndServiceStartMs = Date.now() - started;
    dir = mkdtempSync(join(tmpdir(), 'portico-rate-limit-global-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, echo));
    // A generous timeout: on a loaded CI host, Envoy's wait for Redis's answer must not decide the counts.
    serve = await startServeProcess({
      resources: dir,
      extraArgs: ['--rate-limit-service', `127.0.0.1:${service.grpcPort}`, '--rate-limit-config-dir', service.configDir, '--rate-limit-timeout-ms', '5000'],
    });
    await serve.waitReady(30_000);
    await pollFor('the ratelimit service to load the Gateway domain', async () => ((await service.loadedConfig()).includes('portico/default/gw') ? true : undefined), context, 30_000);
    figures.configLoadedMs = Date.now() - started;
    await envoy('rate-limit-global-a');
    await untilAnswer(url('/free'), (a) => a.status === 200, 'Envoy A to answer', context, 45_000);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    for (const e of envoys) await e.stop();
    await serve?.stop('SIGTERM', 20_000);
    await service?.stop();
    await redis?.stop();
    if (echo) await closeServer(echo.server);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-rate-limit-global figures: ${JSON.stringify(figures)}`);
  });

  test('5 a day shared by two Envoys: A admits 3, B the 2 left, then 429 — the count is the service’s, in Redis', async () => {
    const [a] = envoys;
    expect(await statuses(url('/global'), 3)).toEqual([200, 200, 200]);
    const b = await envoy('rate-limit-global-b');
    await pollFor('Envoy B to listen', async () => ((await envoyListening(b)) ? true : undefined), context, 30_000);
    await a!.stop();
    envoys.splice(envoys.indexOf(a!), 1);
    // Only B serves the port now; /free costs no count.
    await untilAnswer(url('/free'), (r) => r.status === 200, 'Envoy B to answer', context, 30_000);
    const codes = await statuses(url('/global'), 4);
    expect(codes).toEqual([200, 200, 429, 429]);
    // B asked the service for each (2 under, 2 over the limit): its own state could not have refused.
    expect(await rateLimitStats(b)).toMatchObject({ ok: 2, over_limit: 2 });
    const refused = await request(url('/global'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-limit')).toMatch(/^5, 5;w=86400/);
    figures.globalCodesEnvoyB = codes;
  });

  test('two Envoys serving at once (the kernel spreads connections between them): 10 a day admits exactly 10 of 30', async () => {
    const [b] = envoys;
    const c = await envoy('rate-limit-global-c');
    await pollFor('Envoy C to listen', async () => ((await envoyListening(c)) ? true : undefined), context, 30_000);
    const calls = async (e: EnvoyProcess) => {
      const s = await rateLimitStats(e);
      return (s.ok ?? 0) + (s.over_limit ?? 0);
    };
    const before = [await calls(b!), await calls(c)];
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push(await statusOnNewConnection(url('/shared')));
    const served = [(await calls(b!)) - before[0]!, (await calls(c)) - before[1]!];
    expect(codes.filter((code) => code === 200)).toHaveLength(10);
    expect(codes.filter((code) => code !== 200)).toEqual(Array(20).fill(429));
    // Every request was asked of the service by one of the two.
    expect(served[0]! + served[1]!).toBe(30);
    figures.sharedSplitEnvoyBC = served;
  });

  test('a counter per x-user value; requests without the header are not limited', async () => {
    for (const user of ['alice', 'bob']) expect(await statuses(url('/per-user'), 3, { 'x-user': user })).toEqual([200, 200, 429]);
    expect(await statuses(url('/per-user'), 10)).toEqual(Array(10).fill(200));
    expect((await request(url('/per-user'), { 'x-user': 'carol' })).status).toBe(200);
  });

  test('statuses Accepted; Envoy rejected nothing; the service loaded the Gateway’s descriptors', async () => {
    const { body } = await serve.admin<{ objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { ancestorRef: { name: string }; conditions: { reason: string }[] }[] } }[] }>('/debug/status');
    const policies = Object.fromEntries(
      body.objects.filter((o) => o.kind === 'RateLimitPolicy').map((o) => [o.metadata.name, o.status?.ancestors?.map((a) => `${a.ancestorRef.name}:${a.conditions[0]?.reason}`)]),
    );
    expect(policies).toEqual({ generous: ['gw:Accepted'], global: ['gw:Accepted'], 'per-user': ['gw:Accepted'], shared: ['gw:Accepted'] });
    for (const e of envoys) expect(await e.rejectedUpdates()).toBe(0);
    const loaded = await service.loadedConfig();
    expect(loaded).toContain('portico/default/gw.rule_default/global/0: unit=DAY requests_per_unit=5');
  });

  test('figures: median latency of 200 requests without and with the global filter (a limit never reached)', async () => {
    const medians = await interleavedMedians(200, { none: () => request(url('/free')), globalRateLimit: () => request(url('/generous')) });
    figures.medianMs_none = medians.none;
    figures.medianMs_globalRateLimit = medians.globalRateLimit;
  });

  test('failure modes: fail closed answers 500 when the service is unreachable; fail open (default) lets requests pass', async () => {
    // A second control plane, failing closed, for a second Gateway, pointed at a port nobody listens on.
    const closedPort = await freePort();
    const closedDir = mkdtempSync(join(tmpdir(), 'portico-rate-limit-closed-'));
    writeFileSync(join(closedDir, 'resources.yaml'), resourcesYaml(closedPort, echo).replaceAll('name: gw', 'name: closed'));
    const closedServe = await startServeProcess({ resources: closedDir, extraArgs: ['--rate-limit-service', `127.0.0.1:${await freePort()}`, '--rate-limit-fail-closed'] });
    try {
      await closedServe.waitReady(30_000);
      const closedEnvoy = await envoy('rate-limit-global-closed', 'default/closed', closedServe.xdsPort);
      await untilAnswer(`http://127.0.0.1:${closedPort}/free`, (r) => r.status === 200, 'the fail-closed Envoy to answer', context, 45_000);
      expect((await request(`http://127.0.0.1:${closedPort}/global`)).status).toBe(500);
      expect((await rateLimitStats(closedEnvoy)).error).toBeGreaterThanOrEqual(1);
    } finally {
      await closedServe.stop('SIGTERM', 20_000);
      rmSync(closedDir, { recursive: true, force: true });
    }
    // Fail open: /global is exhausted for the day; with the service gone it answers again.
    expect((await request(url('/global'))).status).toBe(429);
    await service.stop();
    expect((await request(url('/global'))).status).toBe(200);
    // Whichever of the Gateway's Envoys (B, C) served it let it pass for want of an answer.
    let allowed = 0;
    for (const e of envoys) allowed += (await rateLimitStats(e)).failure_mode_allowed ?? 0;
    expect(allowed).toBeGreaterThanOrEqual(1);
  });
});
