/**
 * What the isolation regression tests need to send real traffic: echo backends that answer with
 * their own name, GETs through Envoy's listener (with a Host header of the test's choosing when
 * needed), and bounded polling with a message saying what was awaited.
 */
import { createServer, request, type Server } from 'node:http';

export interface Echo {
  name: string;
  port: number;
  server: Server;
}

/** An HTTP backend on a free loopback port that answers every request 200 with its own name. */
export async function startEcho(name: string): Promise<Echo> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { name, port: (server.address() as { port: number }).port, server };
}

export function closeEcho(echo: Echo): Promise<void> {
  echo.server.closeAllConnections();
  return new Promise((ok) => echo.server.close(() => ok()));
}

export interface Answer {
  status: number;
  body: string;
}

/** A GET (no redirect followed, 5 s at most); a failed request rejects. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

/** A GET whose failure (no listener yet, reset, timeout) is an answer too: status 0, the error as body. */
export function tryGet(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return get(url, headers).catch((error: Error) => ({ status: 0, body: error.message }));
}

/**
 * A GET of 127.0.0.1:`port``path` with this Host header (fetch cannot set Host), 5 s at most; a
 * failed request is status 0 with the error as body.
 */
export function getWithHost(port: number, path: string, host: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end();
  });
}

/** Polls `probe` until it returns a value, failing with `what` and `context()` after `timeoutMs`. */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, context: () => string = () => '', timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Polls `url` until `accept` holds, at most `timeoutMs`; fails with the last answer and `context()`
 * (e.g. the server's log tail). Returns how long it took.
 */
export async function untilAnswer(url: string, accept: (a: Answer) => boolean, what: string, context: () => string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const answer = await get(url);
      last = answer;
      if (accept(answer)) return Date.now() - started;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)}):\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
