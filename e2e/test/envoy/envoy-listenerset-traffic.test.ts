/**
 * ListenerSets (GEP-1713) through a real Envoy: `portico serve --run-envoy` (Envoy from ENVOY_BIN)
 * on a folder with a Gateway that allows ListenerSets from its namespace, a ListenerSet that adds a
 * hostname on the Gateway's port and a listener on a port of its own, and routes attached to the
 * Gateway, to the ListenerSet, and to one ListenerSet listener by sectionName. Requests by Host header
 * reach only the routes of their listener's direct parent (ListenerSetHTTPRouting); removing the
 * ListenerSet's file takes its hostname and its port away again. Skipped without ENVOY_BIN.
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const NAMES = ['gw', 'ls', 'section'] as const;
type Name = (typeof NAMES)[number];

async function startEcho(name: string): Promise<Server> {
  const server = createServer((req, response) => {
    req.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}

function closeEcho(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

/** An HTTP GET with an explicit Host header (fetch does not let one set it). */
function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function servicesYaml(ports: Record<Name, number>): string {
  return NAMES.map(
    (name) => `---
apiVersion: v1
kind: Service
metadata: { name: echo-${name}, namespace: default }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-${name}-1
  namespace: default
  labels: { kubernetes.io/service-name: echo-${name} }
addressType: IPv4
ports: [{ name: http, port: ${ports[name]} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`,
  ).join('');
}

function gatewayYaml(port: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-listenerset }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: shared, namespace: default }
spec:
  gatewayClassName: portico-listenerset
  allowedListeners: { namespaces: { from: Same } }
  listeners:
  - { name: main, protocol: HTTP, port: ${port}, hostname: gw.test }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: gateway-route, namespace: default }
spec:
  parentRefs: [{ name: shared }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /app } }]
    backendRefs: [{ name: echo-gw, port: 80 }]
`;
}

function listenerSetYaml(port: number, ownPort: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: team, namespace: default }
spec:
  parentRef: { name: shared }
  listeners:
  - { name: main, protocol: HTTP, port: ${port}, hostname: ls.test }
  - { name: own-port, protocol: HTTP, port: ${ownPort} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: listenerset-route, namespace: default }
spec:
  parentRefs: [{ kind: ListenerSet, name: team }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /app } }]
    backendRefs: [{ name: echo-ls, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: section-route, namespace: default }
spec:
  parentRefs: [{ kind: ListenerSet, name: team, sectionName: own-port }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /only-own-port } }]
    backendRefs: [{ name: echo-section, port: 80 }]
`;
}

describeWithEnvoy('ListenerSets through a real Envoy run by portico serve --run-envoy', () => {
  let dir: string;
  let echoes: Server[] = [];
  let serve: ServeProcess | undefined;
  let port: number;
  let ownPort: number;
  const figures: Record<string, number> = {};

  /** Polls until `accept` holds for the answer, at most `timeoutMs`; fails with the last answer and the server's logs. */
  async function until(what: string, ask: () => Promise<{ status: number; body: string }>, accept: (r: { status: number; body: string }) => boolean, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    let last: unknown;
    for (;;) {
      if (serve!.child.exitCode !== null || serve!.child.signalCode !== null) throw new Error(`portico serve exited while waiting for ${what}:\n${serve!.tail()}`);
      try {
        const answer = await ask();
        last = answer;
        if (accept(answer)) return Date.now() - started;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)}):\n${serve!.tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    echoes = await Promise.all(NAMES.map((n) => startEcho(n)));
    const ports = Object.fromEntries(NAMES.map((n, i) => [n, portOf(echoes[i]!)])) as Record<Name, number>;
    port = await freePort();
    ownPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-listenerset-'));
    writeFileSync(join(dir, '10-gateway.yaml'), gatewayYaml(port));
    writeFileSync(join(dir, '20-services.yaml'), servicesYaml(ports));
    writeFileSync(join(dir, '30-listenerset.yaml'), listenerSetYaml(port, ownPort));
    const spawned = Date.now();
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    await until('the ListenerSet port to answer', () => get(ownPort, 'any.test', '/app'), (r) => r.status === 200 && r.body === 'ls', 45_000);
    figures.firstTrafficMs = Date.now() - spawned;
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all(echoes.map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-listenerset-traffic figures: ${JSON.stringify(figures)}`);
  });

  test('each hostname on the shared port reaches the routes of its own parent only', async () => {
    expect(await get(port, 'gw.test', '/app')).toMatchObject({ status: 200, body: 'gw' });
    expect(await get(port, 'ls.test', '/app')).toMatchObject({ status: 200, body: 'ls' });
    // The section route names the ListenerSet's other listener: not served on ls.test.
    expect((await get(port, 'ls.test', '/only-own-port')).status).toBe(404);
    expect((await get(port, 'gw.test', '/only-own-port')).status).toBe(404);
    expect((await get(port, 'elsewhere.test', '/app')).status).toBe(404);
  });

  test('the ListenerSet’s own port serves its routes, and the section route there only', async () => {
    expect(await get(ownPort, 'anything.test', '/app')).toMatchObject({ status: 200, body: 'ls' });
    expect(await get(ownPort, 'anything.test', '/only-own-port')).toMatchObject({ status: 200, body: 'section' });
  });

  test('removing the ListenerSet takes its hostname and its port away; the Gateway keeps serving', async () => {
    unlinkSync(join(dir, '30-listenerset.yaml'));
    figures.removeToEffectMs = await until('ls.test to answer 404', () => get(port, 'ls.test', '/app'), (r) => r.status === 404);
    expect(await get(port, 'gw.test', '/app')).toMatchObject({ status: 200, body: 'gw' });
    await until('the ListenerSet port to close', () => get(ownPort, 'anything.test', '/app').then((r) => r, () => ({ status: 0, body: 'closed' })), (r) => r.status === 0);
  });
});
