/**
 * 421 Misdirected Request through a real Envoy (`portico serve --run-envoy`, Envoy from ENVOY_BIN):
 * the Gateway of the upstream conformance test HTTPRouteHTTPSListenerDetectMisdirectedRequests (four
 * HTTPS listeners on one port: without hostname, second-example.org, *.wildcard.org,
 * fourth-example.wildcard.org; one route each), and that test's table of (SNI, Host) → status/backend,
 * over HTTP/2 with one connection per SNI reused for every Host (the connection coalescing that 421
 * exists for), and over HTTP/1.1 with a connection per request. The listeners share one route table;
 * each SNI chain names itself in a request header before routing (so a client cannot forge it), and
 * backends never see that header.
 *
 * Certificates come from the certgen helpers (@portico/server), made fresh for each run. Runs the
 * compiled CLI: `npx tsc -b` first when running this file alone. Skipped without ENVOY_BIN.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '@portico/server';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const PATH = '/detect-misdirected-requests';
const BACKENDS = ['infra-backend-v1', 'infra-backend-v2', 'infra-backend-v3'] as const;

/** The upstream test's cases: a 200 names the backend that must answer. */
const CASES: { sni: string; host: string; status: number; backend?: string }[] = [
  { sni: 'example.org', host: 'example.org', status: 200, backend: 'infra-backend-v1' },
  { sni: 'example.org', host: 'second-example.org', status: 421 },
  { sni: 'example.org', host: 'unknown-example.org', status: 404 },
  { sni: 'second-example.org', host: 'second-example.org', status: 200, backend: 'infra-backend-v2' },
  { sni: 'second-example.org', host: 'example.org', status: 421 },
  { sni: 'second-example.org', host: 'unknown-example.org', status: 421 },
  { sni: 'third-example.wildcard.org', host: 'third-example.wildcard.org', status: 200, backend: 'infra-backend-v3' },
  { sni: 'third-example.wildcard.org', host: 'fith-example.wildcard.org', status: 200, backend: 'infra-backend-v3' },
  { sni: 'third-example.wildcard.org', host: 'fourth-example.wildcard.org', status: 421 },
  { sni: 'third-example.wildcard.org', host: 'second-example.org', status: 421 },
  { sni: 'third-example.wildcard.org', host: 'unknown-example.org', status: 421 },
  { sni: 'fourth-example.wildcard.org', host: 'fourth-example.wildcard.org', status: 200, backend: 'infra-backend-v1' },
  { sni: 'fourth-example.wildcard.org', host: 'fith-example.wildcard.org', status: 421 },
  { sni: 'unknown-example.org', host: 'example.org', status: 200, backend: 'infra-backend-v1' },
  { sni: 'unknown-example.org', host: 'unknown-example.org', status: 404 },
];

const b64 = (text: string) => Buffer.from(text).toString('base64');

function resourcesYaml(port: number, serving: CertificateAndKey, backendPorts: Record<string, number>): string {
  const listener = (name: string, hostname?: string) => `  - name: ${name}
    port: ${port}
    protocol: HTTPS${hostname ? `\n    hostname: "${hostname}"` : ''}
    tls: { certificateRefs: [{ name: serving }] }
`;
  const route = (i: number, section: string, backend: string, hostnames = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: test-${i}, namespace: default }
spec:
  parentRefs: [{ name: misdirected, sectionName: ${section} }]${hostnames}
  rules:
  - matches: [{ path: { type: PathPrefix, value: ${PATH} } }]
    backendRefs: [{ name: ${backend}, port: 8080 }]
`;
  const service = (name: string) => loopbackServiceYaml(name, backendPorts[name]!, { port: 8080 });
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-misdirected }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: misdirected, namespace: default }
spec:
  gatewayClassName: portico-misdirected
  listeners:
${listener('https')}${listener('https-with-hostname', 'second-example.org')}${listener('https-with-wildcard-hostname', '*.wildcard.org')}${listener('https-with-hostname-matching-wildcard', 'fourth-example.wildcard.org')}---
apiVersion: v1
kind: Secret
metadata: { name: serving, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(serving.cert)}
  tls.key: ${b64(serving.key)}
${route(1, 'https', 'infra-backend-v1', '\n  hostnames: [example.org]')}${route(2, 'https-with-hostname', 'infra-backend-v2')}${route(3, 'https-with-wildcard-hostname', 'infra-backend-v3')}${route(4, 'https-with-hostname-matching-wildcard', 'infra-backend-v1')}${BACKENDS.map(service).join('')}`;
}

interface Answer {
  status: number;
  body: string;
}

