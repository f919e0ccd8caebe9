/**
 * Two Gateway API v1.7.0 conformance failures, replayed through a real Envoy (ENVOY_BIN) fed by
 * `portico serve`, with the suite's own requests, against a backend that records what reaches it:
 *
 * - HTTPRouteCORS, "CORS preflight request from a non-matching origin should not be allowed": the
 *   gateway answers the preflight itself, without Access-Control-Allow-Origin; the backend never sees
 *   it (it would answer with CORS headers of its own, as echo servers and many apps do). The allowed
 *   preflights and the simple requests of the same test keep their answers.
 * - HTTPRouteHostnameIntersection, "request to 'very.specific.com:1234/s1'": the listener hostname
 *   matches without the port, and the backend gets the Host header as sent, port included.
 * - Redirects that keep the request's host, now that the Host keeps its port: the Location carries
 *   the scheme's well-known port, never the port of the Host header.
 *
 * Skipped without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { pollFor } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

interface Received {
  method: string;
  path: string;
  host: string;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A backend that records every request and answers 200 with what it received; like a permissive app,
 * it answers preflights itself (any Origin allowed), so a preflight that reaches it shows in the
 * answer too.
 */
async function startRecordingBackend(): Promise<{ port: number; server: Server; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    req.resume();
    received.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host ?? '' });
    const cors = req.method === 'OPTIONS' && req.headers.origin ? { 'access-control-allow-origin': req.headers.origin } : {};
    res.writeHead(200, { 'content-type': 'application/json', ...cors });
    res.end(JSON.stringify({ method: req.method, path: req.url, host: req.headers.host }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as { port: number }).port, server, received };
}

/** One request to Envoy's listener with any method, Host and headers (fetch cannot set Host); no keep-alive. */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Conformance tests/httproute-cors.yaml (cors-multiple-origins-methods-headers) and tests/httproute-hostname-intersection.yaml, on one Gateway. */
function resourcesYaml(listenerPort: number, backendPort: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-conformance-http }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: conf, namespace: default }
spec:
  gatewayClassName: portico-conformance-http
  listeners:
  - { name: specific, protocol: HTTP, port: ${listenerPort}, hostname: very.specific.com }
  - { name: any, protocol: HTTP, port: ${listenerPort} }
${serviceYaml('default', 'infra-backend-v1', backendPort)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: specific-host-matches-listener-specific-host, namespace: default }
spec:
  parentRefs: [{ name: conf, sectionName: specific }]
  hostnames: [very.specific.com]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /s1 } }]
    backendRefs: [{ name: infra-backend-v1, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cors-multiple-origins-methods-headers, namespace: default }
spec:
  parentRefs: [{ name: conf, sectionName: any }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /cors-1 } }]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://www.foo.com", "https://*.bar.com"]
        allowMethods: [GET, OPTIONS]
        allowHeaders: [x-header-1, x-header-2]
        exposeHeaders: [x-header-3, x-header-4]
        allowCredentials: true
        maxAge: 3600
    backendRefs: [{ name: infra-backend-v1, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: redirects, namespace: default }
spec:
  parentRefs: [{ name: conf, sectionName: any }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /to-https } }]
    filters: [{ type: RequestRedirect, requestRedirect: { scheme: https } }]
  - matches: [{ path: { type: PathPrefix, value: /same-listener } }]
    filters: [{ type: RequestRedirect, requestRedirect: { path: { type: ReplaceFullPath, replaceFullPath: /moved } } }]
