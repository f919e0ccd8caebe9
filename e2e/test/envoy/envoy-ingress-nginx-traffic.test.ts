/**
 * Issue 18: ingress-nginx traffic annotations on an Ingress, through a real Envoy (ENVOY_BIN):
 * - limit-rpm "1" with limit-burst-multiplier "3": nginx admits burst + 1 = 4 requests from a client
 *   at once, then answers 503 (limit-req-status-code's default); another client address (127.0.0.2:
 *   Linux routes 127.0.0.0/8 to loopback) has its own 4. A token comes back only after a minute, so
 *   the counts are exact. limit-rps "2" (multiplier 5): a burst admits 11 (figure: the count measured).
 *   limit-rps "100" with limit-rpm "2" (multiplier 1): both apply, the per-minute one (3) first; with
 *   limit-rps "1" and limit-rpm "100", the per-second one (2) first.
 * - affinity: cookie with session-cookie-name "route" and max-age 60 over a Service with two endpoints
 *   (127.0.0.1 and 127.0.0.2, same port): the first answer sets `route` (HttpOnly, Path=/, Max-Age=60);
 *   every request carrying it reaches the same endpoint (stickiness ratio, figure), while requests
 *   without it reach both; a cookie naming an endpoint that no longer exists falls back to a live one.
 * - proxy-body-size "1k": a POST of 1024 bytes reaches the backend (200, body intact), one of 1025
 *   bytes — with Content-Length or chunked — gets 413 and never reaches it; another Ingress takes 1 MiB.
 * - custom-headers "default/security-headers": the ConfigMap's headers are on every response, replacing
 *   the backend's own X-Frame-Options; another Ingress's responses do not carry them.
 *
 * The Ingress gateway listens on port 80 (Ingress fixes it), so this needs root, as CI has; skipped
 * otherwise or without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { pollFor } from '../support/isolation-traffic.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeAsRootWithEnvoy = ENVOY && process.getuid?.() === 0 ? describe : describe.skip;
const GATEWAY = 'ingressclass/portico-nginx-traffic';
const N = 'nginx.ingress.kubernetes.io/';

jest.setTimeout(90_000);

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request on port 80 from `localAddress`, on a connection of its own. */
function ask(host: string, path: string, options: { localAddress?: string; headers?: Record<string, string>; method?: string; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((ok) => {
    const req = request(
      { host: '127.0.0.1', port: 80, path, method: options.method ?? 'GET', agent: false, localAddress: options.localAddress, headers: { host, ...options.headers }, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => ok({ status: 0, body: error.message, headers: {} }));
    req.end(options.body);
  });
}

async function statuses(host: string, count: number, localAddress = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await ask(host, '/', { localAddress })).status);
  return out;
}

/** A backend on `address`:`port` (0: any) answering its own name, the path and the body's length; it counts requests. */
async function backend(name: string, address = '127.0.0.1', port = 0): Promise<Server & { requests: number }> {
  const server = createServer((req, res) => {
    server.requests++;
    let length = 0;
    req.on('data', (chunk: Buffer) => (length += chunk.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-frame-options': 'SAMEORIGIN' });
      res.end(`${name} ${req.url} ${length}`);
    });
  }) as Server & { requests: number };
  server.requests = 0;
  await new Promise<void>((ok) => server.listen(port, address, ok));
  return server;
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

function serviceYaml(name: string, port: number, addresses: string[]): string {
  return `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: default, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
ports: [{ name: http, port: ${port} }]
endpoints: [${addresses.map((a) => `{ addresses: [${a}], conditions: { ready: true } }`).join(', ')}]
`;
}

function ingressYaml(name: string, annotations: Record<string, string>, host: string, service = 'echo'): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  return `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default
  annotations:
${lines || '    {}'}
spec:
  ingressClassName: portico-nginx-traffic
  rules:
  - host: ${host}
    http:
      paths: [{ path: /, pathType: Prefix, backend: { service: { name: ${service}, port: { number: 80 } } } }]
`;
}

