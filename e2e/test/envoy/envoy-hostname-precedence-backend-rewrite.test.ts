/**
 * Two Gateway API v1.7.0 features through a real Envoy (ENVOY_BIN) fed by `portico serve`, with the
 * requests of their conformance tests, against backends that report what reached them:
 *
 * - GatewayRouteHostnameIntersectionPrecedence (HTTPRouteMultipleRoutesAttachmentSameHostnameIntersection):
 *   routes whose listener/route intersections are the same hostname are ordered by the hostnames written
 *   on them, not by path or age: the newer `abc.example.com` route beats the older `*.example.com` one
 *   with a longer prefix and passes what it does not match on to it; on a wildcard listener the newer
 *   `*.example.net` route beats the older `*.net` one. The same for TLSRoutes on Passthrough listeners
 *   (TLSRouteMultipleRoutesAttachmentSameHostnameIntersection): the SNI goes to the newer route.
 * - HTTPRouteBackendURLRewrite (tests/httproute-backend-url-rewrite.yaml): a backendRef's URLRewrite
 *   rewrites the path and Host of the requests sent to that backend only; a backend's own hostname wins
 *   over the rule's, which its sibling backend keeps.
 *
 * Skipped without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { pollFor } from '../support/isolation-traffic.js';
import { closeReportingBackend, getReport, startReportingBackend, type Report, type ReportingBackend } from '../support/backends/reporting-backend.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const CERTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/certs');
const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

/** A TLS backend (its own certificate: Passthrough forwards the client's TLS untouched) that answers with its name. */
async function startTLSBackend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: readFileSync(join(CERTS, 'example.com.crt')), key: readFileSync(join(CERTS, 'example.com.key')) }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as { port: number }).port };
}

/** Which TLS backend answers a connection with this SNI; '' when none does (no route for the SNI). */
function tlsBackendFor(port: number, servername: string): Promise<string> {
  return new Promise((done) => {
    let reply = '';
    // The backend's certificate is not what this test checks: which backend completes the handshake is.
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, timeout: 5_000 });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => done(''));
    socket.on('close', () => done(reply));
  });
}

function tlsRoute(name: string, created: string, section: string, hostname: string, backend: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  parentRefs: [{ name: conf, sectionName: ${section} }]
  hostnames: ["${hostname}"]
  rules: [{ backendRefs: [{ name: ${backend}, port: 80 }] }]
`;
}

function resourcesYaml(listenerPort: number, tlsPort: number, v1: ReportingBackend, v2: ReportingBackend, tls1: number, tls2: number): string {
  const route = (name: string, created: string, section: string, hostnames: string[], rules: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  parentRefs: [{ name: conf, sectionName: ${section} }]
  hostnames: ${JSON.stringify(hostnames)}
  rules:
${rules}`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-precedence-rewrite }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: conf, namespace: default }
spec:
  gatewayClassName: portico-precedence-rewrite
  listeners:
  - { name: exact, protocol: HTTP, port: ${listenerPort}, hostname: abc.example.com }
  - { name: wildcard, protocol: HTTP, port: ${listenerPort}, hostname: "*.example.net" }
  - { name: any, protocol: HTTP, port: ${listenerPort} }
  - { name: tls-exact, protocol: TLS, port: ${tlsPort}, hostname: abc.example.com, tls: { mode: Passthrough } }
  - { name: tls-wildcard, protocol: TLS, port: ${tlsPort}, hostname: "*.example.net", tls: { mode: Passthrough } }
