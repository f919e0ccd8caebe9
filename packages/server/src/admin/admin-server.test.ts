import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createAdminServer, type AdminServer } from './admin-server.js';
import type { DebugView } from './debug-views.js';
import { documentChunks } from './document-chunks.js';
import { silentLogger } from '../logger.js';

/** A view of `items` entries of about 2 KB each. */
function bigView(items: number): DebugView {
  const document = { items: Array.from({ length: items }, (_, i) => ({ name: `item-${i}`, value: 'x'.repeat(2000) })) };
  return { version: () => 'v1', render: () => ({ status: 200, chunks: (format) => documentChunks(document, format) }) };
}

const handlers = (views: Record<string, DebugView> = {}) => ({
  readiness: () => ({ ready: true, waitingFor: [] }),
  metrics: async () => ({ contentType: 'text/plain; version=0.0.4', text: 'portico_up 1\n' }),
  views,
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await nextTurn();
  }
}

/** GET with a Host header of our choosing (fetch does not let a caller set one). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body }));
    }).on('error', reject);
  });
}

describe('createAdminServer', () => {
  const servers: AdminServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(options: Partial<Parameters<typeof createAdminServer>[0]> = {}) {
    const server = createAdminServer({ address: '127.0.0.1:0', logger: silentLogger(), handlers: handlers({ '/debug/big': bigView(1000) }), ...options });
    servers.push(server);
    return { server, port: await server.start() };
  }

  it('refuses a Host header that is not one of its names (DNS rebinding) with a JSON 403', async () => {
    const { port } = await start({ allowedHosts: ['portico.internal'] });
    const get = (host: string) => getWithHost(port, '/debug/big', host);
    const refused = await get('attacker.example');
    expect(refused.status).toBe(403);
    expect(refused.type).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({ error: "host 'attacker.example' is not one of this server's names; allow it with --admin-allowed-hosts" });
    expect((await get(`attacker.example:${port}`)).status).toBe(403);
    expect((await get(`localhost:${port}`)).status).toBe(200);
    expect((await get('portico.internal:8080')).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('serves only the probes and /metrics as the probes-and-metrics listener', async () => {
    const { port } = await start({ serves: 'probes-and-metrics' });
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toBe('portico_up 1\n');
    const debug = await fetch(`http://127.0.0.1:${port}/debug/big`);
    expect(debug.status).toBe(404);
    expect(await debug.json()).toEqual({ error: "no such path '/debug/big'", paths: ['/healthz', '/readyz', '/metrics'] });
  });

  it('refuses dumps past the limit with 503 and Retry-After, while /healthz answers; a freed slot serves again', async () => {
    const { server, port } = await start({ dumps: { maxInFlight: 1 }, handlers: handlers({ '/debug/big': bigView(8000) }) });
    // A client that asks for a 16 MB dump and never reads it holds the only slot (back-pressure).
    const stuck = connect(port, '127.0.0.1');
    sockets.push(stuck);
    stuck.pause();
    stuck.write(`GET /debug/big?format=yaml HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
    await until(() => server.dumpFigures().inFlight === 1);

    const refused = await fetch(`http://127.0.0.1:${port}/debug/big`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'too many debug dumps in progress; retry later' });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);

    stuck.destroy();
    await until(() => server.dumpFigures().inFlight === 0);
    const served = await fetch(`http://127.0.0.1:${port}/debug/big?format=yaml`);
    expect(served.status).toBe(200);
    const body = await served.text();
    expect(Number(served.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(body.startsWith('items:\n- name: item-0\n')).toBe(true);
    // The stuck request's rendering was cached: the second one printed nothing.
    expect(server.dumpFigures()).toMatchObject({ renderings: 1, cacheHits: 1 });
  });

  it('closes at once even while a client reads a dump slowly', async () => {
    const { server, port } = await start({ handlers: handlers({ '/debug/big': bigView(8000) }) });
    const stuck = connect(port, '127.0.0.1');
    sockets.push(stuck);
    stuck.on('error', () => undefined);
    stuck.pause();
    stuck.write(`GET /debug/big?format=yaml HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await until(() => server.dumpFigures().inFlight === 1 && server.dumpFigures().renderings === 1 && server.dumpFigures().cachedDumps === 1);
    // Without cutting the response, close() would wait for the client (or the 30 s idle timeout).
    await server.close();
    await until(() => server.dumpFigures().inFlight === 0);
  });

  it('cuts a dump response that makes no progress for dumpIdleTimeoutMs', async () => {
    const { server, port } = await start({ dumpIdleTimeoutMs: 50, handlers: handlers({ '/debug/big': bigView(8000) }) });
    const stuck = connect(port, '127.0.0.1');
    sockets.push(stuck);
    stuck.pause();
    stuck.on('error', () => undefined);
    const closed = new Promise((resolve) => stuck.once('close', resolve));
    stuck.write(`GET /debug/big?format=yaml HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await until(() => server.dumpFigures().renderings === 1);
    // The server gives up on the silent client: its slot is free, and the client, once it reads, finds the connection closed.
    await until(() => server.dumpFigures().inFlight === 0);
    stuck.resume();
    await closed;
  });
});
