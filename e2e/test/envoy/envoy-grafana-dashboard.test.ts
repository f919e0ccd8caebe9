/**
 * The chart's Grafana dashboard (charts/portico/dashboards/portico-envoy.json) queries metrics Envoy
 * really exports: a real Envoy (ENVOY_BIN) serving a Gateway through `portico serve` takes some
 * requests, and every `envoy_*` metric and label the dashboard's PromQL names must be in its
 * /stats/prometheus — the page each Envoy pod serves on its readiness port (envoy-pod-bootstrap.ts)
 * and that the pods' prometheus.io/* annotations point Prometheus at.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { closeEcho, get, startEcho, untilAnswer, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;
const DASHBOARD = resolve(dirname(fileURLToPath(import.meta.url)), '../../../charts/portico/dashboards/portico-envoy.json');

jest.setTimeout(90_000);

interface Dashboard {
  uid: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

/** PromQL words that are not metric names or labels. */
const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'min', 'histogram_quantile', 'clamp_min', 'le', 'instance']);

function resourcesYaml(port: number, echo: Echo): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-dashboard }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-dashboard
  listeners:
  - { name: http, protocol: HTTP, port: ${port} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /ok } }]
    backendRefs: [{ name: app, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: app, namespace: default }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: app-1
  namespace: default
  labels: { kubernetes.io/service-name: app }
addressType: IPv4
ports: [{ name: http, port: ${echo.port} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`;
}

/** Metric names (histograms also as `_bucket`/`_sum`/`_count`) and label names of a Prometheus text page. */
function exported(page: string): { metrics: Set<string>; labels: Set<string> } {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  for (const line of page.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name) metrics.add(name);
    const braces = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    for (const m of braces.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(m[1]!);
  }
  return { metrics, labels };
}

describeWithEnvoy('the Grafana dashboard against a real Envoy’s /stats/prometheus', () => {
  let dir: string;
  let echo: Echo;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let port: number;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;

  beforeAll(async () => {
    echo = await startEcho('app');
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-dashboard-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, echo));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'dashboard' });
    await untilAnswer(`http://127.0.0.1:${port}/ok`, (a) => a.status === 200, 'the route to answer', context, 45_000);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every envoy_* metric and label the dashboard queries is exported', async () => {
    for (let i = 0; i < 5; i++) expect((await get(`http://127.0.0.1:${port}/ok/${i}`)).status).toBe(200);
    expect((await get(`http://127.0.0.1:${port}/missing`)).status).toBe(404);
    const page = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/stats/prometheus`)).text();
    const { metrics, labels } = exported(page);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    expect(dashboard.uid).toBe('portico-envoy');
    const queried = new Set<string>();
    const queriedLabels = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        // Labels: inside by (...) and {...} selectors; `le` and `instance` come from Prometheus itself.
        const exprLabels = new Set<string>();
        for (const group of expr.matchAll(/by \(([^)]*)\)/g)) for (const l of group[1]!.split(',')) exprLabels.add(l.trim());
        for (const selector of expr.matchAll(/\{([^}]*)\}/g)) for (const m of selector[1]!.matchAll(/([a-z_]+)=/g)) exprLabels.add(m[1]!);
        for (const l of exprLabels) queriedLabels.add(l);
        for (const m of expr.matchAll(/\benvoy_[a-z0-9_]+\b/g)) if (!exprLabels.has(m[0])) queried.add(m[0]);
      }
    }
    const missing = [...queried].filter((m) => !metrics.has(m));
    expect(missing).toEqual([]);
    const missingLabels = [...queriedLabels].filter((l) => !PROMQL_WORDS.has(l) && !labels.has(l));
    expect(missingLabels).toEqual([]);
    console.log(`envoy-grafana-dashboard figures: ${JSON.stringify({ panels: dashboard.panels.length, metricsQueried: queried.size, metricsExported: metrics.size })}`);
  });
});
