/**
 * AccessLogPolicy (gateway.portico.dev/v1alpha1) through a real Envoy (ENVOY_BIN): `portico serve` on a
 * folder with Gateway gw (four HTTP listeners on their own ports, one route to an echo server under
 * /ok) and three policies naming one listener each:
 * - json-file (listener json): JSON lines with exactly the four fields it picks, to a file in a temp dir;
 * - errors-only (listener errors): the default JSON fields, to a file, for answers of 400 and above;
 * - text-stdout (listener text): a text format to Envoy's stdout;
 * - otel-logs (listener otel): OTLP log records to a test collector (support/backends/otlp-receiver.ts).
 * Listener plain has no policy (Portico's default stdout log). Envoy writes logs through its access
 * log manager, which flushes every 10 s by default (100 ms here): the tests poll the files until the
 * lines they expect are there, and order requests so that the last expected line proves the earlier ones
 * were judged (one Envoy worker). Figures: medians of 200 requests per listener, interleaved.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { closeEcho, pollFor, startEcho, untilAnswer, type Echo } from '../support/isolation-traffic.js';
import { startOtlpLogsReceiver, type OtlpLogsReceiver } from '../support/backends/otlp-receiver.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

type Ports = Record<'json' | 'errors' | 'text' | 'plain' | 'otel', number>;

const JSON_FIELDS = { status: '%RESPONSE_CODE%', method: '%REQ(:METHOD)%', path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', agent: '%REQ(USER-AGENT)%' };

function resourcesYaml(ports: Ports, echo: Echo, logDir: string, collector: OtlpLogsReceiver, jsonPath = join(logDir, 'json.log')): string {
  const listener = (name: keyof Ports) => `  - { name: ${name}, protocol: HTTP, port: ${ports[name]} }`;
  const policy = (name: string, section: string, body: string) => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: AccessLogPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: ${section} }]
${body}`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-access-log }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-access-log
  listeners:
${(['json', 'errors', 'text', 'plain', 'otel'] as const).map(listener).join('\n')}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /ok } }]
    backendRefs: [{ name: app, port: 80 }]
${policy('json-file', 'json', `  format:
    type: JSON
    json:
${Object.entries(JSON_FIELDS).map(([name, value]) => `    - { name: ${name}, value: "${value}" }`).join('\n')}
  sinks:
  - type: File
    file: { path: ${jsonPath} }
`)}${policy('errors-only', 'errors', `  sinks:
  - type: File
    file: { path: ${join(logDir, 'errors.log')} }
  filter: { minStatusCode: 400 }
`)}${policy('text-stdout', 'text', `  format:
    type: Text
    text: "portico-text %REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE%"
  sinks:
  - type: Stdout
`)}${policy('otel-logs', 'otel', `  format:
    json:
    - { name: status, value: "%RESPONSE_CODE%" }
    - { name: path, value: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%" }
  sinks:
  - type: OpenTelemetry
    openTelemetry:
      backendRef: { name: collector, port: 4317 }
      logName: edge-access
`)}---
apiVersion: v1
kind: Service
metadata: { name: collector, namespace: default }
spec:
  ports: [{ name: otlp-grpc, port: 4317 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: collector-1
  namespace: default
  labels: { kubernetes.io/service-name: collector }
addressType: IPv4
ports: [{ name: otlp-grpc, port: ${collector.port} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
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

function jsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function status(port: number, path: string, agent = 'portico-e2e'): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'user-agent': agent }, signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describeWithEnvoy('AccessLogPolicy through a real Envoy', () => {
  let dir: string;
  let logDir: string;
  let echo: Echo;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let ports: Ports;
  let collector: OtlpLogsReceiver;
  const figures: Record<string, unknown> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;

  beforeAll(async () => {
    echo = await startEcho('app');
    collector = await startOtlpLogsReceiver();
    ports = { json: await freePort(), errors: await freePort(), text: await freePort(), plain: await freePort(), otel: await freePort() };
    dir = mkdtempSync(join(tmpdir(), 'portico-access-log-'));
    logDir = mkdtempSync(join(tmpdir(), 'portico-access-log-files-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(ports, echo, logDir, collector));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'access-log', logFlushIntervalMs: 100 });
    for (const port of Object.values(ports)) await untilAnswer(`http://127.0.0.1:${port}/ok`, (a) => a.status === 200, `port ${port} to answer`, context, 45_000);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    await collector?.close();
    for (const d of [dir, logDir]) if (d) rmSync(d, { recursive: true, force: true });
    console.log(`envoy-access-log-policy figures: ${JSON.stringify(figures)}`);
  });

  test('JSON lines with exactly the chosen fields, one per request, to the file sink', async () => {
    const path = join(logDir, 'json.log');
    const before = jsonLines(path).length;
    for (let i = 0; i < 20; i++) expect(await status(ports.json, `/ok/json-${i}`, `agent-${i}`)).toBe(200);
    await pollFor('20 JSON lines in json.log', async () => (jsonLines(path).length >= before + 20 ? true : undefined), context, 15_000);
    const lines = jsonLines(path).filter((l) => String(l['path']).startsWith('/ok/json-'));
    expect(lines).toHaveLength(20);
    for (const [i, line] of lines.entries()) {
      expect(Object.keys(line).sort()).toEqual(Object.keys(JSON_FIELDS).sort());
      expect(line).toEqual({ status: 200, method: 'GET', path: `/ok/json-${i}`, agent: `agent-${i}` });
    }
    figures.jsonLinesPer20Requests = lines.length;
  });

  test('the status filter logs only answers of 400 and above, with the default JSON fields', async () => {
    const path = join(logDir, 'errors.log');
    for (let i = 0; i < 10; i++) expect(await status(ports.errors, `/ok/fine-${i}`)).toBe(200);
    for (let i = 0; i < 5; i++) expect(await status(ports.errors, `/missing-${i}`)).toBe(404);
    // The 404s came last on Envoy's one worker: once their five lines are there, every 200 was judged.
    await pollFor('5 lines in errors.log', async () => (jsonLines(path).length >= 5 ? true : undefined), context, 15_000);
    const lines = jsonLines(path);
    expect(lines.map((l) => [l['path'], l['response_code']])).toEqual([0, 1, 2, 3, 4].map((i) => [`/missing-${i}`, 404]));
    expect(Object.keys(lines[0]!).sort()).toEqual(
      ['bytes_received', 'bytes_sent', 'duration', 'method', 'path', 'protocol', 'response_code', 'response_flags', 'route_name', 'start_time', 'upstream_host', 'user_agent', 'x_request_id'].sort(),
    );
    expect(lines[0]!['response_flags']).toBe('NR');
    figures.errorLinesPer10OkAnd5NotFound = lines.length;
  });

  test('the text format goes to Envoy’s stdout', async () => {
    for (let i = 0; i < 3; i++) expect(await status(ports.text, `/ok/text-${i}`)).toBe(200);
    await pollFor('the text lines on Envoy stdout', async () => (envoy.tail(400).includes('portico-text GET /ok/text-2 200') ? true : undefined), context, 15_000);
    const lines = envoy.tail(400).split('\n').filter((l) => l.startsWith('portico-text GET /ok/text-'));
    expect(lines).toEqual(['portico-text GET /ok/text-0 200', 'portico-text GET /ok/text-1 200', 'portico-text GET /ok/text-2 200']);
  });

  test('the OpenTelemetry sink sends one OTLP log record per request, the JSON fields as attributes', async () => {
    for (let i = 0; i < 5; i++) expect(await status(ports.otel, `/ok/otel-${i}`)).toBe(200);
    await collector.waitFor('5 log records', (records) => records.filter((r) => r.attributes['path']?.startsWith('/ok/otel-')).length === 5);
    const records = collector.records.filter((r) => r.attributes['path']?.startsWith('/ok/otel-'));
    expect(records.map((r) => r.attributes)).toEqual([0, 1, 2, 3, 4].map((i) => expect.objectContaining({ status: '200', path: `/ok/otel-${i}` })));
    expect(new Set(records.map((r) => r.logName))).toEqual(new Set(['edge-access']));
    figures.otlpLogRecordsPer5Requests = records.length;
    figures.otlpRecordAttributes = Object.keys(records[0]!.attributes).sort();
  });

  test('a file Envoy cannot open: Envoy refuses that listener update and keeps logging with the last one it accepted', async () => {
    const rejectedBefore = await envoy.rejectedUpdates();
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(ports, echo, logDir, collector, join(logDir, 'no-such-dir', 'json.log')));
    await pollFor('Envoy to refuse the update', async () => ((await envoy.rejectedUpdates()) > rejectedBefore ? true : undefined), context, 30_000);
    figures.rejectedUpdatesForAnUnopenableFile = (await envoy.rejectedUpdates()) - rejectedBefore;
    const path = join(logDir, 'json.log');
    expect(await status(ports.json, '/ok/after-nack', 'after-nack')).toBe(200);
    await pollFor('the line of a request after the NACK in json.log', async () => (jsonLines(path).some((l) => l['path'] === '/ok/after-nack') ? true : undefined), context, 15_000);
    for (const port of [ports.errors, ports.text, ports.plain, ports.otel]) expect(await status(port, '/ok/others')).toBe(200);
    // Back to a path Envoy can open, for the tests after this one.
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(ports, echo, logDir, collector));
  });

  test('latency medians over 200 requests: JSON file policy, status-filtered (nothing written), default stdout log', async () => {
    const samples: Record<'json' | 'errors' | 'plain', number[]> = { json: [], errors: [], plain: [] };
    for (let i = 0; i < 200; i++) {
      for (const key of ['json', 'errors', 'plain'] as const) {
        const started = process.hrtime.bigint();
        expect(await status(ports[key], `/ok/latency-${i}`)).toBe(200);
        samples[key].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    figures.medianMs = { jsonFilePolicy: median(samples.json).toFixed(3), filteredOut: median(samples.errors).toFixed(3), defaultStdout: median(samples.plain).toFixed(3) };
    const { body } = await serve.admin<{ objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { conditions: { type: string; status: string }[] }[] } }[] }>('/debug/status');
    const accepted = body.objects.filter((o) => o.kind === 'AccessLogPolicy').map((o) => [o.metadata.name, o.status?.ancestors?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status]);
    expect(accepted.sort()).toEqual([['errors-only', 'True'], ['json-file', 'True'], ['otel-logs', 'True'], ['text-stdout', 'True']]);
  });
});
