// `npm run bench -- --scenario kube-status [--routes 1000] [--status-qps Q --status-burst B]`: how fast
// statuses reach a real API server, and how many writes that takes. A real kube-apiserver + etcd (the
// e2e harness, e2e/test/support/kube-apiserver.ts, compiled by `npm run build`) with the Gateway API
// CRDs; as setup, 1 GatewayClass, 1 Gateway and N Services + EndpointSlices; then `portico serve
// --kubernetes --envoy-infrastructure none` (statuses only) as a child process; once it has written the
// Gateway's first status, N HTTPRoutes are applied as fast as the API server takes them (parallel
// server-side applies over keep-alive connections). Figures (one JSON line):
//   applyMs                from the first route sent until the API server has taken the last one
//   allStatusesCorrectMs   from the first route sent until every route has our parent entry with
//                          Accepted=True and ResolvedRefs=True and the listener counts attachedRoutes
//                          == N (all routes listed every 250 ms); afterLastAppliedMs: the part of it
//                          after the API server took the last route
//   statusWrites           `portico_status_writes{outcome="written"}` from the first route until the
//                          writer is idle (routes and the Gateway), and statusWritesPerRoute
//   apiServerStatusUpdates the same counted by the API server: MODIFIED watch events of the routes and
//                          the Gateway (nothing else modifies them), to cross-check the metric
//   routeStatusWrites, gatewayStatusWrites   that count by kind
//   writesSettledMs        from the first route until the writer is idle (no write for 2 s)
//   serverCpuMs, reconciles, translateMs   the server's CPU time, reconciles and time translating
//                          over the same span (its /metrics); progress: [second, routes correct] samples
// The status writer paces itself (token bucket, default 200 writes/s, burst 500): N route statuses need
// at least (N - 500) / 200 s; `--status-qps`/`--status-burst` pass another rate to `portico serve`.
import { execFileSync, spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NAMESPACE = 'bench';
const PORTICO_NAMESPACE = 'portico-system';
const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const ROUTES_PATH = `/apis/${GATEWAY_API}/namespaces/${NAMESPACE}/httproutes`;
const GATEWAYS_PATH = `/apis/${GATEWAY_API}/namespaces/${NAMESPACE}/gateways`;
const CONTROLLER_NAME = 'portico.dev/gateway-controller';
const APPLY_CONCURRENCY = 32;
const POLL_MS = 250;
const SETTLE_MS = 2_000;
const TIMEOUT_MS = 300_000;

/** ETCD_BIN and KUBE_APISERVER_BIN, from scripts/install-kube-tools.sh when not set (cached builds: instant). */
function ensureKubeBinaries() {
  if (process.env.ETCD_BIN && process.env.KUBE_APISERVER_BIN) return;
  const exports = execFileSync('bash', [join(ROOT, 'scripts/install-kube-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const [, name, value] of exports.matchAll(/^export (\w+)=(.*)$/gm)) process.env[name] ||= value;
}

/**
 * The compiled harness. Its module also exports `describeWithKube` for jest, evaluated on import:
 * outside jest there is no `describe`, so a stand-in is put there first.
 */
async function loadHarness() {
  ensureKubeBinaries();
  globalThis.describe ??= Object.assign(() => undefined, { skip: () => undefined });
  try {
    return await import(join(ROOT, 'e2e/dist/test/support/kube-apiserver.js'));
  } catch (error) {
    throw new Error(`cannot load the e2e harness (run \`npm run build\` first): ${error.message}`);
  }
}

/** JSON requests to the API server with the admin credentials, over keep-alive connections. */
async function createApi(kubeConfig) {
  const server = kubeConfig.getCurrentCluster().server;
  const base = {};
  await kubeConfig.applyToHTTPSOptions(base);
  const tls = { ca: base.ca, cert: base.cert, key: base.key };
  const agent = new Agent({ keepAlive: true, maxSockets: APPLY_CONCURRENCY, ...tls });
  /** Watches hold their connection for as long as they run: their own agent, never queued behind applies. */
  const watchAgent = new Agent(tls);
  const open = (method, path, body, contentType = 'application/json') => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...base.headers, Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) };
    return { req: request(new URL(path, server), { method, headers, agent }), payload };
  };
  const call = (method, path, body, contentType) =>
    new Promise((resolveCall, reject) => {
      const { req, payload } = open(method, path, body, contentType);
      req.on('response', (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
          else resolveCall(text ? JSON.parse(text) : undefined);
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  return {
    get: (path) => call('GET', path),
    /** Server-side apply to the object's path (`kubectl apply --server-side --force-conflicts`). */
    apply: (path, object) => call('PATCH', `${path}/${object.metadata.name}?fieldManager=portico-bench&force=true`, object, 'application/apply-patch+yaml'),
    /**
     * Counts watch events by type from `resourceVersion` on, resuming from the last event seen if the
     * API server ends the stream; `complete` turns false if events may have been missed (an ERROR event,
     * e.g. 410 Gone). `stop()` ends the watch.
     */
    watch(path, resourceVersion) {
      const counts = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
      const state = { complete: true, resumed: 0 };
      let stopped = false;
      let current;
      const follow = (from) => {
        current = request(new URL(`${path}?watch=true&resourceVersion=${from}`, server), { headers: { ...base.headers, Accept: 'application/json' }, agent: watchAgent });
        let last = from;
        let ended = false;
        const resume = () => {
          if (stopped || ended) return;
          ended = true;
          state.resumed++;
          setTimeout(() => follow(last), 100);
        };
        current.on('response', (res) => {
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop();
            for (const line of lines) {
              if (!line) continue;
              const event = JSON.parse(line);
              counts[event.type] = (counts[event.type] ?? 0) + 1;
              if (event.type === 'ERROR') state.complete = false;
              else last = event.object.metadata.resourceVersion;
            }
          });
          res.on('end', resume);
        });
        current.on('error', resume);
        current.end();
      };
      follow(resourceVersion);
      return {
        counts,
        complete: () => state.complete,
        resumed: () => state.resumed,
        stop() {
          stopped = true;
          current?.destroy();
        },
      };
    },
    close() {
      agent.destroy();
      watchAgent.destroy();
    },
  };
}

/** Runs `work(i)` for i < n, `concurrency` at a time. */
async function inParallel(n, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await work(next++);
  }));
}