describeAsRootWithEnvoy('ingress-nginx traffic annotations through Envoy', () => {
  let dir: string;
  const servers: Server[] = [];
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let uploads: Server & { requests: number };
  const figures: Record<string, unknown> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(15)}`;

  beforeAll(async () => {
    const echo = await backend('echo');
    const first = await backend('first', '127.0.0.1');
    const second = await backend('second', '127.0.0.2', portOf(first));
    uploads = await backend('uploads');
    servers.push(echo, first, second, uploads);
    dir = mkdtempSync(join(tmpdir(), 'portico-ingress-nginx-traffic-'));
    writeFileSync(join(dir, 'resources.yaml'), `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico-nginx-traffic }
spec: { controller: portico.dev/ingress-controller }
${serviceYaml('echo', portOf(echo), ['127.0.0.1'])}
${ingressYaml('plain', {}, 'plain.example.com')}
${ingressYaml('per-minute', { [`${N}limit-rpm`]: '1', [`${N}limit-burst-multiplier`]: '3' }, 'rpm.example.com')}
${ingressYaml('per-second', { [`${N}limit-rps`]: '2' }, 'rps.example.com')}
${ingressYaml('both', { [`${N}limit-rps`]: '100', [`${N}limit-rpm`]: '2', [`${N}limit-burst-multiplier`]: '1' }, 'both.example.com')}
${ingressYaml('both-rps', { [`${N}limit-rps`]: '1', [`${N}limit-rpm`]: '100', [`${N}limit-burst-multiplier`]: '1' }, 'both-rps.example.com')}
${serviceYaml('pair', portOf(first), ['127.0.0.1', '127.0.0.2'])}
${ingressYaml('sticky', { [`${N}affinity`]: 'cookie', [`${N}session-cookie-name`]: 'route', [`${N}session-cookie-max-age`]: '60' }, 'sticky.example.com', 'pair')}
${serviceYaml('uploads', portOf(uploads), ['127.0.0.1'])}
${ingressYaml('small-bodies', { [`${N}proxy-body-size`]: '1k' }, 'small.example.com', 'uploads')}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: security-headers, namespace: default }
data: { X-Frame-Options: DENY, X-Content-Type-Options: nosniff }
${ingressYaml('headers', { [`${N}custom-headers`]: 'default/security-headers' }, 'headers.example.com')}`);
    const started = Date.now();
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'ingress-nginx-traffic' });
    await pollFor('the plain Ingress to be served', async () => ((await ask('plain.example.com', '/')).status === 200 ? true : undefined), context);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-ingress-nginx-traffic figures: ${JSON.stringify(figures)}`);
  });

  test('limit-rpm 1 × burst multiplier 3: 4 requests per client address, then 503; another address has its own 4', async () => {
    const started = Date.now();
    expect(await statuses('rpm.example.com', 6)).toEqual([200, 200, 200, 200, 503, 503]);
    expect(await statuses('rpm.example.com', 6, '127.0.0.2')).toEqual([200, 200, 200, 200, 503, 503]);
    expect(await statuses('plain.example.com', 20)).toEqual(Array(20).fill(200));
    figures.rpmMs = Date.now() - started;
  });

  test('limit-rps and limit-rpm together: both apply (the second keyed by masked_remote_address)', async () => {
    expect(await statuses('both.example.com', 5, '127.0.0.4')).toEqual([200, 200, 200, 503, 503]);
    expect(await statuses('both.example.com', 3, '127.0.0.5')).toEqual([200, 200, 200]);
    // A token every second: a slow run may find one back, never more than one per second elapsed.
    const sent = Date.now();
    const perSecond = await statuses('both-rps.example.com', 6, '127.0.0.6');
    const refills = Math.floor((Date.now() - sent) / 1000);
    expect(perSecond.slice(0, 2)).toEqual([200, 200]);
    expect(perSecond.filter((s) => s === 200).length).toBeLessThanOrEqual(2 + refills);
    expect(perSecond).toContain(503);
  });

  test('limit-rps 2: a burst admits 11 (2 × 5 + 1) before 503', async () => {
    const answers = await statuses('rps.example.com', 20, '127.0.0.3');
    const admitted = answers.indexOf(503);
    figures.rpsAdmittedBeforeFirst503 = admitted;
    // A token comes back every 500 ms: a slow run may see one more.
    expect(admitted).toBeGreaterThanOrEqual(11);
    expect(admitted).toBeLessThanOrEqual(12);
    expect(answers.slice(0, admitted)).toEqual(Array(admitted).fill(200));
  });

  test('affinity: cookie: the cookie keeps a client on one of two endpoints; without it both answer', async () => {
    const started = Date.now();
    const fresh = await ask('sticky.example.com', '/a');
    expect(fresh.status).toBe(200);
    const setCookie = ([] as string[]).concat(fresh.headers['set-cookie'] ?? []);
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/^route=[^;]+; Max-Age=60; Path=\/; HttpOnly$/);
    const cookie = setCookie[0]!.split(';')[0]!;
    const chosen = fresh.body.split(' ')[0];
    const sticky: string[] = [];
    for (let i = 0; i < 50; i++) sticky.push((await ask('sticky.example.com', `/b${i}`, { headers: { cookie } })).body.split(' ')[0]!);
    const same = sticky.filter((b) => b === chosen).length;
    figures.stickinessRatio = `${same}/${sticky.length}`;
    expect(same).toBe(50);
    // Without the cookie the balancer spreads requests: both endpoints answer 50 fresh ones (the chance one never does is 2^-49).
    const spread = new Set<string>();
    for (let i = 0; i < 50; i++) spread.add((await ask('sticky.example.com', '/c')).body.split(' ')[0]!);
    expect([...spread].sort()).toEqual(['first', 'second']);
    // A cookie naming no endpoint of the Service (not strict): a live endpoint answers, and a new cookie is set.
    const stale = await ask('sticky.example.com', '/d', { headers: { cookie: `route=${Buffer.from('127.0.0.9:1').toString('base64')}` } });
    expect(stale.status).toBe(200);
    expect(String(stale.headers['set-cookie'] ?? '')).toMatch(/^route=/);
    figures.affinityMs = Date.now() - started;
  });

  test('proxy-body-size 1k: 1024 bytes pass, 1025 get 413 (Content-Length or chunked) without reaching the backend', async () => {
    const started = Date.now();
    const body = (n: number) => Buffer.alloc(n, 'x');
    const ok = await ask('small.example.com', '/upload', { method: 'POST', body: body(1024), headers: { 'content-length': '1024' } });
    expect([ok.status, ok.body]).toEqual([200, 'uploads /upload 1024']);
    const before = uploads.requests;
    expect((await ask('small.example.com', '/upload', { method: 'POST', body: body(1025), headers: { 'content-length': '1025' } })).status).toBe(413);
    expect((await ask('small.example.com', '/upload', { method: 'POST', body: body(4096), headers: { 'transfer-encoding': 'chunked' } })).status).toBe(413);
    expect(uploads.requests).toBe(before);
    // No limit on another Ingress: a MiB passes.
    const big = await ask('plain.example.com', '/big', { method: 'POST', body: body(1024 * 1024), headers: { 'content-length': String(1024 * 1024) } });
    expect([big.status, big.body]).toEqual([200, `echo /big ${1024 * 1024}`]);
    figures.bodySizeMs = Date.now() - started;
  });

  test('custom-headers: the ConfigMap\'s headers on every response, replacing the backend\'s', async () => {
    const answer = await ask('headers.example.com', '/x');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const plain = await ask('plain.example.com', '/x');
    expect(plain.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(plain.headers['x-content-type-options']).toBeUndefined();
  });
});
