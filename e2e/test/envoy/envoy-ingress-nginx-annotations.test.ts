/**
 * Issue 18: ingress-nginx annotations on an Ingress, through a real Envoy (ENVOY_BIN):
 * - rewrite-target `/$2` with `use-regex` and the path `/something(/|$)(.*)`: the backend receives
 *   `/new?q=1` for `/something/new?q=1` (query kept), `/` for `/something`, and the match is
 *   case-insensitive (`/SOMETHING/x` → `/x`), as nginx's `~*` location and `rewrite` do;
 * - ssl-redirect on an Ingress with TLS for secure.example.com: plain HTTP there answers 308 to the same
 *   URL in https (path and query kept); its host without TLS is served; HTTPS is served;
 * - permanent-redirect answers 301 with the URL as written (the request's query is not appended);
 * - app-root redirects (302) exactly `/`, and serves every other path;
 * - backend-protocol H2C reaches a backend that speaks only HTTP/2 in cleartext;
 * - proxy-read-timeout "1": a backend that never answers is cut after 1 s of silence with 504, as
 *   nginx answers (Envoy's route idle_timeout, upstream side), and the route has no total timeout;
 * - an auth-url whose Service does not exist fails closed: 500, never the backend (auth-url itself:
 *   envoy-ingress-nginx-auth-url.test.ts);
 * - whitelist-source-range that leaves out the client (127.0.0.1) answers 403 while another Ingress
 *   answers 200; one that includes it serves; denylist-source-range naming it answers 403;
 * - auth-type basic with auth-secret (htpasswd `{SHA}` entries under key `auth`, or auth-map): the
 *   right password 200, a wrong one or none 401; a bcrypt entry Envoy cannot verify fails closed (500);
 * - enable-cors: a preflight is answered by Envoy with the configured origin, methods, headers,
 *   max age and credentials (ingress-nginx's defaults when only enable-cors is set), and a simple
 *   request from an allowed origin gets the allow-origin header with the backend's answer;
 * - canary: `X-Canary: always` / the cookie `canary=always` reach the canary Ingress's backend,
 *   `never` keeps the main one (the header before the cookie), canary-weight 50 splits (both backends
 *   answer 400 requests: the chance that one never does is 2^-400), and the main Ingress's rewrite applies
 *   to the canary's requests too (a canary's own annotations are ignored, as in ingress-nginx).
 *
 * The Ingress gateway listens on ports 80/443 (Ingress fixes them), so this needs root, as CI has;
 * skipped otherwise or without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createH2CServer, type Http2Server } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { pollFor } from '../support/isolation-traffic.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeAsRootWithEnvoy = ENVOY && process.getuid?.() === 0 ? describe : describe.skip;
const GATEWAY = 'ingressclass/portico-nginx';
const TESTDATA = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/translator');

jest.setTimeout(90_000);

interface Answer {
  status: number;
  body: string;
  location?: string;
}

/** A plain-HTTP request on port 80 with any method, answering the status and the response headers. */
function exchange(method: string, host: string, path: string, extra: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((ok) => {
    const req = request({ host: '127.0.0.1', port: 80, method, path, headers: { host, ...extra }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => ok({ status: 0, headers: {} }));
    req.end();
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** htpasswd -s entries: alice / secret, bob / hunter2; carol has a bcrypt hash Envoy cannot verify. */
const AUTH_SECRETS = `---
apiVersion: v1
kind: Secret
metadata: { name: basic-users, namespace: default }
type: Opaque
stringData:
  auth: |
    alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=
    bob:{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0=
---
apiVersion: v1
kind: Secret
metadata: { name: map-users, namespace: default }
type: Opaque
stringData:
  bob: "{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0="
---
apiVersion: v1
kind: Secret
metadata: { name: bcrypt-users, namespace: default }
type: Opaque
stringData:
  auth: "carol:$2y$05$2PjmYw/0dBLYkGVXCaQpZOBeHqCLnOlWa6PUt0m1C7DpOHNk/4KOK"
`;

function ask(scheme: 'http' | 'https', host: string, path: string, extra: Record<string, string> = {}): Promise<Answer> {
  const send = scheme === 'http' ? request : httpsRequest;
  const port = scheme === 'http' ? 80 : 443;
  return new Promise((ok) => {
    const req = send({ host: '127.0.0.1', port, path, servername: host, rejectUnauthorized: false, headers: { host, ...extra }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => ok({ status: 0, body: error.message }));
    req.end();
  });
}

/** The TLS Secret of the golden tests (example.com and *.example.com). */
function exampleComSecret(): string {
  const golden = readFileSync(join(TESTDATA, 'ingress-nginx-ssl-redirect.in.yaml'), 'utf8');
  return `---\n${golden.slice(golden.lastIndexOf('apiVersion: v1\nkind: Secret'))}`;
}

function ingressYaml(name: string, annotations: Record<string, string>, host: string, path: string, pathType: string, tls = ''): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  return `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default
  annotations:
${lines}
spec:
  ingressClassName: portico-nginx
${tls}  rules:
  - host: ${host}
    http:
      paths: [{ path: ${JSON.stringify(path)}, pathType: ${pathType}, backend: { service: { name: echo, port: { number: 80 } } } }]
`;
}

describeAsRootWithEnvoy('ingress-nginx annotations through Envoy', () => {
  let dir: string;
  let echo: Server;
  let h2c: Http2Server;
  let hanging: Server;
  let canary: Server;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(15)}`;

  beforeAll(async () => {
    // The backend answers with the path and Host it received.
    echo = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.url} host=${req.headers.host}`);
    });
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', ok));
    const echoPort = (echo.address() as { port: number }).port;
    h2c = createH2CServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`h2 ${req.httpVersion} ${req.url}`);
    });
    await new Promise<void>((ok) => h2c.listen(0, '127.0.0.1', ok));
    // The canary backend says so.
    canary = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`canary ${req.url}`);
    });
    await new Promise<void>((ok) => canary.listen(0, '127.0.0.1', ok));
    // Reads the request and never answers: only a timeout ends the exchange.
    hanging = createServer((req) => req.resume());
    await new Promise<void>((ok) => hanging.listen(0, '127.0.0.1', ok));
    dir = mkdtempSync(join(tmpdir(), 'portico-ingress-nginx-'));
    const tls = '  tls:\n  - hosts: ["secure.example.com"]\n    secretName: example.com-tls\n';
    writeFileSync(join(dir, 'resources.yaml'), `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico-nginx }
spec: { controller: portico.dev/ingress-controller }
${serviceYaml('default', 'echo', echoPort)}${serviceYaml('default', 'h2c', (h2c.address() as { port: number }).port)}${serviceYaml('default', 'hanging', (hanging.address() as { port: number }).port)}${serviceYaml('default', 'canary', (canary.address() as { port: number }).port)}${exampleComSecret()}
${ingressYaml('rewrite', { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' }, 'rewrite.example.com', '/something(/|$)(.*)', 'ImplementationSpecific')}
${ingressYaml('secure', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' }, 'secure.example.com', '/', 'Prefix', tls)}
${ingressYaml('plain', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' }, 'plain.example.com', '/', 'Prefix')}
${ingressYaml('moved', { 'nginx.ingress.kubernetes.io/permanent-redirect': 'https://www.example.org/new' }, 'moved.example.com', '/', 'Prefix')}
${ingressYaml('root', { 'nginx.ingress.kubernetes.io/app-root': '/app1' }, 'root.example.com', '/', 'Prefix')}
${ingressYaml('h2c', { 'nginx.ingress.kubernetes.io/backend-protocol': 'H2C' }, 'h2c.example.com', '/', 'Prefix').replace('name: echo', 'name: h2c')}
${ingressYaml('slow', { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '1' }, 'slow.example.com', '/', 'Prefix').replace('name: echo', 'name: hanging')}
${ingressYaml('auth', { 'nginx.ingress.kubernetes.io/auth-url': 'http://auth.default.svc/verify' }, 'auth.example.com', '/', 'Prefix')}
${ingressYaml('main', { 'nginx.ingress.kubernetes.io/rewrite-target': '/v2/$1' }, 'canary.example.com', '/app/(.*)', 'ImplementationSpecific')}
${ingressYaml('main-canary', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary', 'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary' }, 'canary.example.com', '/app/(.*)', 'ImplementationSpecific').replace('name: echo', 'name: canary')}
${ingressYaml('split', {}, 'split.example.com', '/', 'Prefix')}
${AUTH_SECRETS}
${ingressYaml('office', { 'nginx.ingress.kubernetes.io/whitelist-source-range': '203.0.113.0/24, 10.0.0.0/8' }, 'office.example.com', '/', 'Prefix')}
${ingressYaml('loopback', { 'nginx.ingress.kubernetes.io/allowlist-source-range': '127.0.0.0/8' }, 'loopback.example.com', '/', 'Prefix')}
${ingressYaml('blocked', { 'nginx.ingress.kubernetes.io/denylist-source-range': '127.0.0.1' }, 'blocked.example.com', '/', 'Prefix')}
${ingressYaml('basic', { 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'basic-users' }, 'basic.example.com', '/', 'Prefix')}
${ingressYaml('basic-map', { 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'map-users', 'nginx.ingress.kubernetes.io/auth-secret-type': 'auth-map' }, 'basic-map.example.com', '/', 'Prefix')}
${ingressYaml('basic-bcrypt', { 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'bcrypt-users' }, 'bcrypt.example.com', '/', 'Prefix')}
${ingressYaml('cors', { 'nginx.ingress.kubernetes.io/enable-cors': 'true', 'nginx.ingress.kubernetes.io/cors-allow-origin': 'https://app.example.com', 'nginx.ingress.kubernetes.io/cors-allow-methods': 'GET, POST', 'nginx.ingress.kubernetes.io/cors-allow-headers': 'X-Custom, Content-Type', 'nginx.ingress.kubernetes.io/cors-expose-headers': 'X-Request-Id', 'nginx.ingress.kubernetes.io/cors-max-age': '600' }, 'cors.example.com', '/', 'Prefix')}
${ingressYaml('cors-defaults', { 'nginx.ingress.kubernetes.io/enable-cors': 'true' }, 'cors-defaults.example.com', '/', 'Prefix')}
${ingressYaml('split-canary', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '50' }, 'split.example.com', '/', 'Prefix').replace('name: echo', 'name: canary')}`);
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'ingress-nginx' });
    await pollFor('the rewrite Ingress to be served', async () => ((await ask('http', 'rewrite.example.com', '/something')).status === 200 ? true : undefined), context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    for (const server of [hanging, echo, canary]) server?.closeAllConnections();
    await new Promise<void>((ok) => (canary ? canary.close(() => ok()) : ok()));
    await new Promise<void>((ok) => (hanging ? hanging.close(() => ok()) : ok()));
    await new Promise<void>((ok) => (h2c ? h2c.close(() => ok()) : ok()));
    echo?.closeAllConnections();
    await new Promise<void>((ok) => (echo ? echo.close(() => ok()) : ok()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('rewrite-target with a capture group replaces the whole path, keeps the query, matches case-insensitively', async () => {
    expect(await ask('http', 'rewrite.example.com', '/something/new?q=1')).toEqual({ status: 200, body: '/new?q=1 host=rewrite.example.com' });
    expect(await ask('http', 'rewrite.example.com', '/something')).toEqual({ status: 200, body: '/ host=rewrite.example.com' });
    expect(await ask('http', 'rewrite.example.com', '/SOMETHING/x/y')).toEqual({ status: 200, body: '/x/y host=rewrite.example.com' });
    expect((await ask('http', 'rewrite.example.com', '/other')).status).toBe(404);
  });

  test('ssl-redirect: 308 to https on the TLS host (path and query kept), served on HTTPS and on a host without TLS', async () => {
    expect(await ask('http', 'secure.example.com', '/a/b?c=1')).toEqual({ status: 308, body: '', location: 'https://secure.example.com/a/b?c=1' });
    expect(await ask('https', 'secure.example.com', '/a/b?c=1')).toEqual({ status: 200, body: '/a/b?c=1 host=secure.example.com' });
    expect(await ask('http', 'plain.example.com', '/x')).toEqual({ status: 200, body: '/x host=plain.example.com' });
  });

  test('permanent-redirect sends the URL as written; app-root redirects only /', async () => {
    expect(await ask('http', 'moved.example.com', '/old/page?x=1')).toEqual({ status: 301, body: '', location: 'https://www.example.org/new' });
    expect(await ask('http', 'root.example.com', '/')).toMatchObject({ status: 302, location: 'http://root.example.com/app1' });
    expect(await ask('http', 'root.example.com', '/app1?x=1')).toEqual({ status: 200, body: '/app1?x=1 host=root.example.com' });
  });

  test('backend-protocol H2C speaks HTTP/2 in cleartext to the backend', async () => {
    expect(await ask('http', 'h2c.example.com', '/x')).toEqual({ status: 200, body: 'h2 2.0 /x' });
  });

  test('proxy-read-timeout: a silent backend is cut after the idle timeout, not Envoy\'s 15 s route timeout', async () => {
    const started = Date.now();
    const answer = await ask('http', 'slow.example.com', '/');
    expect(answer.status).toBe(504);
    // Bounds, not synchronisation: the idle timeout is 1 s; Envoy's default route timeout would be 15 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('an auth-url whose Service does not exist fails closed with 500', async () => {
    expect((await ask('http', 'auth.example.com', '/')).status).toBe(500);
    expect(await envoy.rejectedUpdates()).toBe(0);
  });

  test('canary by header and cookie: always goes to the canary, never stays, the header first; the main rewrite applies', async () => {
    expect(await ask('http', 'canary.example.com', '/app/x')).toEqual({ status: 200, body: '/v2/x host=canary.example.com' });
    expect(await ask('http', 'canary.example.com', '/app/x', { 'x-canary': 'always' })).toEqual({ status: 200, body: 'canary /v2/x' });
    expect(await ask('http', 'canary.example.com', '/app/x', { cookie: 'a=1; canary=always' })).toEqual({ status: 200, body: 'canary /v2/x' });
    expect((await ask('http', 'canary.example.com', '/app/x', { 'x-canary': 'never', cookie: 'canary=always' })).body).toBe('/v2/x host=canary.example.com');
    expect((await ask('http', 'canary.example.com', '/app/x', { 'x-canary': 'maybe', cookie: 'canary=always' })).body).toBe('canary /v2/x');
    expect((await ask('http', 'canary.example.com', '/app/x', { cookie: 'canary=never' })).body).toBe('/v2/x host=canary.example.com');
  });

  test('canary-weight 50 sends requests to both backends', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400 && seen.size < 2; i++) seen.add((await ask('http', 'split.example.com', '/w')).body.startsWith('canary') ? 'canary' : 'main');
    expect([...seen].sort()).toEqual(['canary', 'main']);
  });

  test('source ranges: a range without the client answers 403 while another Ingress answers 200; one with it serves; a deny list naming it answers 403', async () => {
    expect(await ask('http', 'office.example.com', '/x')).toMatchObject({ status: 403 });
    expect(await ask('http', 'plain.example.com', '/x')).toEqual({ status: 200, body: '/x host=plain.example.com' });
    expect(await ask('http', 'loopback.example.com', '/y')).toEqual({ status: 200, body: '/y host=loopback.example.com' });
    expect((await ask('http', 'blocked.example.com', '/')).status).toBe(403);
  });

  test('basic auth from the Secret: right password 200, wrong or missing 401; auth-map too; a bcrypt entry fails closed', async () => {
    expect(await ask('http', 'basic.example.com', '/p', basic('alice', 'secret'))).toEqual({ status: 200, body: '/p host=basic.example.com' });
    expect((await ask('http', 'basic.example.com', '/p', basic('bob', 'hunter2'))).status).toBe(200);
    expect((await ask('http', 'basic.example.com', '/p', basic('alice', 'wrong'))).status).toBe(401);
    expect((await ask('http', 'basic.example.com', '/p')).status).toBe(401);
    expect((await ask('http', 'basic-map.example.com', '/', basic('bob', 'hunter2'))).status).toBe(200);
    expect((await ask('http', 'basic-map.example.com', '/', basic('alice', 'secret'))).status).toBe(401);
    expect((await ask('http', 'bcrypt.example.com', '/', basic('carol', 'anything'))).status).toBe(500);
  });

  test('CORS: Envoy answers the preflight with the configured headers, and decorates an allowed simple request', async () => {
    const preflight = await exchange('OPTIONS', 'cors.example.com', '/api', { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' });
    expect(preflight.status).toBe(200);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'X-Custom, Content-Type',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
    });
    const simple = await exchange('GET', 'cors.example.com', '/api', { origin: 'https://app.example.com' });
    expect(simple.status).toBe(200);
    expect(simple.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example.com', 'access-control-expose-headers': 'X-Request-Id' });
    // Another origin gets no CORS headers (the browser then refuses the response).
    expect((await exchange('GET', 'cors.example.com', '/api', { origin: 'https://evil.example.net' })).headers['access-control-allow-origin']).toBeUndefined();
    const defaults = await exchange('OPTIONS', 'cors-defaults.example.com', '/', { origin: 'https://any.example.org', 'access-control-request-method': 'PATCH' });
    expect(defaults.status).toBe(200);
    expect(defaults.headers).toMatchObject({
      'access-control-allow-origin': 'https://any.example.org',
      'access-control-allow-methods': 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
      'access-control-max-age': '1728000',
      'access-control-allow-credentials': 'true',
    });
    expect(await envoy.rejectedUpdates()).toBe(0);
  });
});
