/**
 * Issue 18: ingress-nginx `auth-url` through a real Envoy (ENVOY_BIN), with a small auth server that
 * answers as an nginx auth_request endpoint does (`Authorization: Bearer good` → 200 with `X-User` and
 * `X-Other`; `Bearer forbidden` → 403; anything else → 401 with `WWW-Authenticate`):
 * - allowed: the backend answers; the auth server was asked at exactly the URL's path (`/validate`, not
 *   `/validate/orders`: Envoy's path_override), with the client's method and its other headers (every
 *   header, as nginx's subrequest); only `X-User` (auth-response-headers) reaches the backend, and the
 *   answer's Set-Cookie reaches the client;
 * - 401: the client gets the auth server's 401 with its WWW-Authenticate, the backend is never called;
 * - 403: the client gets 403;
 * - auth-url together with basic auth: both checks apply (401 without the password, 200 with both);
 * - auth-signin (not implemented) fails closed: 500, never the backend.
 * Prints the latency the check adds per request (median of 200 sequential GETs, with vs without).
 *
 * The Ingress gateway listens on port 80 (Ingress fixes it), so this needs root, as CI has; skipped
 * otherwise or without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { pollFor } from '../support/isolation-traffic.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { median } from '../support/latency.js';

const ENVOY = process.env.ENVOY_BIN;
const describeAsRootWithEnvoy = ENVOY && process.getuid?.() === 0 ? describe : describe.skip;
const GATEWAY = 'ingressclass/portico-auth-url';

jest.setTimeout(60_000);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((ok) => {
    const req = request({ host: '127.0.0.1', port: 80, method, path, headers: { host, ...headers }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => ok({ status: 0, headers: {}, body: error.message }));
    req.end();
  });
}

function ingressYaml(name: string, annotations: Record<string, string>): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    nginx.ingress.kubernetes.io/${k}: ${JSON.stringify(v)}`).join('\n');
  return `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default
${lines ? `  annotations:\n${lines}\n` : ''}spec:
  ingressClassName: portico-auth-url
  rules:
  - host: ${name}.example.com
    http:
      paths: [{ path: /, pathType: Prefix, backend: { service: { name: backend, port: { number: 80 } } } }]
`;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Check {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

describeAsRootWithEnvoy('ingress-nginx auth-url through Envoy', () => {
  let dir: string;
  let backend: Server;
  let auth: Server;
  const checks: Check[] = [];
  let backendRequests = 0;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(30)}`;

  beforeAll(async () => {
    backend = createServer((req, res) => {
      backendRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, user: req.headers['x-user'] ?? null, other: req.headers['x-other'] ?? null }));
    });
    auth = createServer((req, res) => {
      req.resume();
      checks.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      // With basic auth in front, the Basic header reaches the auth server too: it looks at x-token then.
      const token = (req.headers['x-token'] as string | undefined) ?? req.headers.authorization;
      if (token === 'Bearer good') res.writeHead(200, { 'x-user': 'alice', 'x-other': 'not copied', 'set-cookie': '_auth=refreshed; Path=/' }).end();
      else if (token === 'Bearer forbidden') res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden by auth');
      else res.writeHead(401, { 'www-authenticate': 'Bearer realm="portico-test"', 'content-type': 'text/plain' }).end('who are you?');
    });
    await new Promise<void>((ok) => backend.listen(0, '127.0.0.1', ok));
    await new Promise<void>((ok) => auth.listen(0, '127.0.0.1', ok));
    dir = mkdtempSync(join(tmpdir(), 'portico-auth-url-'));
    writeFileSync(join(dir, 'resources.yaml'), `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico-auth-url }
spec: { controller: portico.dev/ingress-controller }
${serviceYaml('default', 'backend', (backend.address() as { port: number }).port)}${serviceYaml('default', 'auth', (auth.address() as { port: number }).port)}---
apiVersion: v1
kind: Secret
metadata: { name: basic-users, namespace: default }
type: Opaque
stringData:
  auth: "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
${ingressYaml('checked', { 'auth-url': 'http://auth.default.svc.cluster.local/validate', 'auth-response-headers': 'X-User' })}${ingressYaml('both', { 'auth-url': 'http://auth.default.svc.cluster.local/validate', 'auth-type': 'basic', 'auth-secret': 'basic-users' })}${ingressYaml('signin', { 'auth-url': 'http://auth.default.svc.cluster.local/validate', 'auth-signin': 'https://login.example.com/start' })}${ingressYaml('open', {})}`);
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'ingress-nginx-auth-url' });
    await pollFor('the open Ingress to be served', async () => ((await send('open.example.com', '/')).status === 200 ? true : undefined), context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    for (const server of [backend, auth]) {
      server?.closeAllConnections();
      await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('allowed: served; the check went to the URL path exactly, with every client header; only X-User is copied, Set-Cookie reaches the client', async () => {
    const before = checks.length;
    const reply = await send('checked.example.com', '/orders?id=7', { authorization: 'Bearer good', 'x-custom': 'seen', cookie: 'session=abc' }, 'DELETE');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ path: '/orders?id=7', user: 'alice', other: null });
    // The auth answer's Set-Cookie reaches the client, as nginx's `add_header Set-Cookie $auth_cookie` (a refreshed session).
    expect(reply.headers['set-cookie']).toEqual(['_auth=refreshed; Path=/']);
    const check = checks[before]!;
    expect(check.path).toBe('/validate');
    expect(check.method).toBe('DELETE');
    expect(check.headers).toMatchObject({ authorization: 'Bearer good', 'x-custom': 'seen', cookie: 'session=abc' });
  });

  test('401 reaches the client with its WWW-Authenticate; 403 too; the backend is never called', async () => {
    const before = backendRequests;
    const unauthorized = await send('checked.example.com', '/orders');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer realm="portico-test"');
    expect(unauthorized.body).toBe('who are you?');
    const forbidden = await send('checked.example.com', '/orders', { authorization: 'Bearer forbidden' });
    expect(forbidden.status).toBe(403);
    expect(backendRequests).toBe(before);
  });

  test('auth-url with basic auth: both must pass', async () => {
    expect((await send('both.example.com', '/', { 'x-token': 'Bearer good' })).status).toBe(401);
    expect((await send('both.example.com', '/', { authorization: basic('alice', 'secret') })).status).toBe(401);
    const ok = await send('both.example.com', '/', { authorization: basic('alice', 'secret'), 'x-token': 'Bearer good' });
    expect(ok.status).toBe(200);
  });

  test('auth-signin (not implemented) fails closed with 500', async () => {
    const before = backendRequests;
    expect((await send('signin.example.com', '/', { authorization: 'Bearer good' })).status).toBe(500);
    expect(backendRequests).toBe(before);
    expect(await envoy.rejectedUpdates()).toBe(0);
  });

  test('figures: latency the check adds per request (median of 200 interleaved GETs each)', async () => {
    // Interleaved, so drift (a warming Envoy, a busy host) weighs on both alike.
    const open: number[] = [];
    const checked: number[] = [];
    for (let i = 0; i < 200; i++) {
      const pairs: [number[], string, Record<string, string>][] = [[open, 'open.example.com', {}], [checked, 'checked.example.com', { authorization: 'Bearer good' }]];
      for (const [samples, host, headers] of pairs) {
        const started = process.hrtime.bigint();
        expect((await send(host, '/', headers)).status).toBe(200);
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const [without, withCheck] = [median(open), median(checked)];
    console.log(`auth-url figures (median of 200 interleaved GETs each): no auth-url ${without.toFixed(2)} ms; auth-url ${withCheck.toFixed(2)} ms (+${(withCheck - without).toFixed(2)})`);
  });
});
