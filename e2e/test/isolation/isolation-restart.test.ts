/**
 * Issue 12 through real Envoy: what a file can do to other teams' traffic across restarts and writes.
 *   (a) a broken file, then a restart (SIGKILL, as an OOM kill): with --state-dir, the objects served
 *       before are served after, to the Envoy connected before and to one connected after;
 *   (b) a writer that truncates, then writes, while requests flow: no 404;
 *   (c) a symlink to a file outside the folder: not followed, nothing of it quoted;
 *   (d) an oversized annotation and an alias bomb: refused with their errors, memory bounded.
 * `portico serve` runs as a child process (the compiled CLI: run `npx tsc -b` first) and the Envoy is
 * started here from ENVOY_BIN with `portico bootstrap`'s config, so it outlives the restarts. Skipped
 * without ENVOY_BIN.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { gatewayYaml, serviceYaml } from '../support/isolation-fixtures.js';
import { closeEcho, startEcho, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(120_000);

/** A team's Service, its endpoint (the echo backend) and its route on /<team>. */
const teamYaml = (team: string, backendPort: number) => `${serviceYaml('default', team, backendPort)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${team}, namespace: default}
spec:
  parentRefs: [{name: shared}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /${team}}}]
    backendRefs: [{name: ${team}, port: 80}]
`;

