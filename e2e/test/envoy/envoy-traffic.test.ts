/**
 * Real HTTP through a real Envoy: `portico serve --run-envoy` as a child process (its Envoy started
 * from ENVOY_BIN), three node:http echo backends that answer with their own name, and node's fetch
 * against the Gateway's listener: prefix matching, a header match, a 50/50 split, a redirect, a
 * missing backend (500), a backend without endpoints (503), an unknown path (404), then a live edit
 * of the route file. Skipped without ENVOY_BIN.
 *
 * Runs the compiled CLI (packages/cli/dist): `npm test` builds first; run `npx tsc -b` before running
 * this file alone. The managed Envoy's admin port is the runner's default (19001).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];

interface Echo {
  port: number;
  server: Server;
}

async function startEcho(name: string): Promise<Echo> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as { port: number }).port, server };
}

function closeEcho(echo: Echo): Promise<void> {
  echo.server.closeAllConnections();
  return new Promise((ok) => echo.server.close(() => ok()));
}

function servicesYaml(ports: Record<Name, number>): string {
  return [...NAMES.map((n) => loopbackServiceYaml(`echo-${n}`, ports[n])), loopbackServiceYaml('no-endpoints', [])].join('');
}

function gatewayYaml(listenerPort: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-traffic }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: traffic, namespace: default }
spec:
  gatewayClassName: portico-traffic
  listeners:
  - { name: http, protocol: HTTP, port: ${listenerPort} }
`;
}

function routesYaml(aBackend: Name): string {
  const route = (name: string, rules: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: default }
spec:
  parentRefs: [{ name: traffic }]
  rules:
${rules}`;
  return [
    route(
      'a',
      `  - matches: [{ path: { type: PathPrefix, value: /a }, headers: [{ name: x-canary, value: "true" }] }]
    backendRefs: [{ name: echo-b, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /a } }]
    backendRefs: [{ name: echo-${aBackend}, port: 80 }]
`,
    ),
    route(
      'split',
      `  - matches: [{ path: { type: PathPrefix, value: /split } }]
    backendRefs: [{ name: echo-a, port: 80, weight: 50 }, { name: echo-b, port: 80, weight: 50 }]
`,
    ),
    route(
      'old',
      `  - matches: [{ path: { type: PathPrefix, value: /old } }]
    filters:
    - type: RequestRedirect
      requestRedirect: { statusCode: 301, path: { type: ReplaceFullPath, replaceFullPath: /new } }
`,
    ),
    route(
      'broken',
      `  - matches: [{ path: { type: PathPrefix, value: /broken } }]
    backendRefs: [{ name: does-not-exist, port: 80 }]
`,
    ),
    route(
      'empty',
      `  - matches: [{ path: { type: PathPrefix, value: /empty } }]
    backendRefs: [{ name: no-endpoints, port: 80 }]
`,
    ),
  ].join('');
}

describeWithEnvoy('HTTP through a real Envoy run by portico serve --run-envoy', () => {
  let dir: string;
  let echoes: Record<Name, Echo>;
  let serve: ServeProcess | undefined;
  let base: string;
  const figures: Record<string, number> = {};

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; location: string | null }> {
    const response = await fetch(`${base}${path}`, { redirect: 'manual', headers, signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  }

  /** Polls `path` until `accept` holds, at most `timeoutMs`; fails with the last answer and the server's logs. */
  async function until(what: string, path: string, accept: (r: { status: number; body: string }) => boolean, timeoutMs: number): Promise<number> {
    const started = Date.now();
    let last: unknown;
    for (;;) {
      if (serve!.child.exitCode !== null || serve!.child.signalCode !== null) throw new Error(`portico serve exited while waiting for ${what}:\n${serve!.tail()}`);
      try {
        const answer = await get(path);
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
    const started = await Promise.all(NAMES.map((n) => startEcho(n)));
    echoes = Object.fromEntries(NAMES.map((n, i) => [n, started[i]!])) as Record<Name, Echo>;
    const listenerPort = await freePort();
    base = `http://127.0.0.1:${listenerPort}`;
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-traffic-'));
    writeFileSync(join(dir, '10-gateway.yaml'), gatewayYaml(listenerPort));
    writeFileSync(join(dir, '20-services.yaml'), servicesYaml({ a: echoes.a.port, b: echoes.b.port, c: echoes.c.port }));
    writeFileSync(join(dir, '30-routes.yaml'), routesYaml('a'));
    const spawned = Date.now();
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    await until('the Envoy listener to answer /a', '/a', (r) => r.status === 200 && r.body === 'a', 45_000);
    figures.firstTrafficMs = Date.now() - spawned;
  });

  afterAll(async () => {
    if (serve) {
      const { code, ms } = await serve.stop('SIGTERM', 20_000);
      figures.stopMs = ms;
      figures.exitCode = code ?? -1;
    }
    if (echoes) await Promise.all(Object.values(echoes).map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-traffic figures: ${JSON.stringify(figures)}`);
  });

  test('path prefix and header matches', async () => {
    expect(await get('/a')).toMatchObject({ status: 200, body: 'a' });
    expect(await get('/a', { 'x-canary': 'true' })).toMatchObject({ status: 200, body: 'b' });
    expect(await get('/a/x')).toMatchObject({ status: 200, body: 'a' });
    // PathPrefix matches whole path elements: /ab is not under /a.
    expect((await get('/ab')).status).toBe(404);
    expect((await get('/nowhere')).status).toBe(404);
  });

  test('redirect, missing backend, backend without endpoints', async () => {
    const redirect = await get('/old');
    expect(redirect.status).toBe(301);
    expect(redirect.location).toMatch(/\/new$/);
    expect((await get('/broken')).status).toBe(500);
    expect((await get('/empty')).status).toBe(503);
  });

  test('a 50/50 split reaches both backends', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const { status, body } = await get('/split');
      expect(status).toBe(200);
      seen[body] = (seen[body] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort()).toEqual(['a', 'b']);
    for (const count of Object.values(seen)) {
      expect(count).toBeGreaterThanOrEqual(30);
      expect(count).toBeLessThanOrEqual(70);
    }
  });

  test('an edit of the route file reaches Envoy', async () => {
    writeFileSync(join(dir, '30-routes.yaml'), routesYaml('c'));
    figures.liveUpdateMs = await until('/a to answer c after the edit', '/a', (r) => r.status === 200 && r.body === 'c', 30_000);
    expect(await get('/a', { 'x-canary': 'true' })).toMatchObject({ status: 200, body: 'b' });
  });
});
