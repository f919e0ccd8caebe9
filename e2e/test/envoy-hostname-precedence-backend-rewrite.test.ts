/**
 * Two Gateway API v1.7.0 features through a real Envoy (ENVOY_BIN) fed by `portico serve`, with the
 * requests of their conformance tests, against backends that report what reached them:
 *
 * - GatewayRouteHostnameIntersectionPrecedence (HTTPRouteMultipleRoutesAttachmentSameHostnameIntersection):
 *   routes whose listener/route intersections are the same hostname are ordered by the hostnames written
 *   on them, not by path or age: the newer `abc.example.com` route beats the older `*.example.com` one
 *   with a longer prefix and passes what it does not match on to it; on a wildcard listener the newer
 *   `*.example.net` route beats the older `*.net` one.
 * - HTTPRouteBackendURLRewrite (tests/httproute-backend-url-rewrite.yaml): a backendRef's URLRewrite
 *   rewrites the path and Host of the requests sent to that backend only; a backend's own hostname wins
 *   over the rule's, which its sibling backend keeps.
 *
 * Skipped without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from './support/envoy-process.js';
import { serviceYaml } from './support/isolation-fixtures.js';
import { pollFor } from './support/isolation-traffic.js';
import { closeReportingBackend, getReport, startReportingBackend, type Report, type ReportingBackend } from './support/reporting-backend.js';
import { freePort, startServeProcess, type ServeProcess } from './support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

function resourcesYaml(listenerPort: number, v1: ReportingBackend, v2: ReportingBackend): string {
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
${serviceYaml('default', 'infra-backend-v1', v1.port)}${serviceYaml('default', 'infra-backend-v2', v2.port)}${route(
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
  let serve: ServeProcess;
  let envoy: EnvoyProcess | undefined;
  let port: number;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  const report = async (path: string, host: string, headers: Record<string, string> = {}): Promise<Report | undefined> => (await getReport(port, path, host, headers)).report;

  beforeAll(async () => {
    v1 = await startReportingBackend('infra-backend-v1');
    v2 = await startReportingBackend('infra-backend-v2');
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-precedence-rewrite-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, v1, v2));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/conf', xdsPort: serve.xdsPort, nodeId: 'precedence-rewrite' });
    // The whole route table arrives at once: one answer from it means every route is in place.
    await pollFor('the routes to reach Envoy', async () => ((await report('/full/x', 'rewrite.example.org')) ? true : undefined), context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    for (const b of [v1, v2]) if (b) await closeReportingBackend(b);
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
