/**
 * Test inputs of the dashboard: the examples as `portico serve` loads them, a variant with a broken
 * route, a running server over them (fake provider, real HTTP on 127.0.0.1:0) and HTTP helpers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet, request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, type Resource } from '@portico/resources';
import type { DebugData } from '../admin/debug-views.js';
import { fakeProvider, type FakeProvider } from '../fixtures.test-util.js';
import { createPorticoServer, type PorticoServer, type PorticoServerOptions } from '../portico-server.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export function exampleObjects(): Resource[] {
  const dir = join(ROOT, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseResources(readFileSync(join(dir, f), 'utf8'), f).objects);
}

/** The examples' TLS Secret's private key, base64 as in the Secret and as the PEM text it decodes to. */
export function exampleKeyMaterial(): string[] {
  const secret = exampleObjects().find((o) => o.kind === 'Secret') as Resource & { data: Record<string, string> };
  const base64 = secret.data['tls.key']!;
  const pem = Buffer.from(base64, 'base64').toString('utf8');
  // Every line of the key's body: a fragment of it anywhere is a leak.
  const lines = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  return [base64, ...lines];
}

/** The examples with the HTTPRoute `shop`'s web rule sending to a port the Service does not have. */
export function brokenExampleObjects(): Resource[] {
  return exampleObjects().map((o) => {
    if (o.kind !== 'HTTPRoute' || o.metadata.name !== 'shop') return o;
    const copy = structuredClone(o);
    const rules = (copy.spec as { rules: { backendRefs?: { port?: number }[] }[] }).rules;
    rules[3]!.backendRefs![0]!.port = 8081;
    return copy;
  });
}

export interface RunningServer {
  server: PorticoServer;
  provider: FakeProvider;
  adminPort: number;
  base: string;
}

export async function startServer(objects: Resource[], options: Partial<PorticoServerOptions> = {}): Promise<RunningServer> {
  const provider = fakeProvider(objects);
  const server = createPorticoServer({ provider, xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', shutdownGraceMs: 200, ...options });
  const { adminPort } = await server.start();
  return { server, provider, adminPort, base: `http://127.0.0.1:${adminPort}` };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the method and Host header of our choosing (fetch sets its own Host). */
export function request(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface EventStream {
  status: number;
  /** Resolves with the next `changed` event's data. */
  next(): Promise<{ graph: string; dataplane: string }>;
  /** Every `changed` event received so far. */
  received: { graph: string; dataplane: string }[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens /ui/api/events and parses the `changed` events as they come. */
export function openEvents(port: number): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/ui/api/events' }, (response) => {
      const received: { graph: string; dataplane: string }[] = [];
      const waiting: ((event: { graph: string; dataplane: string }) => void)[] = [];
      let consumed = 0;
      let buffer = '';
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('event: changed\n')) continue;
          const event = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { graph: string; dataplane: string };
          received.push(event);
          const waiter = waiting.shift();
          if (waiter) {
            consumed++;
            waiter(event);
          }
        }
      });
      response.on('end', endResolve);
      response.on('close', endResolve);
      resolve({
        status: response.statusCode ?? 0,
        received,
        next: () =>
          new Promise((r) => {
            if (consumed < received.length) r(received[consumed++]!);
            else waiting.push(r);
          }),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** The DebugData of a server that has translated nothing yet and has no proxies. */
export function untranslatedData(): DebugData {
  return {
    state: () => undefined,
    servedGateways: () => [],
    servedConfigDumps: async () => new Map(),
    servedVersion: () => undefined,
    sources: () => [],
    clients: () => [],
    health: () => ({ gatewayFailures: [], failingObjects: [] }),
    controllerName: 'portico.dev/gateway-controller',
  };
}
