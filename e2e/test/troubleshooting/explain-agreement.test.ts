/**
 * `portico explain` against a real Envoy (`portico serve --run-envoy`, Envoy from ENVOY_BIN): random
 * route sets (support/explain-route-sets.ts, fast-check with a fixed seed, printed), each written to a
 * resources folder and served once; random requests are sent to Envoy and explained from the served
 * xDS (the running server's /debug/xds, as `portico explain --admin` reads it; the first request of
 * each set also goes through the command itself, `portico explain --admin -o json`). For every request the
 * status must agree, the backend that answered must be the one explain names, and a redirect's
 * Location must be the one explain computes. Skipped without ENVOY_BIN.
 *
 * Runs the compiled CLI for `serve`: `npx tsc -b` first when running this file alone.
 */
import { request as httpRequest, createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { main } from '@portico/cli';
import { explainRequest, parseExplainRequest, type Explanation } from '@portico/diagnose';
import { issueCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '@portico/server';
import { BACKENDS, READY_HOST, READY_PATH, routeSet, routeSetFiles, testRequest, type TestRequest } from '../support/explain-route-sets.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const SEED = Number(process.env.EXPLAIN_SEED ?? 20261205);
const ROUTE_SETS = 8;
const REQUESTS_PER_SET = 150;
const GATEWAY = 'default/explain';

interface Answer {
  /** 0: no HTTP answer (connection refused or closed, TLS handshake failed). */
  status: number;
  backend?: string;
  location?: string;
}

function send(port: number, r: TestRequest, host: string): Promise<Answer> {
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port, method: r.method, path: r.path, headers: { ...r.headers, host }, agent: false, timeout: 5_000 };
    // The certificate is not what is tested: a name it does not cover must still reach Envoy's routing.
    const tls = r.listener === 2 ? { servername: r.sni ?? host.replace(/:\d+$/, ''), rejectUnauthorized: false } : undefined;
    const onResponse = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const backend = res.headers['x-echo-backend'];
        resolve({ status, ...(typeof backend === 'string' ? { backend } : {}), ...(res.headers.location ? { location: res.headers.location } : {}) });
      });
    };
    const req = tls ? httpsRequest({ ...options, ...tls }, onResponse) : httpRequest(options, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ status: 0 }));
    if (r.method === 'POST') req.end('{}');
    else req.end();
  });
}

/** What explain predicts in the shape of an Answer: 200 and the Service of the cluster for a forward. */
function predicted(e: Explanation): Answer {
  if (e.status === 0) {
    const taking = e.backends.filter((b) => b.weight > 0);
    return { status: 200, backend: taking.length === 1 ? taking[0]!.cluster.split('/')[1]! : `(${taking.length} shares)` };
  }
  return { status: e.status ?? 0, ...(e.redirect && e.status !== null && e.status >= 300 && e.status < 400 ? { location: e.redirect } : {}) };
}

const listen = (server: Server): Promise<number> => new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));
function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