/** One HTTP/1.1 request on a new TLS connection with SNI `sni` and Host `host`. */
function http1Get(ca: string, port: number, sni: string, host: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: PATH, servername: sni, headers: { ...headers, host }, ca, agent: false, timeout: 10_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/2 connection whose TLS handshake sent SNI `sni`; every request on it may name another host. */
function http2Session(ca: string, port: number, sni: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { servername: sni, ca });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function http2Get(session: ClientHttp2Session, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':path': PATH, ':authority': host, ':scheme': 'https' });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.setTimeout(10_000, () => stream.close());
    stream.end();
  });
}

/** What a case expects: the status, and for a 200 the backend's name as the body. */
function expected(c: (typeof CASES)[number]): Answer | { status: number } {
  return c.backend ? { status: 200, body: c.backend } : { status: c.status };
}

const listen = (server: Server): Promise<number> =>
  new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

describeWithEnvoy('421 Misdirected Request through a real Envoy (GatewayHTTPSListenerDetectMisdirectedRequests)', () => {
  let ca: CertificateAndKey;
  let dir: string;
  let port: number;
  let serve: ServeProcess | undefined;
  const backends: Server[] = [];
  const sessions: ClientHttp2Session[] = [];
  /** The headers of every request a backend received. */
  const backendHeaders: IncomingHttpHeaders[] = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    ca = issueCertificateAuthority();
    const serving = issueServerCertificate(ca, {
      dnsNames: ['example.org', 'second-example.org', 'unknown-example.org', '*.wildcard.org'],
      ipAddresses: [],
    });
    const backendPorts: Record<string, number> = {};
    for (const name of BACKENDS) {
      const server = createHttpServer((request, response) => {
        request.resume();
        backendHeaders.push(request.headers);
        response.end(name);
      });
      backends.push(server);
      backendPorts[name] = await listen(server);
    }
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-misdirected-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, serving, backendPorts));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    // Every listener programmed: each SNI reaches its own route table.
    await pollUntil(
      'every HTTPS listener to answer its own host',
      async () => {
        for (const c of CASES.filter((x) => x.sni === x.host && x.status === 200)) {
          if ((await http1Get(ca.cert, port, c.sni, c.host).catch(() => undefined))?.status !== 200) return false;
        }
        return true;
      },
      45_000,
    );
    figures.readyMs = Date.now() - started;
  });

  afterAll(async () => {
    for (const s of sessions) s.close();
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all(backends.map(close));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-misdirected-requests figures: ${JSON.stringify(figures)}`);
  });

  test('HTTP/2: one connection per SNI, reused for every Host of the upstream cases', async () => {
    const bySni = new Map<string, ClientHttp2Session>();
    const answers = [];
    for (const c of CASES) {
      let session = bySni.get(c.sni);
      if (!session) {
        session = await http2Session(ca.cert, port, c.sni);
        sessions.push(session);
        bySni.set(c.sni, session);
      }
      const { status, body } = await http2Get(session, c.host);
      answers.push({ sni: c.sni, host: c.host, ...(c.backend ? { status, body } : { status }) });
    }
    expect(answers).toEqual(CASES.map((c) => ({ sni: c.sni, host: c.host, ...expected(c) })));
    // The 421s did not end the connections: the client retries elsewhere and may keep using them.
    for (const [sni, session] of bySni) {
      expect(session.closed || session.destroyed).toBe(false);
      expect((await http2Get(session, sni === 'unknown-example.org' ? 'example.org' : sni)).status).toBe(200);
    }
  });

  test('HTTP/1.1: the same answers with a new connection per request', async () => {
    const answers = [];
    for (const c of CASES) {
      const { status, body } = await http1Get(ca.cert, port, c.sni, c.host);
      answers.push({ sni: c.sni, host: c.host, ...(c.backend ? { status, body } : { status }) });
    }
    expect(answers).toEqual(CASES.map((c) => ({ sni: c.sni, host: c.host, ...expected(c) })));
  });

  test('the header naming the connection\'s listener is set by Envoy, not the client, and never reaches a backend', async () => {
    // Envoy overwrites the client's value before routing: claiming the owner's name changes nothing.
    expect((await http1Get(ca.cert, port, 'second-example.org', 'example.org', { 'x-portico-https-server': 'https' })).status).toBe(421);
    backendHeaders.length = 0;
    expect(await http1Get(ca.cert, port, 'example.org', 'example.org', { 'x-portico-https-server': 'https-with-hostname' })).toEqual({ status: 200, body: 'infra-backend-v1' });
    expect(backendHeaders.length).toBe(1);
    expect(backendHeaders[0]!['x-portico-https-server']).toBeUndefined();
  });

  test('a Host with a port is matched without it (Host example.org:PORT on SNI second-example.org → 421)', async () => {
    expect((await http1Get(ca.cert, port, 'second-example.org', `example.org:${port}`)).status).toBe(421);
    expect(await http1Get(ca.cert, port, 'example.org', `example.org:${port}`)).toEqual({ status: 200, body: 'infra-backend-v1' });
  });
});
