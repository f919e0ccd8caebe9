/**
 * `portico serve` end to end (issue 5, "Done means"): the real command as a child process, on a temp
 * copy of examples/ plus two files of its own (a Gateway with a cleartext HTTP listener, and a
 * GRPCRoute to real gRPC backends, so that a proxyless client has something to call). A real
 * @grpc/grpc-js-xds client follows each step of a user editing the route file: a change, a broken
 * file (reported with its document and field; nothing served is lost), and the fix. The example
 * IngressClass keeps its gateway once its Ingress is gone, and loses it with the class. Then SIGTERM.
 *
 * Runs the compiled CLI (packages/cli/dist): `npm test` builds first; run `npx tsc -b` before running
 * this file alone.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { TYPE_URLS } from '@portico/envoy';
import { createDeltaClient, type DeltaClient } from './support/delta-client.js';
import { startEchoBackends, type EchoBackend, type EchoClient } from './support/backends/echo-backends.js';
import { PORTICO_BIN, startServeProcess, type ServeProcess } from './support/serve-process.js';
import { createXdsEchoClient, untilAnswer } from './support/xds-client.js';

jest.setTimeout(60_000);

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');
const GATEWAY = 'default/e2e-grpc';
const TARGET = 'xds:///echo.test:8080';
const NODE_ID = 'e2e-serve-1';
const ROUTE_FILE = '91-e2e-route.yaml';
const CANARY = { 'x-backend': 'canary' };
/** Printed at the end: the issue asks for start-up time to ready and idle RSS. */
const figures: Record<string, number> = {};

/** The e2e Gateway (its own GatewayClass, so the test does not depend on what examples/ holds) and two Services. */
function gatewayYaml(ports: { a: number; b: number }): string {
  const service = (name: string, port: number) => `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  ports: [{ name: grpc, port: 9000, appProtocol: kubernetes.io/h2c }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-1
  namespace: default
  labels: { kubernetes.io/service-name: ${name} }
addressType: IPv4
ports: [{ name: grpc, port: ${port} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`;
  return `# e2e only: a cleartext HTTP listener for a proxyless gRPC client.
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-e2e }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: e2e-grpc, namespace: default }
spec:
  gatewayClassName: portico-e2e
  listeners:
  - { name: grpc, protocol: HTTP, port: 8080 }
${service('e2e-a', ports.a)}${service('e2e-b', ports.b)}`;
}

/** The route file the test edits: calls with `x-backend: <header>` go to `headerTo`, the others to `defaultTo`. */
function routeYaml(rule: { header: string; headerTo: string; defaultTo: string; port?: string }): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: e2e-echo, namespace: default }
spec:
  parentRefs: [{ name: e2e-grpc }]
  hostnames: [echo.test]
  rules:
  - matches:
    - headers: [{ name: x-backend, value: ${rule.header} }]
    backendRefs: [{ name: ${rule.headerTo}, port: ${rule.port ?? '9000'} }]
  - backendRefs: [{ name: ${rule.defaultTo}, port: 9000 }]
