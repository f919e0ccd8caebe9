import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, gatewayFile, listenerPort, namespace, names, waitFor, type Harness } from './file-provider.test-util.js';
import { STATE_FORMAT } from './state-store.js';

let h: Harness;
let stateDirectory: string;

beforeEach(() => {
  h = createHarness();
  stateDirectory = mkdtempSync(join(tmpdir(), 'portico-state-'));
  rmSync(stateDirectory, { recursive: true });
});

afterEach(async () => {
  await h.close();
  rmSync(stateDirectory, { recursive: true, force: true });
});

/** Stops the provider and opens a new one on the same folder: a restart. */
async function restart(options: Parameters<Harness['open']>[0] = {}) {
  await h.provider.stop();
  h.published.length = 0;
  return h.open({ stateDirectory, ...options }).start();
}

describe('file provider: last good objects survive a restart (--state-dir)', () => {
  it('serves a file broken at start from the state directory, and says so', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ stateDirectory }).start();
    h.write('gw.yaml', gatewayFile('"abc"')); // broken while running: last good kept (and saved)
    await h.provider.rescan();

    const restarted = await restart();
    expect(names(restarted)).toEqual(['a', 'infra', 'eg']);
    expect(listenerPort(restarted)).toBe(80);
    const status = h.provider.sources().find((s) => s.source === 'gw.yaml');
    expect(status).toMatchObject({ state: 'error', objects: 2, servedFrom: 'state-dir', error: expect.stringContaining('gw.yaml: document 2') });
    expect(h.logger.entries.map((e) => e.message)).toEqual(
      expect.arrayContaining(['resource file restored from the state directory', 'resource file rejected; serving the state directory']),
    );

    // Fixed: the file serves again, and is what the state directory keeps from now on.
    h.write('gw.yaml', gatewayFile(8080));
    await h.provider.rescan();
    expect(listenerPort(h.provider.current())).toBe(8080);
    expect(h.provider.sources().find((s) => s.source === 'gw.yaml')?.servedFrom).toBeUndefined();
    h.write('gw.yaml', 'kind: [');
    expect(listenerPort(await restart())).toBe(8080);
  });

  it('writes versioned, private entries atomically, and forgets files deleted while stopped', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('b.yaml', namespace('b'));
    await h.open({ stateDirectory }).start();
    const entries = readdirSync(stateDirectory);
    expect(entries).toHaveLength(2);
    expect(statSync(stateDirectory).mode & 0o777).toBe(0o700);
    for (const entry of entries) {
      expect(entry).toMatch(/^[0-9a-f]{64}\.[0-9a-f]{16}\.json$/);
      expect(statSync(join(stateDirectory, entry)).mode & 0o777).toBe(0o600);
      const [header, list] = readFileSync(join(stateDirectory, entry), 'utf8').split('\n');
      expect(JSON.parse(header!)).toMatchObject({ format: STATE_FORMAT, path: expect.stringMatching(/^[ab]\.yaml$/) });
      expect(JSON.parse(list!)).toMatchObject({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Namespace' }] });
    }
    await h.provider.stop();
    rmSync(h.path('b.yaml'));
    writeFileSync(join(stateDirectory, '.tmp-leftover'), 'half a write');
    expect(names(await restart())).toEqual(['a']);
    expect(readdirSync(stateDirectory)).toHaveLength(1);
  });

  it('refuses a state directory inside the resources folder (its entries would be read as resources)', async () => {
    h.write('a.yaml', namespace('a'));
    await expect(h.open({ stateDirectory: h.path('state') }).start()).rejects.toThrow(
      `file provider: cannot use state directory ${h.path('state')}: it is inside the resources folder`,
    );
  });

  it('refuses a tampered or foreign entry like a broken file (nothing from it is served)', async () => {
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ stateDirectory }).start();
    const [entry] = readdirSync(stateDirectory);
    const file = join(stateDirectory, entry!);
    const [header, list] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${header}\n${list!.replace('"port":80', '"port":"80"')}\n`);
    h.write('gw.yaml', 'kind: [');
    expect(names(await restart())).toEqual([]);
    expect(h.logger.entries.some((e) => e.message === 'state directory: cannot restore gw.yaml' && String(e.meta?.['error']).includes('must be integer'))).toBe(true);

    writeFileSync(file, `${header!.replace(STATE_FORMAT, 'portico.dev/file-state/v0')}\n${list}\n`);
    expect(names(await restart())).toEqual([]);
    expect(h.logger.entries.map((e) => e.message)).toContain('state entry of another format; ignored');
  });
});

describe('file provider: a file that shrinks keeps its objects until it settles', () => {
  it('a truncate-then-write never publishes the file without its objects', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ settleMs: 300 }).start();
    truncateSync(h.path('gw.yaml'), 0);
    await h.provider.rescan();
    expect(names(h.provider.current())).toEqual(['a', 'infra', 'eg']);
    expect(h.provider.sources().find((s) => s.source === 'gw.yaml')).toMatchObject({ state: 'ok', objects: 2, settling: { objects: 0 } });
    h.write('gw.yaml', gatewayFile(8080));
    await waitFor('the rewrite', () => h.published.length === 1);
    expect(h.published.map(listenerPort)).toEqual([8080]);
    expect(names(h.published[0]!)).toEqual(['a', 'infra', 'eg']);
  });

  it('an emptied file that stays empty loses its objects after the settle delay', async () => {
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ settleMs: 200 }).start();
    const emptied = Date.now();
    writeFileSync(h.path('gw.yaml'), '');
    await waitFor('the settled emptiness', () => h.published.length === 1);
    expect(Date.now() - emptied).toBeGreaterThanOrEqual(200);
    expect(names(h.published[0]!)).toEqual([]);
    expect(h.logger.entries.map((e) => e.message)).toContain('resource file settled with fewer objects');
  });

  it('an empty file at start with saved objects serves them until it settles', async () => {
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ stateDirectory }).start();
    await h.provider.stop();
    writeFileSync(h.path('gw.yaml'), '');
    const restarted = await restart({ settleMs: 200 });
    expect(listenerPort(restarted)).toBe(80);
    await waitFor('the settled emptiness', () => h.published.length === 1);
    expect(names(h.published[0]!)).toEqual([]);
  });
});

describe('file provider: inputs it refuses', () => {
  it('does not follow a symlink out of the folder, and never quotes its target', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portico-outside-'));
    try {
      writeFileSync(join(outside, 'passwd.yaml'), 'root:x:0:0:root:/root:/bin/bash\n');
      h.write('a.yaml', namespace('a'));
      symlinkSync(join(outside, 'passwd.yaml'), h.path('passwd.yaml'));
      symlinkSync(outside, h.path('etc'));
      const snapshot = await h.open().start();
      expect(names(snapshot)).toEqual(['a']);
      expect(h.provider.sources().map((s) => s.source)).toEqual(['a.yaml']);
      const logged = JSON.stringify(h.logger.entries);
      expect(logged).not.toContain('root:x');
      expect(logged).not.toContain(outside);
      expect(h.logger.entries.filter((e) => e.message === 'symlink leads out of the resources folder; not followed').map((e) => e.meta)).toEqual([
        { file: 'etc' },
        { file: 'passwd.yaml' },
      ]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a file over the size cap with its size and the limit; its last good objects stay', async () => {
    h.write('gw.yaml', gatewayFile(80));
    await h.open({ maxFileBytes: 1024 }).start();
    h.write('gw.yaml', `${gatewayFile(8080)}# ${'x'.repeat(2000)}\n`);
    await h.provider.rescan();
    expect(listenerPort(h.provider.current())).toBe(80);
    expect(h.provider.sources()[0]).toMatchObject({
      state: 'error',
      error: 'gw.yaml: file is 2,248 bytes (2.2 KiB), over the limit of 1,024 bytes (1 KiB) (--max-file-size)',
    });
  });
});
