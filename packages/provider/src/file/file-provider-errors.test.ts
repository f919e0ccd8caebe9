import { mkdirSync, rmSync } from 'node:fs';
import { createHarness, gatewayFile, listenerPort, namespace, names, sleep, waitFor, type Harness } from './file-provider.test-util.js';

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.close();
});

const NOW = new Date('2025-01-02T03:04:05.000Z');

describe('file provider: a broken edit', () => {
  it('keeps the last good objects, reports file, document and field, and publishes the fix', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile(80));
    const first = await h.open({ now: () => NOW }).start();
    expect(listenerPort(first)).toBe(80);

    h.write('gw.yaml', gatewayFile('"abc"'));
    await waitFor('the error', () => h.provider.sources().some((s) => s.state === 'error'));
    const message = 'gw.yaml: document 2 (Gateway infra/eg): spec.listeners[0].port: must be integer (got string "abc")';
    expect(h.provider.sources()).toEqual([
      { source: 'a.yaml', state: 'ok', objects: 1, warnings: [], lastGoodAt: NOW.toISOString() },
      { source: 'gw.yaml', state: 'error', objects: 2, error: message, warnings: [], lastGoodAt: NOW.toISOString(), lastErrorAt: NOW.toISOString() },
    ]);
    expect(h.logger.entries).toContainEqual({
      level: 'error',
      message: 'resource file rejected; serving its last good version',
      meta: { file: 'gw.yaml', error: message, objects: 2 },
    });
    // Nothing lost, nothing published.
    expect(h.provider.current()).toBe(first);
    expect(h.published).toEqual([]);

    // A second, different mistake: still the last good objects.
    h.write('gw.yaml', 'kind: [');
    await waitFor('the syntax error', () => /line 1, column/.test(h.provider.sources()[1]?.error ?? ''));
    expect(h.provider.current()).toBe(first);

    h.write('gw.yaml', gatewayFile(8080));
    await waitFor('the fix', () => h.published.length === 1);
    expect(listenerPort(h.published[0]!)).toBe(8080);
    expect(names(h.published[0]!)).toEqual(['a', 'infra', 'eg']);
    expect(h.provider.sources()[1]).toMatchObject({ state: 'ok', objects: 2 });
    expect(h.provider.sources()[1]?.error).toBeUndefined();
    expect(h.logger.entries.map((e) => e.message)).toContain('resource file valid again');
  });

  it('publishes nothing when a broken file is put back as it was', async () => {
    h.write('gw.yaml', gatewayFile(80));
    await h.open().start();
    h.write('gw.yaml', gatewayFile('"abc"'));
    await h.provider.rescan();
    h.write('gw.yaml', gatewayFile(80));
    await h.provider.rescan();
    expect(h.provider.sources()[0]?.state).toBe('ok');
    expect(h.published).toEqual([]);
  });

  it('drops a broken file that is deleted', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile(80));
    await h.open().start();
    h.write('gw.yaml', gatewayFile('"abc"'));
    await h.provider.rescan();
    rmSync(h.path('gw.yaml'));
    await waitFor('the deletion', () => h.published.length === 1);
    expect(names(h.published[0]!)).toEqual(['a']);
    expect(h.provider.sources().map((s) => s.source)).toEqual(['a.yaml']);
  });
});

describe('file provider: the folder itself', () => {
  it('keeps serving when the folder disappears, reports it, and recovers', async () => {
    h.write('a.yaml', namespace('a'));
    const first = await h.open().start();
    rmSync(h.dir, { recursive: true });
    await h.provider.rescan();
    expect(h.provider.current()).toBe(first);
    expect(h.provider.sources()[0]).toMatchObject({ source: h.dir, state: 'error', error: expect.stringContaining('ENOENT') });
    expect(h.logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toContain(
      'cannot read resources folder; serving the last good resources',
    );

    mkdirSync(h.dir);
    h.write('b.yaml', namespace('b'));
    await h.provider.rescan(); // a.yaml missing once: kept for now
    await h.provider.rescan();
    expect(h.provider.sources().map((s) => [s.source, s.state])).toEqual([['b.yaml', 'ok']]);
    expect(names(h.provider.current())).toEqual(['b']);
    // The folder is watched again, not only rescanned.
    h.write('b.yaml', namespace('b2'));
    await waitFor('an edit in the recreated folder', () => names(h.provider.current())[0] === 'b2');
  });
});

describe('file provider: listeners', () => {
  it('calls every listener after publishing, even when one throws or rejects', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open().start();
    const seen: number[] = [];
    h.provider.onChange(() => {
      throw new Error('listener bug');
    });
    h.provider.onChange(async () => {
      throw new Error('async listener bug');
    });
    h.provider.onChange((snapshot) => {
      // After publish: current() already is the snapshot being announced.
      expect(h.provider.current()).toBe(snapshot);
      seen.push(snapshot.generation);
    });
    h.write('a.yaml', namespace('a2'));
    await waitFor('the first change', () => seen.length === 1);
    h.write('a.yaml', namespace('a3'));
    await waitFor('the second change', () => seen.length === 2);
    await sleep(10);
    expect(seen).toEqual([2, 3]);
    const failures = h.logger.entries.filter((e) => e.message === 'resource change listener failed');
    expect(failures).toHaveLength(4);
    expect(String(failures[1]?.meta?.['error'])).toContain('async listener bug');
  });

  it('stops calling a listener once unsubscribed', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open().start();
    const seen: number[] = [];
    const unsubscribe = h.provider.onChange((s) => seen.push(s.generation));
    h.write('a.yaml', namespace('a2'));
    await waitFor('the change', () => seen.length === 1);
    unsubscribe();
    h.write('a.yaml', namespace('a3'));
    await waitFor('the second change', () => h.published.length === 2);
    expect(seen).toEqual([2]);
  });

  it('refuses current() and rescan() before start', async () => {
    const provider = h.open();
    expect(() => provider.current()).toThrow('before start() resolved');
    await expect(provider.rescan()).rejects.toThrow('before start()');
  });
});

describe('file provider: an object a CEL rule of the CRDs refuses', () => {
  it('is reported like a schema error (file, document, field, the rule\'s message); every other file loads', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile(80).replace('  - {name: http, protocol: HTTP, port: 80}', '  - {name: http, protocol: HTTP, port: 80}\n  - {name: http2, protocol: HTTP, port: 80}'));
    const first = await h.open({ now: () => NOW }).start();
    expect(names(first)).toEqual(['a']);
    const message = 'gw.yaml: document 2 (Gateway infra/eg): spec.listeners: Invalid value: Combination of port, protocol and hostname must be unique for each listener';
    expect(h.provider.sources()).toEqual([
      { source: 'a.yaml', state: 'ok', objects: 1, warnings: [], lastGoodAt: NOW.toISOString() },
      expect.objectContaining({ source: 'gw.yaml', state: 'error', objects: 0, error: message }),
    ]);

    h.write('gw.yaml', gatewayFile(80));
    await waitFor('the fix', () => h.published.length === 1);
    expect(names(h.published[0]!)).toEqual(['a', 'infra', 'eg']);
  });
});

