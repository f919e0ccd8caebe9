/**
 * /ui in the admin server: read-only (405), behind the Host check (403), the page and assets with their
 * cache and Content-Security-Policy headers, 503 while the assets are not built, nothing of it on the
 * probes-and-metrics listener, and a bounded number of event streams.
 */
import { createAdminServer, type AdminServer } from '../admin/admin-server.js';
import { silentLogger } from '../logger.js';
import { createChangeSignal } from './ui-events.js';
import type { UiAssets } from '@portico/ui';
import { createUiHttp } from './ui-http.js';
import { exampleObjects, openEvents, request, startServer, untranslatedData, type RunningServer } from './ui.test-util.js';

const ASSETS: UiAssets = {
  index: Buffer.from('<!doctype html><main id="portico-ui"></main><script type="module" src="/ui/assets/app-3f2a1b.js"></script>'),
  files: new Map([['app-3f2a1b.js', { body: Buffer.from('console.log(1)'), contentType: 'text/javascript; charset=utf-8' }]]),
};

describe('/ui routing in the admin server', () => {
  const running: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.server.shutdown()));
  });
  async function start(withAssets: boolean): Promise<RunningServer> {
    // Without assets: a source that finds none, as loadUiAssets does before `npm run build:ui`.
    const server = await startServer(exampleObjects(), { ui: { assets: async () => (withAssets ? ASSETS : undefined) } });
    running.push(server);
    return server;
  }

  it('serves the page (no-cache) and hashed assets (immutable), both under default-src \'self\'', async () => {
    const { adminPort } = await start(true);
    for (const path of ['/ui', '/ui/']) {
      const page = await request(adminPort, path);
      expect(page.status).toBe(200);
      expect(page.body).toBe(ASSETS.index.toString());
      expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': "default-src 'self'", 'x-content-type-options': 'nosniff' });
    }
    const asset = await request(adminPort, '/ui/assets/app-3f2a1b.js');
    expect(asset).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(asset.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', 'content-security-policy': "default-src 'self'" });
    const head = await request(adminPort, '/ui/assets/app-3f2a1b.js', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('14');
    expect((await request(adminPort, '/ui/assets/nope.js')).status).toBe(404);
    expect((await request(adminPort, '/ui/assets/%E0%A4%A.js')).status).toBe(404);
    expect((await request(adminPort, '/ui/nothing')).status).toBe(404);
    expect((await request(adminPort, '/ui/api/nothing')).status).toBe(404);
  });

  it('is read-only: every method but GET and HEAD is 405', async () => {
    const { adminPort } = await start(true);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/ui', '/ui/api/graph', '/ui/assets/app-3f2a1b.js']) {
        const answer = await request(adminPort, path, { method });
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    }
  });

  it('refuses a Host that is not one of the server\'s names, on the page and the API', async () => {
    const { adminPort } = await start(true);
    for (const path of ['/ui/', '/ui/api/graph', '/ui/api/events']) {
      expect((await request(adminPort, path, { host: 'attacker.example' })).status).toBe(403);
      expect((await request(adminPort, path === '/ui/api/events' ? '/ui/api/dataplane' : path, { host: `localhost:${adminPort}` })).status).toBe(200);
    }
  });

  it('answers 503 with the build command while the assets are not built; the API still answers', async () => {
    const { adminPort } = await start(false);
    for (const path of ['/ui', '/ui/', '/ui/assets/app-3f2a1b.js']) {
      const answer = await request(adminPort, path);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({ error: 'dashboard assets not built: run npm run build:ui' });
    }
    expect((await request(adminPort, '/ui/api/graph')).status).toBe(200);
  });

  it('has no /ui on the probes-and-metrics listener', async () => {
    const changes = createChangeSignal();
    const ui = createUiHttp({ data: untranslatedData(), changes, ui: { assets: async () => ASSETS } });
    const servers: AdminServer[] = [];
    try {
      const probes = createAdminServer({ address: '127.0.0.1:0', logger: silentLogger(), serves: 'probes-and-metrics', ui, handlers: { readiness: () => ({ ready: true, waitingFor: [] }), metrics: async () => ({ contentType: 'text/plain', text: '' }), views: {} } });
      servers.push(probes);
      const port = await probes.start();
      expect((await request(port, '/ui/')).status).toBe(404);
      const debug = createAdminServer({ address: '127.0.0.1:0', logger: silentLogger(), ui, handlers: { readiness: () => ({ ready: true, waitingFor: [] }), metrics: async () => ({ contentType: 'text/plain', text: '' }), views: {} } });
      servers.push(debug);
      const debugPort = await debug.start();
      expect((await request(debugPort, '/ui/')).status).toBe(200);
      // Before the first translation the graph says so rather than failing.
      const graph = await request(debugPort, '/ui/api/graph');
      expect(graph.status).toBe(503);
      expect(JSON.parse(graph.body)).toEqual({ error: 'no snapshot translated yet' });
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it('refuses event streams past the limit with 503, and takes one again once a stream closes', async () => {
    const changes = createChangeSignal();
    const ui = createUiHttp({ data: untranslatedData(), changes, events: { maxStreams: 2 } });
    const admin = createAdminServer({ address: '127.0.0.1:0', logger: silentLogger(), ui, handlers: { readiness: () => ({ ready: true, waitingFor: [] }), metrics: async () => ({ contentType: 'text/plain', text: '' }), views: {} } });
    const port = await admin.start();
    try {
      const a = await openEvents(port);
      const b = await openEvents(port);
      expect(await a.next()).toEqual({ graph: 'none', dataplane: expect.any(String) });
      await b.next();
      // HEAD answers the headers and holds no stream.
      const head = await request(port, '/ui/api/events', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const refused = await request(port, '/ui/api/events');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      a.close();
      await a.ended;
      // The server notices the close on its side too.
      for (let i = 0; i < 100 && ui.events.streams() > 1; i++) await new Promise((r) => setImmediate(r));
      expect(ui.events.streams()).toBe(1);
      const c = await openEvents(port);
      expect(c.status).toBe(200);
    } finally {
      await admin.close();
    }
  });
});