const service = (i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: NAMESPACE }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const endpointSlice = (i) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `svc-${i}-1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: [`10.1.${(i >> 8) & 255}.${i & 255}`], conditions: { ready: true } }],
});
const httpRoute = (i) => ({
  apiVersion: GATEWAY_API,
  kind: 'HTTPRoute',
  metadata: { name: `route-${i}`, namespace: NAMESPACE },
  spec: { parentRefs: [{ name: 'gw' }], hostnames: [`r${i}.example.com`], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: `svc-${i}`, port: 80 }] }] },
});

/** Routes with our entry saying Accepted=True and ResolvedRefs=True. */
function correctRoutes(routes) {
  return routes.items.filter((route) => {
    const ours = route.status?.parents?.find((p) => p.controllerName === CONTROLLER_NAME && p.parentRef.name === 'gw');
    const status = (type) => ours?.conditions?.find((c) => c.type === type)?.status;
    return status('Accepted') === 'True' && status('ResolvedRefs') === 'True';
  }).length;
}

const attachedRoutes = (gateway) => gateway.status?.listeners?.find((l) => l.name === 'http')?.attachedRoutes;

/** `portico serve --kubernetes` (with the status rate given, if any), ready. */
async function startServer(kubeconfigPath, statusRate) {
  const [xdsPort, adminPort] = [await freePort(), await freePort()];
  const addresses = ['--xds-address', `127.0.0.1:${xdsPort}`, '--admin-address', `127.0.0.1:${adminPort}`];
  const rate = statusRate ? ['--status-qps', String(statusRate.qps), '--status-burst', String(statusRate.burst)] : [];
  const args = [join(ROOT, 'packages/cli/bin/portico.js'), 'serve', '--kubernetes', '--kubeconfig', kubeconfigPath, '--envoy-infrastructure', 'none', '--log-level', 'warn', ...addresses, ...rate];
  const child = spawn(process.execPath, [...args, '--namespace', PORTICO_NAMESPACE, '--pod-name', 'bench'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before ready:\n${log}`);
    const status = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (performance.now() - started > 60_000) throw new Error(`the server was not ready after 60 s:\n${log}`);
    await sleep(50);
  }
  const metricsText = async () => (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  /** The sum of the series of `name` on /metrics (every label set). */
  const metric = async (name) => {
    let sum = 0;
    for (const [, value] of (await metricsText()).matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(value);
    return sum;
  };
  const statusWrites = async () => Number(/^portico_status_writes\{outcome="written"\} (\S+)$/m.exec(await metricsText())?.[1] ?? NaN);
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
  return { readyMs: Math.round(performance.now() - started), statusWrites, metric, stop, log: () => log };
}

/** Polls `check` every `intervalMs` until it returns a value, at most `timeoutMs`. */
async function pollUntil(what, check, intervalMs = POLL_MS, timeoutMs = TIMEOUT_MS) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Measures one run at `routes` routes; resolves with the figures line. */
export async function measureKubeStatus({ routes, statusRate }) {
  const began = performance.now();
  const { startKubeApiServer } = await loadHarness();
  const kube = await startKubeApiServer({ namespaces: [NAMESPACE, PORTICO_NAMESPACE] });
  let server;
  let api;
  const watches = [];
  try {
    await kube.installCrds();
    api = await createApi(kube.kubeConfig);
    let t = performance.now();
    await kube.apply([
      { apiVersion: GATEWAY_API, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER_NAME } },
      { apiVersion: GATEWAY_API, kind: 'Gateway', metadata: { name: 'gw', namespace: NAMESPACE }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
    ]);
    await inParallel(routes, APPLY_CONCURRENCY, async (i) => {
      await api.apply(`/api/v1/namespaces/${NAMESPACE}/services`, service(i));
      await api.apply(`/apis/discovery.k8s.io/v1/namespaces/${NAMESPACE}/endpointslices`, endpointSlice(i));
    });
    const setupMs = Math.round(performance.now() - t);

    server = await startServer(kube.kubeconfigPath, statusRate);
    await pollUntil('the Gateway’s first status', async () => {
      const gateway = await api.get(`${GATEWAYS_PATH}/gw`);
      return gateway.status?.listeners?.some((l) => l.name === 'http') ? true : undefined;
    });
    // The writer idle (its start-up writes done) before the routes come, so the count is theirs.
    const writesBefore = await settledWrites(server);

    const serverBefore = await serverFigures(server);
    const routeWatch = api.watch(ROUTES_PATH, (await api.get(ROUTES_PATH)).metadata.resourceVersion);
    const gatewayWatch = api.watch(GATEWAYS_PATH, (await api.get(GATEWAYS_PATH)).metadata.resourceVersion);
    watches.push(routeWatch, gatewayWatch);
    t = performance.now();
    await inParallel(routes, APPLY_CONCURRENCY, (i) => api.apply(ROUTES_PATH, httpRoute(i)));
    const applyMs = Math.round(performance.now() - t);
    // Correct route statuses over time, one sample a second: [seconds since the first route, count].
    const progress = [];
    await pollUntil('every route status correct', async () => {
      const [list, gateway] = await Promise.all([api.get(ROUTES_PATH), api.get(`${GATEWAYS_PATH}/gw`)]);
      const correct = correctRoutes(list);
      const seconds = Math.floor((performance.now() - t) / 1000);
      if (progress.at(-1)?.[0] !== seconds) progress.push([seconds, correct]);
      return list.items.length === routes && correct === routes && attachedRoutes(gateway) === routes ? true : undefined;
    });
    const allStatusesCorrectMs = Math.round(performance.now() - t);
    const writesAfter = await settledWrites(server);
    const writesSettledMs = Math.round(performance.now() - t - SETTLE_MS);
    const serverAfter = await serverFigures(server);
    // The watch may trail the last write by a moment.
    await pollUntil('the watch to see every write', async () => (routeWatch.counts.MODIFIED + gatewayWatch.counts.MODIFIED >= writesAfter - writesBefore ? true : undefined), 100, 5_000).catch(() => undefined);
    const statusWrites = writesAfter - writesBefore;
    return {
      scenario: 'kube-status',
      routes,
      statusQps: statusRate?.qps ?? 200,
      statusBurst: statusRate?.burst ?? 500,
      applyMs,
      allStatusesCorrectMs,
      afterLastAppliedMs: allStatusesCorrectMs - applyMs,
      writesSettledMs,
      statusWrites,
      statusWritesPerRoute: Math.round((statusWrites / routes) * 1000) / 1000,
      apiServerStatusUpdates: routeWatch.counts.MODIFIED + gatewayWatch.counts.MODIFIED,
      routeStatusWrites: routeWatch.counts.MODIFIED,
      gatewayStatusWrites: gatewayWatch.counts.MODIFIED,
      routesCreated: routeWatch.counts.ADDED,
      watchComplete: routeWatch.complete() && gatewayWatch.complete(),
      watchResumed: routeWatch.resumed() + gatewayWatch.resumed(),
      serverCpuMs: Math.round((serverAfter.cpuSeconds - serverBefore.cpuSeconds) * 1000),
      reconciles: serverAfter.translations - serverBefore.translations,
      translateMs: Math.round((serverAfter.translateSeconds - serverBefore.translateSeconds) * 1000),
      progress,
      setupMs,
      serverReadyMs: server.readyMs,
      durationMs: Math.round(performance.now() - began),
    };
  } finally {
    for (const w of watches) w.stop();
    api?.close();
    await server?.stop();
    await kube.stop();
  }
}

/** The server's CPU time and its translations (one per reconcile) so far. */
async function serverFigures(server) {
  return {
    cpuSeconds: await server.metric('process_cpu_seconds_total'),
    translations: await server.metric('portico_translation_duration_seconds_count'),
    translateSeconds: await server.metric('portico_translation_duration_seconds_sum'),
  };
}

/** The written-status count once it has not moved for SETTLE_MS (the writer idle). */
async function settledWrites(server) {
  let last = await server.statusWrites();
  let since = performance.now();
  return pollUntil('the status writer to settle', async () => {
    const now = await server.statusWrites();
    if (now !== last) [last, since] = [now, performance.now()];
    return performance.now() - since >= SETTLE_MS ? now : undefined;
  }, 100);
}