`;
}

describeWithEnvoy('conformance HTTP requests through a real Envoy: CORS preflights, Host ports, redirects', () => {
  let dir: string;
  let backend: Awaited<ReturnType<typeof startRecordingBackend>>;
  let serve: ServeProcess;
  let envoy: EnvoyProcess | undefined;
  let port: number;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  /** What the backend received during `act`. */
  const receivedDuring = async (act: () => Promise<Answer>): Promise<{ answer: Answer; received: Received[] }> => {
    const before = backend.received.length;
    const answer = await act();
    return { answer, received: backend.received.slice(before) };
  };

  beforeAll(async () => {
    backend = await startRecordingBackend();
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-conformance-http-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, backend.port));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/conf', xdsPort: serve.xdsPort, nodeId: 'conformance-http' });
    // Every route is in place once the last route table's routes answer.
    await pollFor('the routes to reach Envoy', async () => {
      const s1 = await send(port, 'GET', '/s1', { host: 'very.specific.com' }).catch(() => undefined);
      const cors = await send(port, 'GET', '/cors-1', { host: 'gw.example' }).catch(() => undefined);
      const redirect = await send(port, 'GET', '/to-https', { host: 'gw.example' }).catch(() => undefined);
      return s1?.status === 200 && cors?.status === 200 && redirect?.status === 302 ? true : undefined;
    }, context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    if (backend) {
      backend.server.closeAllConnections();
      await new Promise((ok) => backend.server.close(ok));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a preflight from a non-matching origin is answered by the gateway, without Access-Control-Allow-Origin, and not forwarded', async () => {
    const { answer, received } = await receivedDuring(() =>
      send(port, 'OPTIONS', '/cors-1', { host: 'gw.example', origin: 'https://foobar.com', 'access-control-request-method': 'GET' }),
    );
    expect([200, 204, 403]).toContain(answer.status);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(received).toEqual([]);
    expect(await envoy!.rejectedUpdates()).toBe(0);
  });

  test.each([
    ['an exact matching origin', 'https://www.foo.com'],
    ['a wildcard matching origin', 'https://www.bar.com'],
    ['a wildcard matching any number of labels', 'https://xpto.www.bar.com'],
  ])('a preflight from %s is answered by the gateway with every CORS header', async (_, origin) => {
    const { answer, received } = await receivedDuring(() =>
      send(port, 'OPTIONS', '/cors-1', {
        host: 'gw.example',
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-header-1, x-header-2',
      }),
    );
    expect([200, 204]).toContain(answer.status);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'x-header-1, x-header-2',
      'access-control-expose-headers': 'x-header-3, x-header-4',
      'access-control-max-age': '3600',
      'access-control-allow-credentials': 'true',
    });
    expect(received).toEqual([]);
  });

  test('simple requests reach the backend; only a matching origin gets Access-Control-Allow-Origin from the gateway', async () => {
    const allowed = await receivedDuring(() => send(port, 'GET', '/cors-1', { host: 'gw.example', origin: 'https://www.foo.com' }));
    expect(allowed.answer.status).toBe(200);
    expect(allowed.answer.headers['access-control-allow-origin']).toBe('https://www.foo.com');
    expect(allowed.received).toEqual([{ method: 'GET', path: '/cors-1', host: 'gw.example' }]);
    const refused = await receivedDuring(() => send(port, 'GET', '/cors-1', { host: 'gw.example', origin: 'https://foobar.com' }));
    expect(refused.received).toHaveLength(1);
    expect(refused.answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  test("'very.specific.com:1234/s1' matches the listener hostname and reaches the backend with its Host unchanged", async () => {
    const withPort = await receivedDuring(() => send(port, 'GET', '/s1', { host: 'very.specific.com:1234' }));
    expect(withPort.answer.status).toBe(200);
    expect(withPort.received).toEqual([{ method: 'GET', path: '/s1', host: 'very.specific.com:1234' }]);
    const bare = await receivedDuring(() => send(port, 'GET', '/s1', { host: 'very.specific.com' }));
    expect(bare.received).toEqual([{ method: 'GET', path: '/s1', host: 'very.specific.com' }]);
    // The port never makes another host match: still 404.
    expect((await send(port, 'GET', '/s1', { host: 'non.matching.com:1234' })).status).toBe(404);
  });

  test("a redirect that keeps the request's host writes the scheme's port, never the Host's", async () => {
    const location = async (path: string, host: string) => (await send(port, 'GET', path, { host })).headers.location;
    expect(await location('/to-https', 'gw.example')).toBe('https://gw.example/to-https');
    expect(await location('/to-https', `gw.example:${port}`)).toBe('https://gw.example:443/to-https');
    expect(await location('/to-https', 'gw.example:80')).toBe('https://gw.example:443/to-https');
    // No scheme, no port: the listener's port (not 80 here), whatever the Host says.
    expect(await location('/same-listener', 'gw.example')).toBe(`http://gw.example:${port}/moved`);
    expect(await location('/same-listener', 'gw.example:1234')).toBe(`http://gw.example:${port}/moved`);
  });
});