`;
}

describe('portico serve as a child process, followed by a real xDS client', () => {
  let dir: string;
  let backends: Record<'a' | 'b', EchoBackend>;
  let serve: ServeProcess;
  let client: EchoClient | undefined;
  let delta: DeltaClient | undefined;
  let stopped = false;

  const writeRoute = (yaml: string) => writeFileSync(join(dir, ROUTE_FILE), yaml);
  const xds = async () => (await serve.admin(`/debug/xds?gateway=${GATEWAY}`)).body;
  const routesJson = async () => JSON.stringify((await xds()).xds[GATEWAY].routes);
  const routeSource = async () => ((await serve.admin('/debug/status')).body.sources as { source: string; state: string; error?: string; objects: number }[]).find((s) => s.source === ROUTE_FILE);
  const answer = (headers: Record<string, string>, backend: string) => untilAnswer(client!, 'Who', headers, (r) => r.backend === backend, 20_000);

  beforeAll(async () => {
    backends = await startEchoBackends(['a', 'b'] as const);
    dir = mkdtempSync(join(tmpdir(), 'portico-serve-e2e-'));
    cpSync(EXAMPLES, dir, { recursive: true });
    writeFileSync(join(dir, '90-e2e-gateway.yaml'), gatewayYaml({ a: backends.a.port, b: backends.b.port }));
    writeRoute(routeYaml({ header: 'canary', headerTo: 'e2e-b', defaultTo: 'e2e-a' }));
    serve = await startServeProcess({ resources: dir });
    figures.startupToReadyMs = await serve.waitReady(30_000);
  });

  afterAll(async () => {
    client?.close();
    delta?.close();
    if (serve && !stopped) await serve.stop('SIGKILL').catch(() => undefined);
    await Promise.all(Object.values(backends ?? {}).map((b) => b.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`serve e2e figures: ${JSON.stringify(figures)}`);
  });

  it('is ready with every example file loaded, and idles at a measured RSS', async () => {
    const status = (await serve.admin('/debug/status')).body;
    const sources = status.sources as { source: string; state: string }[];
    expect(sources.filter((s) => s.state !== 'ok')).toEqual([]);
    expect(sources.map((s) => s.source)).toEqual(expect.arrayContaining(['00-gateway.yaml', '90-e2e-gateway.yaml', ROUTE_FILE]));
    expect(Object.keys((await serve.admin('/debug/ir')).body.ir)).toEqual(expect.arrayContaining(['default/demo', GATEWAY]));
    // The HTTPS listener's key (60-tls-secret.yaml) never leaves the process.
    for (const path of ['/debug/ir', '/debug/xds?format=yaml', '/debug/status']) {
      const text = await (await fetch(`http://127.0.0.1:${serve.adminPort}${path}`)).text();
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
    expect(JSON.stringify((await serve.admin('/debug/xds?gateway=default/demo')).body)).toContain('[redacted]');
    await new Promise((r) => setTimeout(r, 1_000));
    figures.idleRssMiB = Math.round(serve.rssKiB() / 102.4) / 10;
  });

  it('configures a proxyless client, which calls the backends its route names', async () => {
    client = createXdsEchoClient(TARGET, { xdsPort: serve.xdsPort, gateway: GATEWAY, nodeId: NODE_ID });
    figures.firstCallMs = (await answer({}, 'a')).ms;
    expect((await answer(CANARY, 'b')).reply.backend).toBe('b');
    type Listed = { nodeId: string; gateway: string; types: Record<string, { ackedVersion?: string }> }[];
    const listed = await pollFor('the client’s RDS ACK in /debug/clients', async () => {
      const { clients } = (await serve.admin<{ clients: Listed }>(`/debug/clients?gateway=${GATEWAY}`)).body;
      return clients[0]?.types[TYPE_URLS.route]?.ackedVersion ? clients : undefined;
    });
    expect(listed).toEqual([expect.objectContaining({ nodeId: NODE_ID, gateway: GATEWAY })]);
  });

  it('follows an edit of the route file: the client and /debug/xds change', async () => {
    expect(await routesJson()).toContain('e2e-a');
    const started = Date.now();
    writeRoute(routeYaml({ header: 'canary', headerTo: 'e2e-b', defaultTo: 'e2e-b' }));
    await answer({}, 'b');
    figures.editAppliedMs = Date.now() - started;
    expect(await routesJson()).not.toContain('e2e-a');
  });

  it('reports a broken file with its document and field, and keeps serving the last good config', async () => {
    const xdsBefore = await xds();
    const irBefore = (await serve.admin(`/debug/ir?gateway=${GATEWAY}`)).body;
    writeRoute(routeYaml({ header: 'canary', headerTo: 'e2e-a', defaultTo: 'e2e-a', port: 'eighty' }));
    const broken = await pollFor('the route file error in /debug/status', async () => {
      const source = await routeSource();
      return source?.state === 'error' ? source : undefined;
    });
    expect(broken.error).toMatch(/91-e2e-route\.yaml: document 1 \(GRPCRoute default\/e2e-echo\): spec\.rules\[0\]\.backendRefs\[0\]\.port: /);
    expect(broken.objects).toBe(1);
    // Nothing lost: the route is still there with its status, the config and the client unchanged.
    const status = (await serve.admin(`/debug/status?gateway=${GATEWAY}`)).body;
    expect(status.objects.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining(['Gateway/e2e-grpc', 'GRPCRoute/e2e-echo']),
    );
    expect(await xds()).toEqual(xdsBefore);
    expect((await serve.admin(`/debug/ir?gateway=${GATEWAY}`)).body).toEqual(irBefore);
    expect((await answer({}, 'b')).reply.backend).toBe('b');
    expect((await serve.admin('/readyz')).status).toBe(200);
    // The CLI shows the same, as a table.
    const { stdout } = await promisify(execFile)(process.execPath, [PORTICO_BIN, 'dump', 'status', '--admin', `127.0.0.1:${serve.adminPort}`]);
    expect(stdout).toMatch(/^91-e2e-route\.yaml\s+error\s+1\s+.*document 1 \(GRPCRoute default\/e2e-echo\): spec\.rules\[0\]\.backendRefs\[0\]\.port/m);
  });

  it('clears the error once the file is fixed, and the config follows the fix', async () => {
    const started = Date.now();
    writeRoute(routeYaml({ header: 'gamma', headerTo: 'e2e-b', defaultTo: 'e2e-a' }));
    await answer({}, 'a');
    figures.fixAppliedMs = Date.now() - started;
    expect((await answer({ 'x-backend': 'gamma' }, 'b')).reply.backend).toBe('b');
    expect(await routeSource()).toMatchObject({ state: 'ok', objects: 1 });
    expect((await routeSource())?.error).toBeUndefined();
    const routes = await routesJson();
    expect(routes).toContain('gamma');
    expect(routes).not.toContain('canary');
    figures.rssAfterEditsMiB = Math.round(serve.rssKiB() / 102.4) / 10;
  });

  it('serves an IngressClass without Ingresses on its port 80 (404 for all), unchanged listener; deleting the class removes its gateway', async () => {
    const INGRESS_GATEWAY = 'ingressclass/portico';
    type Dump = { listeners: { dynamicListeners: { name: string; activeState: { versionInfo: string } }[] }; routes: { dynamicRouteConfigs: { routeConfig: { virtualHosts: unknown[] } }[] } };
    const ingressXds = async () => (await serve.admin(`/debug/xds?gateway=${INGRESS_GATEWAY}`)).body.xds?.[INGRESS_GATEWAY] as Dump | undefined;
    const before = (await ingressXds())!;
    expect(before.routes.dynamicRouteConfigs[0]!.routeConfig.virtualHosts).not.toEqual([]);
    // examples/40-ingress.yaml without its Ingress: only the IngressClass is left.
    writeFileSync(join(dir, '40-ingress.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: portico }\nspec: { controller: portico.dev/ingress-controller }\n');
    const without = await pollFor('the class gateway without virtual hosts', async () => {
      const dump = await ingressXds();
      return dump?.routes.dynamicRouteConfigs[0]?.routeConfig.virtualHosts.length === 0 ? dump : undefined;
    });
    // The same listener at the same version: an Envoy of this gateway keeps it, nothing drains.
    expect(without.listeners.dynamicListeners).toEqual(before.listeners.dynamicListeners);
    rmSync(join(dir, '40-ingress.yaml'));
    await pollFor('the class gateway gone', async () => ((await ingressXds()) ? undefined : true));
  });

  it('exits with code 0 on SIGTERM within a few seconds, with an Envoy-like stream open', async () => {
    // The grpc-js-xds client would retry its ADS stream against the stopped server for ever (a queued
    // call would keep this test process alive), so it leaves first; a delta stream, as an Envoy opens
    // one, stays connected through the shutdown.
    client!.close();
    client = undefined;
    delta = createDeltaClient(`127.0.0.1:${serve.xdsPort}`);
    const stream = delta.open();
    stream.send({ node: { id: 'e2e-envoy', cluster: 'default/demo' }, typeUrl: TYPE_URLS.listener });
    const lds = await stream.next();
    expect(lds.resources.map((r) => r.name)).toContain('default/demo/http-8080');
    stream.ack(lds);
    await pollFor('the delta stream in /debug/clients', async () => {
      const { clients } = (await serve.admin<{ clients: { nodeId?: string; protocol: string }[] }>('/debug/clients?gateway=default/demo')).body;
      return clients.find((c) => c.nodeId === 'e2e-envoy' && c.protocol === 'delta');
    });

    const result = await serve.stop('SIGTERM', 10_000);
    stopped = true;
    figures.sigtermToExitMs = result.ms;
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    // Envoy closes its connection on the server's GOAWAY; the closed grpc-js-xds client leaves its idle
    // one open, which costs the 5 s grace period of the xDS shutdown, never more.
    expect(result.ms).toBeLessThan(8_000);
    expect(serve.logs()).toContainEqual(expect.objectContaining({ message: 'shutting down', signal: 'SIGTERM' }));
    expect(serve.logs()).toContainEqual(expect.objectContaining({ message: 'stopped' }));
  });
});

/** Bounded polling of an async check (waitUntil is for synchronous ones). */
async function pollFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