${serviceYaml('default', 'infra-backend-v1', v1.port)}${serviceYaml('default', 'infra-backend-v2', v2.port)}${serviceYaml('default', 'tls-backend', tls1)}${serviceYaml('default', 'tls-backend-2', tls2)}${tlsRoute(
    'tls-wc-hostname-older', '2024-01-01T00:00:00Z', 'tls-exact', '*.example.com', 'tls-backend',
  )}${tlsRoute('tls-exact-hostname-newer', '2024-01-01T00:00:01Z', 'tls-exact', 'abc.example.com', 'tls-backend-2')}${tlsRoute(
    'tls-less-specific-wc-older', '2024-01-01T00:00:00Z', 'tls-wildcard', '*.net', 'tls-backend',
  )}${tlsRoute('tls-more-specific-wc-newer', '2024-01-01T00:00:01Z', 'tls-wildcard', '*.example.net', 'tls-backend-2')}${route(
    'wc-hostname-older',
    '2024-01-01T00:00:00Z',
    'exact',
    ['*.example.com'],
    `  - matches: [{ path: { type: PathPrefix, value: /path/prefix }, headers: [{ name: Header-B, value: B }] }]
    backendRefs: [{ name: infra-backend-v1, port: 80 }]
`,
  )}${route(
    'exact-hostname-newer',
    '2024-01-01T00:00:01Z',
    'exact',
    ['abc.example.com'],
    `  - matches: [{ path: { type: PathPrefix, value: /path }, headers: [{ name: Header-A, value: A }] }]
    backendRefs: [{ name: infra-backend-v2, port: 80 }]
`,
  )}${route(
    'less-specific-wc-older',
    '2024-01-01T00:00:00Z',
    'wildcard',
    ['*.net'],
    `  - matches: [{ path: { type: PathPrefix, value: /path/prefix } }]
    backendRefs: [{ name: infra-backend-v1, port: 80 }]
`,
  )}${route(
    'more-specific-wc-newer',
    '2024-01-01T00:00:01Z',
    'wildcard',
    ['*.example.net'],
    `  - matches: [{ path: { type: PathPrefix, value: /path } }]
    backendRefs: [{ name: infra-backend-v2, port: 80 }]
`,
  )}${route(
    'backend-url-rewrite',
    '2024-01-01T00:00:00Z',
    'any',
    ['rewrite.example.org'],
    `  - matches: [{ path: { type: PathPrefix, value: /full } }]
    backendRefs:
    - name: infra-backend-v1
      port: 80
      filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /rewritten-full } } }]
  - matches: [{ path: { type: PathPrefix, value: /prefix } }]
    backendRefs:
    - name: infra-backend-v1
      port: 80
      filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /rewritten-prefix } } }]
  - matches: [{ path: { type: PathPrefix, value: /hosts } }]
    filters: [{ type: URLRewrite, urlRewrite: { hostname: rule.example.org } }]
    backendRefs:
    - name: infra-backend-v1
      port: 80
      filters: [{ type: URLRewrite, urlRewrite: { hostname: backend.example.org } }]
    - name: infra-backend-v2
      port: 80
`,
  )}`;
}

describeWithEnvoy('route hostname precedence and backendRef URL rewrites through a real Envoy', () => {
  let dir: string;
  let v1: ReportingBackend;
  let v2: ReportingBackend;
  let tls: { server: Server; port: number }[] = [];
  let tlsPort: number;
  let serve: ServeProcess;
  let envoy: EnvoyProcess | undefined;
  let port: number;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  const report = async (path: string, host: string, headers: Record<string, string> = {}): Promise<Report | undefined> => (await getReport(port, path, host, headers)).report;

  beforeAll(async () => {
    v1 = await startReportingBackend('infra-backend-v1');
    v2 = await startReportingBackend('infra-backend-v2');
    tls = [await startTLSBackend('tls-backend'), await startTLSBackend('tls-backend-2')];
    port = await freePort();
    tlsPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-precedence-rewrite-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, tlsPort, v1, v2, tls[0]!.port, tls[1]!.port));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/conf', xdsPort: serve.xdsPort, nodeId: 'precedence-rewrite' });
    // The whole route table arrives at once: one answer from it means every route is in place.
    await pollFor('the routes to reach Envoy', async () => ((await report('/full/x', 'rewrite.example.org')) ? true : undefined), context);
    await pollFor('the TLS listener to reach Envoy', async () => ((await tlsBackendFor(tlsPort, 'abc.example.com')) ? true : undefined), context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    for (const b of [v1, v2]) if (b) await closeReportingBackend(b);
    for (const { server } of tls) await new Promise((ok) => server.close(() => ok(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an exact route hostname beats a wildcard one with the same intersection, newer and with a shorter prefix, and passes unmatched traffic on', async () => {
    expect((await report('/path/prefix/longer', 'abc.example.com', { 'Header-A': 'A', 'Header-B': 'B' }))?.backend).toBe('infra-backend-v2');
    expect((await report('/path/prefix/longer', 'abc.example.com', { 'Header-B': 'B' }))?.backend).toBe('infra-backend-v1');
    expect(await envoy!.rejectedUpdates()).toBe(0);
  });

  test('a more specific wildcard route hostname beats a less specific one on a wildcard listener', async () => {
    expect((await report('/path/prefix/longer', 'abc.example.net'))?.backend).toBe('infra-backend-v2');
  });

  test('a TLSRoute SNI goes to the route with the more specific hostname of its own, although it is newer', async () => {
    expect(await tlsBackendFor(tlsPort, 'abc.example.com')).toBe('tls-backend-2');
    expect(await tlsBackendFor(tlsPort, 'abc.example.net')).toBe('tls-backend-2');
    expect(await envoy!.rejectedUpdates()).toBe(0);
  });

  test('backendRef URLRewrite paths reach the backend rewritten (ReplaceFullPath, ReplacePrefixMatch)', async () => {
    expect(await report('/full/original', 'rewrite.example.org')).toEqual({ backend: 'infra-backend-v1', path: '/rewritten-full', host: 'rewrite.example.org' });
    expect(await report('/prefix/original', 'rewrite.example.org')).toEqual({ backend: 'infra-backend-v1', path: '/rewritten-prefix/original', host: 'rewrite.example.org' });
  });

  test("a backendRef URLRewrite hostname applies to its backend only and wins over the rule's, which the other backend keeps", async () => {
    const seen = new Map<string, Set<string>>();
    // Two equal weights: both backends answer within a few requests (missing one in 200 has odds 2^-199).
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const r = await report('/hosts', 'rewrite.example.org');
      if (!r) continue;
      if (!seen.has(r.backend)) seen.set(r.backend, new Set());
      seen.get(r.backend)!.add(r.host);
    }
    expect(Object.fromEntries([...seen].map(([b, hosts]) => [b, [...hosts]]))).toEqual({
      'infra-backend-v1': ['backend.example.org'],
      'infra-backend-v2': ['rule.example.org'],
    });
  });
});