/** Peak resident memory (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match![1]) / 1024);
}

describeWithEnvoy('isolation across restarts and writes, through real Envoy', () => {
  let dir: string;
  let resources: string;
  let stateDir: string;
  let backend: Echo;
  let listener: string;
  let ports: { xds: number; admin: number };
  let serve: ServeProcess | undefined;
  const envoys: EnvoyProcess[] = [];
  const figures: Record<string, number> = {};

  async function get(path: string): Promise<number> {
    try {
      const response = await fetch(`${listener}${path}`, { signal: AbortSignal.timeout(5000) });
      await response.text();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** Polls until both teams answer 200; the time it took. */
  async function untilServed(what: string, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    let last: number[] = [];
    for (;;) {
      last = [await get('/team-a'), await get('/team-b')];
      if (last.every((s) => s === 200)) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what} (last: ${last}):\n${serve?.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function startServe(): Promise<ServeProcess> {
    serve = await startServeProcess({ resources, ports, extraArgs: ['--state-dir', stateDir, '--log-level', 'info'] });
    figures.readyMs = await serve.waitReady(30_000);
    return serve;
  }

  async function status(file: string): Promise<Record<string, any> | undefined> {
    const { body } = await serve!.admin('/debug/status');
    return (body.sources as Record<string, any>[]).find((s) => s.source === file);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-restart-'));
    resources = join(dir, 'resources');
    stateDir = join(dir, 'state');
    backend = await startEcho('ok');
    const listenerPort = await freePort();
    listener = `http://127.0.0.1:${listenerPort}`;
    ports = { xds: await freePort(), admin: await freePort() };
    mkdirSync(resources);
    writeFileSync(join(resources, '10-gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-isolation', namespace: 'default' }));
    writeFileSync(join(resources, '20-team-a.yaml'), teamYaml('team-a', backend.port));
    writeFileSync(join(resources, '30-team-b.yaml'), teamYaml('team-b', backend.port));
    await startServe();
    envoys.push(await startEnvoy({ gateway: 'default/shared', xdsPort: ports.xds, nodeId: 'envoy-before' }));
    figures.firstTrafficMs = await untilServed('the first config');
  });

  afterAll(async () => {
    await serve?.stop('SIGTERM', 20_000);
    await Promise.all(envoys.map((e) => e.stop()));
    if (backend) {
      await closeEcho(backend);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`isolation-restart figures: ${JSON.stringify(figures)}`);
  });

  test('(a) a broken file, then a kill and restart: both teams keep serving, for Envoys connected before and after', async () => {
    writeFileSync(join(resources, '30-team-b.yaml'), teamYaml('team-b', backend.port).replace('{name: team-b, port: 80}', '{name: team-b, port: "80"}'));
    for (let i = 0; i < 100 && (await status('30-team-b.yaml'))?.state !== 'error'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await status('30-team-b.yaml')).toMatchObject({ state: 'error', objects: 3 });

    // An OOM kill: no shutdown, nothing flushed.
    const killedAt = Date.now();
    await serve!.stop('SIGKILL');
    expect([await get('/team-a'), await get('/team-b')]).toEqual([200, 200]); // Envoy keeps its config meanwhile
    await startServe();
    figures.restartReadyMs = Date.now() - killedAt;
    const restored = await status('30-team-b.yaml');
    expect(restored).toMatchObject({ state: 'error', objects: 3, servedFrom: 'state-dir', error: expect.stringContaining('30-team-b.yaml: document 3 (HTTPRoute default/team-b)') });

    // The Envoy connected before the restart reconnects to a snapshot that still routes both teams (its
    // delta reconnect names the versions it runs: equal content hashes, nothing needs sending).
    await waitForClient('envoy-before');
    figures.restartToReconnectedMs = Date.now() - killedAt;
    const { body: xds } = await serve!.admin('/debug/xds?gateway=default/shared');
    expect(JSON.stringify(xds)).toContain('/team-b');
    expect([await get('/team-a'), await get('/team-b')]).toEqual([200, 200]);

    // A fresh Envoy, connected after the restart, is served both teams too.
    await envoys.shift()!.stop();
    const connectedAt = Date.now();
    envoys.push(await startEnvoy({ gateway: 'default/shared', xdsPort: ports.xds, nodeId: 'envoy-after' }));
    await untilServed('a fresh Envoy');
    figures.freshEnvoyServedMs = Date.now() - connectedAt;

    // Fixed: back to normal, the file itself serves again.
    writeFileSync(join(resources, '30-team-b.yaml'), teamYaml('team-b', backend.port));
    for (let i = 0; i < 100 && (await status('30-team-b.yaml'))?.state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await status('30-team-b.yaml'))?.servedFrom).toBeUndefined();
  });

  test('(b) a writer that truncates, then writes, while requests flow: no 404', async () => {
    const file = join(resources, '30-team-b.yaml');
    const text = readFileSync(file, 'utf8');
    let writing = true;
    let rewrites = 0;
    // Longer than the provider's hold-off (100 ms) between truncate and write: a pass sees the empty file.
    const writer = (async () => {
      while (writing) {
        truncateSync(file, 0);
        await new Promise((r) => setTimeout(r, 150));
        writeFileSync(file, text);
        rewrites++;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const answers: number[] = [];
    try {
      for (let i = 0; i < 150; i++) {
        answers.push(await get(i % 2 ? '/team-a' : '/team-b'));
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      writing = false;
      await writer;
    }
    figures.truncateRewrites = rewrites;
    figures.truncateRequests = answers.length;
    figures.truncate404s = answers.filter((s) => s === 404).length;
    expect(rewrites).toBeGreaterThan(5);
    expect(answers.filter((s) => s !== 200)).toEqual([]);
  });

  test('(c) a symlink to a file outside the folder is neither followed nor quoted', async () => {
    const outside = join(dir, 'passwd');
    writeFileSync(outside, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    symlinkSync(outside, join(resources, '40-passwd.yaml'));
    for (let i = 0; i < 100 && !serve!.logs().some((l) => typeof l === 'object' && l.message === 'symlink leads out of the resources folder; not followed'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const { body } = await serve!.admin('/debug/status');
    const everything = `${JSON.stringify(body)}\n${serve!.tail(1000)}`;
    expect(everything).not.toContain('root:x');
    expect(everything).not.toContain(outside);
    expect((body.sources as { source: string }[]).map((s) => s.source)).not.toContain('40-passwd.yaml');
    expect([await get('/team-a'), await get('/team-b')]).toEqual([200, 200]);
  });

  test('(d) an oversized annotation and an alias bomb are refused with their errors; memory stays bounded', async () => {
    const pid = serve!.child.pid!;
    const peakBefore = peakRssMiB(pid);
    const big = 'x'.repeat(1024 * 1024);
    let bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  namespace: default\n  annotations:\n    a0: &big ${big}\n`;
    for (let i = 1; i < 100; i++) bomb += `    a${i}: *big\n`;
    writeFileSync(join(resources, '50-bomb.yaml'), bomb);
    const annotated = teamYaml('team-c', 1).replace('metadata: {name: team-c, namespace: default}\nspec:\n  parentRefs', `metadata:\n  name: team-c\n  namespace: default\n  annotations: {note: ${'y'.repeat(300 * 1024)}}\nspec:\n  parentRefs`);
    writeFileSync(join(resources, '60-annotated.yaml'), annotated);
    for (let i = 0; i < 200 && ((await status('50-bomb.yaml'))?.state !== 'error' || (await status('60-annotated.yaml'))?.state !== 'error'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await status('50-bomb.yaml'))?.error).toBe(
      '50-bomb.yaml: document 1: line 1, column 1: aliases expand to 103,809,024 bytes (99 MiB) more, over the limit of 1,572,864 bytes (1.5 MiB) per document',
    );
    expect((await status('60-annotated.yaml'))?.error).toBe(
      '60-annotated.yaml: document 3 (HTTPRoute default/team-c): metadata.annotations: Too long: must have at most 262144 bytes (has 307204)',
    );
    figures.peakRssBeforeBombMiB = peakBefore;
    figures.peakRssAfterBombMiB = peakRssMiB(pid);
    expect(figures.peakRssAfterBombMiB - peakBefore).toBeLessThan(150);
    expect([await get('/team-a'), await get('/team-b')]).toEqual([200, 200]);
  });

  /** Until the Envoy `node` has connected to the current server. */
  async function waitForClient(node: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const { body } = await serve!.admin('/debug/clients').catch(() => ({ body: {} as Record<string, any> }));
      const clients = (body.clients ?? []) as { nodeId?: string }[];
      if (clients.some((c) => c.nodeId === node)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${node} did not reconnect:\n${serve!.tail()}`);
  }
});
