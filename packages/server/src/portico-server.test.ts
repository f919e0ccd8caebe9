import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { demoObjects, fakeProvider, GATEWAY, type FakeProvider } from './fixtures.test-util.js';
import { createLogger } from './logger.js';
import { createPorticoServer, type PorticoServer, type StartedServer } from './portico-server.js';

function logCapture() {
  const stream = new PassThrough();
  const entries: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) entries.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ stream, format: 'json', level: 'debug' }), entries };
}

describe('createPorticoServer', () => {
  let provider: FakeProvider;
  let server: PorticoServer;
  let started: StartedServer;
  let logs: ReturnType<typeof logCapture>;
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${started.adminPort}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const getJson = async (path: string) => {
    const { status, text } = await get(path);
    return { status, body: JSON.parse(text) as Record<string, any> };
  };

  beforeAll(async () => {
    provider = fakeProvider(demoObjects());
    logs = logCapture();
    server = createPorticoServer({ provider, xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', logger: logs.logger, shutdownGraceMs: 500 });
    started = await server.start();
  });

  afterAll(async () => {
    await server?.shutdown();
  });

  it('is healthy and ready once the first snapshot is published', async () => {
    expect(started.xdsPort).toBeGreaterThan(0);
    expect(await getJson('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'info', message: 'snapshot published', gateway: GATEWAY }));
    // The demo's second rule names a Service that does not exist: logged with the route's kind/namespace/name.
    expect(logs.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', kind: 'GRPCRoute', namespace: 'default', name: 'echo', reason: 'ResolvedRefs: BackendNotFound' }),
    );
  });

  it('serves the IR (redacted), the xDS config dump and the statuses, per gateway and as YAML', async () => {
    const ir = await getJson(`/debug/ir?gateway=${GATEWAY}`);
    expect(Object.keys(ir.body.ir)).toEqual([GATEWAY]);
    const xds = await getJson('/debug/xds');
    expect(Object.keys(xds.body.xds[GATEWAY])).toEqual(['listeners', 'routes', 'clusters', 'endpoints', 'secrets']);
    expect(xds.body.versions[GATEWAY]).toMatch(/-1$/);
    const yaml = await get('/debug/status?format=yaml');
    expect(yaml.type).toMatch(/^application\/yaml/);
    const status = parse(yaml.text) as { objects: { kind: string; status?: unknown }[]; sources: unknown[]; diagnostics: unknown[] };
    expect(status.objects.map((o) => o.kind)).toEqual(['GatewayClass', 'Gateway', 'GRPCRoute']);
    expect(status.sources).toEqual([expect.objectContaining({ source: 'demo.yaml', state: 'ok' })]);
    const clients = (await getJson('/debug/clients')).body;
    // No Envoy connected: the served version, and no convergence to report.
    expect(clients).toEqual({ clients: [], quarantined: [], gateways: { [GATEWAY]: { servedVersion: xds.body.versions[GATEWAY] } } });
  });

  it('answers unknown paths, gateways, formats and methods with JSON errors', async () => {
    expect(await getJson('/nope')).toMatchObject({ status: 404, body: { error: "no such path '/nope'" } });
    expect(await getJson('/debug/ir?gateway=default/none')).toEqual({ status: 404, body: { error: "no gateway 'default/none'" } });
    expect(await getJson('/debug/ir?gateway=nonamespace')).toMatchObject({ status: 400 });
    expect(await getJson('/debug/ir?format=xml')).toMatchObject({ status: 400 });
    const post = await fetch(`http://127.0.0.1:${started.adminPort}/debug/ir`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('follows the provider: a changed route is published, a vanished gateway is removed', async () => {
    provider.emit(demoObjects({ headerValue: 'beta' }));
    await server.settled();
    const xds = await getJson('/debug/xds');
    expect(xds.body.versions[GATEWAY]).toMatch(/-2$/);
    expect(JSON.stringify(xds.body.xds[GATEWAY].routes)).toContain('beta');

    provider.emit(demoObjects({ headerValue: 'beta', gatewayName: 'renamed' }));
    await server.settled();
    expect(Object.keys((await getJson('/debug/xds')).body.xds)).toEqual(['default/renamed']);
    expect(logs.entries).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^gateway removed/), gateway: GATEWAY }));
    provider.emit(demoObjects({ headerValue: 'beta' }));
  });

  it('is not ready while snapshots fail to translate, says why in /readyz and /debug/status, and recovers', async () => {
    // Not a ResourceSet: the whole translation throws, as a bug of ours would make it.
    provider.emitResources(demoObjects({ headerValue: 'gamma' }), {} as never);
    await server.settled();
    const ready = await getJson('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.waitingFor).toEqual([expect.stringMatching(/^the latest snapshot \(generation \d+\) failed to translate: /)]);
    const status = await getJson('/debug/status');
    expect(status.body.pipeline.translationFailure).toMatchObject({ error: expect.any(String) });
    provider.emit(demoObjects({ headerValue: 'beta' }));
    await server.settled();
    expect(await getJson('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await getJson('/debug/status')).body.pipeline).toEqual({ gatewayFailures: [], failingObjects: [] });
  });

  it('exports reconcile, translation and xDS metrics in one scrape', async () => {
    const { status, type, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    expect(text).toMatch(/^portico_reconcile_total\{kind="GRPCRoute",result="success"\} \d+$/m);
    expect(text).toMatch(/^portico_reconcile_duration_seconds_count\{kind="Gateway"\} \d+$/m);
    expect(text).toMatch(/^portico_translation_duration_seconds_count \d+$/m);
    expect(text).toMatch(/^portico_gateways 1$/m);
    expect(text).toMatch(/^portico_resources\{kind="Service"\} 1$/m);
    expect(text).toMatch(/^portico_source_errors 0$/m);
    expect(text).toMatch(/^portico_xds_connected_clients\{protocol="sotw"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^portico_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
    expect(text).toMatch(/^portico_event_loop_delay_seconds\{quantile="1"\} [\d.e-]+$/m);
  });

  it('stops the provider on shutdown and is no longer ready', async () => {
    await server.shutdown();
    expect(provider.stopped).toBe(true);
    expect(server.readiness().ready).toBe(false);
    await expect(fetch(`http://127.0.0.1:${started.adminPort}/healthz`)).rejects.toThrow();
  });
});

describe('createPorticoServer with Envoys beside it (--run-envoy)', () => {
  it('tells them the gateways after each reconcile and stops them first on shutdown', async () => {
    const calls: string[] = [];
    const envoys = {
      sync: async (gateways: Iterable<string>) => void calls.push(`sync ${[...gateways].join(',')}`),
      stop: async () => void calls.push('stop'),
    };
    const provider = fakeProvider(demoObjects());
    const server = createPorticoServer({ provider, xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', envoys });
    await server.start();
    provider.emit(demoObjects({ gatewayName: 'renamed' }));
    await server.shutdown();
    expect(calls).toEqual([`sync ${GATEWAY}`, 'sync default/renamed', 'stop']);
  });
});

describe('createPorticoServer start-up failures', () => {
  it('reports an address in use and releases what it had bound', async () => {
    const first = createPorticoServer({ provider: fakeProvider(demoObjects()), xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0' });
    const { adminPort } = await first.start();
    const second = createPorticoServer({ provider: fakeProvider(demoObjects()), xdsAddress: '127.0.0.1:0', adminAddress: `127.0.0.1:${adminPort}` });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await first.shutdown();
  });

  it('rejects when the provider cannot start, and closes the servers', async () => {
    const provider = fakeProvider([], { failStart: new Error('cannot read the folder') });
    const server = createPorticoServer({ provider, xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0' });
    await expect(server.start()).rejects.toThrow('cannot read the folder');
    expect(provider.stopped).toBe(true);
  });
});

describe('createPorticoServer with a metrics address', () => {
  it('serves the probes and /metrics there, /debug only on the admin address', async () => {
    const server = createPorticoServer({ provider: fakeProvider(demoObjects()), xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', metricsAddress: '127.0.0.1:0' });
    const { adminPort, metricsPort } = await server.start();
    try {
      expect(metricsPort).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toMatch(/^portico_gateways 1$/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/debug/xds`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${adminPort}/debug/xds`)).status).toBe(200);
    } finally {
      await server.shutdown();
    }
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
  });
});