describeWithEnvoy('portico explain agrees with a real Envoy on random route sets', () => {
  const servers: Server[] = [];
  let serving: CertificateAndKey;
  const backendPorts: Record<string, number> = {};
  const figures = { seed: SEED, sets: 0, requests: 0, disagreements: 0, cliChecks: 0, byStatus: {} as Record<string, number>, startMs: 0, requestMs: 0, stopMs: 0, ms: 0 };

  beforeAll(async () => {
    const ca = issueCertificateAuthority();
    serving = issueServerCertificate(ca, { dnsNames: ['*.example.com', 'shop.test'], ipAddresses: [] });
    for (const name of BACKENDS) {
      // Each Service is its own echo server, which names itself in a response header.
      const server = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'x-echo-backend': name, 'content-type': 'text/plain' });
        res.end(name);
      });
      servers.push(server);
      backendPorts[name] = await listen(server);
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map(close));
    console.log(`explain-agreement figures: ${JSON.stringify(figures)}`);
  });

  test(`${ROUTE_SETS} route sets × ${REQUESTS_PER_SET} requests: same status, same backend, same Location (seed ${SEED})`, async () => {
    const started = Date.now();
    console.log(`explain-agreement seed ${SEED} (EXPLAIN_SEED=<n> to replay another)`);
    const sets = fc.sample(routeSet, { seed: SEED, numRuns: ROUTE_SETS });
    const requests = fc.sample(testRequest, { seed: SEED + 1, numRuns: ROUTE_SETS * REQUESTS_PER_SET });
    const disagreements: unknown[] = [];
    for (const [index, routes] of sets.entries()) {
      const ports: [number, number, number] = [await freePort(), await freePort(), await freePort()];
      const dir = mkdtempSync(join(tmpdir(), 'portico-explain-'));
      let serve: ServeProcess | undefined;
      let mark = Date.now();
      try {
        for (const [file, yaml] of Object.entries(routeSetFiles(routes, ports, backendPorts, serving))) writeFileSync(join(dir, file), yaml);
        serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'warn'], env: { ENVOY_BIN: ENVOY } });
        await serve.waitReady(30_000);
        // The sentinel route answers on every port once Envoy runs this route set (clusters warm
        // before listeners start, so every backend is reachable by then).
        await pollUntil(
          `route set ${index} served on every port`,
          async () => {
            for (const [i, port] of ports.entries()) {
              const answer = await send(port, { method: 'GET', host: READY_HOST, listener: i as 0 | 1 | 2, hostPort: false, path: READY_PATH, headers: {} }, READY_HOST);
              if (answer.backend !== 'svc-0') return false;
            }
            return true;
          },
          30_000,
          50,
        );
        figures.startMs += Date.now() - mark;
        mark = Date.now();
        const { body } = await serve.admin<{ xds: Record<string, unknown> }>(`/debug/xds?format=json&gateway=${GATEWAY}`);
        const dump = body.xds[GATEWAY];
        for (const r of requests.slice(index * REQUESTS_PER_SET, (index + 1) * REQUESTS_PER_SET)) {
          const port = ports[r.listener];
          const host = r.hostPort ? `${r.host}:${port}` : r.host;
          const scheme = r.listener === 2 ? 'https' : 'http';
          const explanation = explainRequest(
            GATEWAY,
            dump,
            parseExplainRequest(`${scheme}://${host}${r.path}`, { method: r.method, headers: Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), port, ...(r.listener === 2 ? { sni: r.sni ?? host.replace(/:\d+$/, '') } : {}) }),
          );
          if (figures.cliChecks < figures.sets + 1) {
            // The command, live from the admin server, says the same as the in-process explanation.
            let out = '';
            const args = [`${scheme}://${host}${r.path}`, '-X', r.method, ...Object.entries(r.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), '--port', String(port), '--admin', `http://127.0.0.1:${serve.adminPort}`, '--gateway', GATEWAY, '-o', 'json'];
            if (r.listener === 2) args.push('--sni', r.sni ?? host.replace(/:\d+$/, ''));
            expect(await main(['explain', ...args], { stdout: { write: (chunk: string) => (out += chunk) }, stderr: { write: () => true } })).toBe(0);
            expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(explanation)));
            figures.cliChecks += 1;
          }
          const expected = predicted(explanation);
          const actual = await send(port, r, host);
          const comparable: Answer = { status: actual.status, ...(expected.backend && actual.backend ? { backend: actual.backend } : {}), ...(expected.location !== undefined ? { location: actual.location } : {}) };
          if (actual.status === 200 && !expected.backend) comparable.backend = actual.backend;
          figures.requests += 1;
          figures.byStatus[String(actual.status)] = (figures.byStatus[String(actual.status)] ?? 0) + 1;
          if (JSON.stringify(comparable) !== JSON.stringify(expected)) {
            figures.disagreements += 1;
            disagreements.push({ set: index, request: { ...r, host, port }, envoy: actual, explain: expected, route: explanation.route, reason: explanation.reason });
          }
        }
        figures.sets += 1;
        figures.requestMs += Date.now() - mark;
        if (disagreements.length > 0 && index === figures.sets - 1) console.log(`route set ${index}:\n${Object.entries(routeSetFiles(routes, ports, backendPorts, serving)).filter(([f]) => f.startsWith('route-')).map(([, y]) => y).join('---\n')}`);
      } finally {
        mark = Date.now();
        if (serve) await serve.stop('SIGTERM', 20_000);
        figures.stopMs += Date.now() - mark;
        rmSync(dir, { recursive: true, force: true });
      }
    }
    figures.ms = Date.now() - started;
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(figures.requests).toBeGreaterThanOrEqual(500);
  });
});
