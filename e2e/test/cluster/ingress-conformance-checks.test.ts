/**
 * How our Ingress conformance runner sends a request and judges the answer: the request looks like
 * Go's client's (which the feature files assert on), redirects are followed to the same address,
 * expectations use upstream's rules, and a check is repeated until it holds three times in a row.
 * The requests go to a loopback server standing in for the Ingress address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkExpectation, checkSpread, firstFailure } from '../../conformance/ingress/expectations.js';
import { eventually, settledIn, settleRequest } from '../../conformance/ingress/eventual-checks.js';
import { canonicalHeaderName, captureRoundTrip, firstDnsName, parseEchoed, type CapturedExchange } from '../../conformance/ingress/round-trip.js';
import { INGRESS_SCENARIOS } from '../../conformance/ingress/all-scenarios.js';

function exchange(overrides: Partial<CapturedExchange> = {}): CapturedExchange {
  return { status: 200, proto: 'HTTP/1.1', headers: { 'Content-Type': ['application/json'] }, echoed: { service: 'foo-exact', path: '/foo', host: 'h', method: 'GET', proto: 'HTTP/1.1', headers: { 'User-Agent': ['Go-http-client/1.1'] } }, ...overrides };
}

describe('expectations', () => {
  it('compares as upstream does', () => {
    expect(checkExpectation({ kind: 'status', code: 404 }, exchange())).toBe('expected status code 404 but 200 was returned');
    expect(checkExpectation({ kind: 'served-by', service: 'foo-exact' }, exchange())).toBeUndefined();
    expect(checkExpectation({ kind: 'served-by', service: 'foo-prefix' }, exchange({ status: 404, echoed: {} }))).toContain('(no echo backend)');
    // A path without its leading slash (the default-backend outline's) gets one before comparing.
    expect(checkExpectation({ kind: 'request-path', path: 'foo' }, exchange())).toBeUndefined();
    expect(checkExpectation({ kind: 'request-path', path: '' }, exchange({ echoed: { path: '/' } }))).toBeUndefined();
    expect(checkExpectation({ kind: 'response-header', name: 'Content-Type', value: '*' }, exchange())).toBeUndefined();
    expect(checkExpectation({ kind: 'response-header', name: 'Server', value: '*' }, exchange())).toContain('to contain Server');
    expect(checkExpectation({ kind: 'request-header', name: 'User-Agent', value: 'Go-http-client/1.1' }, exchange())).toBeUndefined();
    expect(checkExpectation({ kind: 'request-header', name: 'User-Agent', value: 'curl' }, exchange())).toContain('to contain the value curl');
    expect(checkExpectation({ kind: 'tls-hostname', hostname: 'foo.bar.com' }, exchange({ tlsHostname: 'foo.bar.com' }))).toBeUndefined();
  });

  it('stops at the first failed step, as a scenario does', () => {
    expect(firstFailure([{ kind: 'status', code: 200 }, { kind: 'served-by', service: 'x' }, { kind: 'request-host', host: 'y' }], exchange())).toContain('served by x');
  });

  it('counts the distinct pods among the answers with the expected status', () => {
    const answers = [...Array(20).keys()].map((i) => exchange({ echoed: { pod: `p${i % 10}` } }));
    expect(checkSpread(answers, 200, 10)).toBeUndefined();
    expect(checkSpread(answers.slice(0, 5), 200, 10)).toBe('expected 10 different pods for status code 200 but 5 answered');
    expect(checkSpread([exchange({ status: 503 })], 200, 10)).toContain('no responses for status code 200');
  });
});

describe('eventually', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  };

  it('needs the given number of passes in a row; a failure in between starts over', async () => {
    const outcomes = ['no', undefined, 'no', undefined, undefined, undefined];
    const result = await eventually(async () => outcomes.shift(), { timeoutMs: 10_000, intervalMs: 100, passesInARow: 3, ...clock() });
    expect(result).toEqual({ attempts: 6 });
  });

  it('fails at the deadline with the last reason; a thrown error is a failed attempt', async () => {
    let n = 0;
    const result = await eventually(
      async () => {
        if (++n % 2) throw new Error('connection refused');
        return 'expected status code 404 but 200 was returned';
      },
      { timeoutMs: 1_000, intervalMs: 250, passesInARow: 3, ...clock() },
    );
    expect(result.attempts).toBe(5);
    expect(result.failure).toBe('request failed: connection refused');
  });
});

describe('settling', () => {
  it('probes the first path of the first rule, a wildcard host with one label, or the default backend', () => {
    const ingressOf = (file: string) => INGRESS_SCENARIOS.find((s) => s.featureFile === file)!.ingress;
    expect(settleRequest(ingressOf('features/host_rules.feature'))).toEqual({ method: 'GET', scheme: 'http', host: 'settle.foo.com', path: '/' });
    expect(settleRequest(ingressOf('features/path_rules.feature'))).toEqual({ method: 'GET', scheme: 'http', host: 'exact-path-rules', path: '/foo' });
    expect(settleRequest(ingressOf('features/default_backend.feature'))).toEqual({ method: 'GET', scheme: 'http', host: '', path: '/' });
  });

  it('is settled only by an answer from the scenario\'s namespace', () => {
    expect(settledIn('ns-a')(exchange({ echoed: { namespace: 'ns-a' } }))).toBeUndefined();
    expect(settledIn('ns-a')(exchange({ echoed: { namespace: 'ns-b' } }))).toContain('not yet served from namespace ns-a');
    expect(settledIn('ns-a')(exchange({ status: 404, echoed: {} }))).toContain('status 404');
  });
});

describe('round trip', () => {
  let server: Server;
  let port: number;
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers'] }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      if (req.url === '/old') {
        res.writeHead(301, { Location: 'http://moved.example/new' }).end();
        return;
      }
      if (req.url === '/plain') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = JSON.stringify({ path: req.url, host: req.headers.host, method: req.method, proto: `HTTP/${req.httpVersion}`, service: 'echo-service' });
      res.writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (method: string, host: string, path: string) => captureRoundTrip({ method, scheme: 'http', host, path }, '127.0.0.1', { http: port, https: port });

  it('sends what Go\'s client sends and captures the echo', async () => {
    const result = await send('POST', 'some-host', '');
    expect(result).toMatchObject({ status: 200, proto: 'HTTP/1.1', echoed: { path: '/', host: 'some-host', method: 'POST', service: 'echo-service' } });
    expect(result.headers['Content-Type']).toEqual(['application/json']);
    expect(result.headers['X-Multi']).toEqual(['a, b']);
    const request = seen.at(-1)!;
    expect(request.headers['user-agent']).toBe('Go-http-client/1.1');
    expect(request.headers['content-length']).toBe('0');
    expect(request.headers['accept-encoding']).toBeUndefined();
  });

  it('uses the address as Host when the scenario names none, and a path without its slash', async () => {
    const result = await send('PUT', '', 'resource');
    expect(result.echoed).toMatchObject({ path: '/resource', host: `127.0.0.1:${port}` });
  });

  it('follows a redirect to the same address with the new host and path', async () => {
    const result = await send('GET', 'old-host', '/old');
    expect(result.echoed).toMatchObject({ path: '/new', host: 'moved.example' });
  });

  it('keeps a non-JSON answer as a bare status', async () => {
    expect(await send('GET', 'x', '/plain')).toMatchObject({ status: 404, echoed: {} });
  });

  it('names headers the way Go does and reads the first DNS name of a certificate', () => {
    expect(canonicalHeaderName('content-length')).toBe('Content-Length');
    expect(canonicalHeaderName('x-content-type-options')).toBe('X-Content-Type-Options');
    expect(firstDnsName('IP Address:10.0.0.1, DNS:foo.bar.com, DNS:other')).toBe('foo.bar.com');
    expect(firstDnsName(undefined)).toBeUndefined();
    expect(parseEchoed('[1]')).toEqual({});
  });
});
