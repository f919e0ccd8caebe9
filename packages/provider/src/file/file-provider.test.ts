import { createHook } from 'node:async_hooks';
import { appendFileSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileProvider } from './file-provider.js';
import { createHarness, gatewayFile, listenerPort, namespace, names, sleep, waitFor, type Harness } from './file-provider.test-util.js';

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.close();
});

describe('file provider: start and stop', () => {
  it('starts with every resource file read, in path order', async () => {
    h.write('b.yaml', namespace('b'));
    h.write('a/z.yml', `${namespace('az')}---\n${namespace('az2')}`);
    h.write('a.json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a-json' } }));
    h.write('.hidden.yaml', namespace('hidden'));
    h.write('notes.txt', 'not: yaml: at all');
    const snapshot = await h.open().start();
    expect(snapshot.generation).toBe(1);
    expect(names(snapshot)).toEqual(['a-json', 'az', 'az2', 'b']);
    expect(snapshot.resources.get('Namespace', undefined, 'az2')).toBeDefined();
    expect(h.provider.current()).toBe(snapshot);
    expect(h.provider.sources().map((s) => [s.source, s.state, s.objects])).toEqual([
      ['a.json', 'ok', 1],
      ['a/z.yml', 'ok', 2],
      ['b.yaml', 'ok', 1],
    ]);
    // start() is idempotent; listeners hear only changes after it.
    expect(await h.provider.start()).toBe(snapshot);
    expect(h.published).toEqual([]);
  });

  it('rejects start with a clear error when the folder is missing or is a file', async () => {
    await expect(createFileProvider({ directory: h.path('nope') }).start()).rejects.toThrow(
      `file provider: cannot watch resources folder ${h.path('nope')}: no such directory`,
    );
    const file = h.write('a.yaml', namespace('a'));
    await expect(createFileProvider({ directory: file }).start()).rejects.toThrow(/: not a directory$/);
  });

  it('starts even when a file is broken: the others serve, the broken one is reported', async () => {
    h.write('a.yaml', namespace('a'));
    h.write('gw.yaml', gatewayFile('"abc"'));
    const snapshot = await h.open().start();
    expect(names(snapshot)).toEqual(['a']);
    const broken = h.provider.sources().find((s) => s.source === 'gw.yaml');
    expect(broken).toMatchObject({ state: 'error', objects: 0, error: expect.stringContaining('gw.yaml: document 2') });
    expect(broken?.lastGoodAt).toBeUndefined();
  });

  it('leaves no watcher or timer behind after stop, and publishes nothing more', async () => {
    // Closed handles leave the list in the loop's close phase: sample after a turn of the loop.
    await sleep(10);
    const before = process.getActiveResourcesInfo();
    // Timers are told apart by where they were made: a Jest worker runs other code beside this test (its
    // own timers, an earlier file's leftovers), so only timers the provider's code made are this test's.
    // A Timeout is marked `_destroyed` the moment it is cleared or has fired (Node's timers.js), unlike
    // the destroy hook, which a loaded machine may deliver turns later.
    const providerTimers: { timeout: { _destroyed?: boolean }; stack: string; afterStop: boolean }[] = [];
    let stopping = false;
    const hook = createHook({
      init: (_id, type, _trigger, timeout) => {
        if (type !== 'Timeout') return;
        const made = (new Error().stack ?? '').split('\n').filter((line) => /provider\/src\/file\/(?!.*test)/.test(line));
        if (made.length > 0) providerTimers.push({ timeout: timeout as { _destroyed?: boolean }, stack: made.join('\n'), afterStop: stopping });
      },
    }).enable();
    let pending: string[];
    try {
      h.write('a.yaml', namespace('a'));
      h.write('sub/b.yaml', namespace('b'));
      await h.open({ rescanIntervalMs: 50 }).start();
      expect(process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length).toBe(2);
      h.write('a.yaml', namespace('a2')); // leaves a debounce timer pending
      await sleep(5);
      stopping = true;
      await h.provider.stop();
      pending = providerTimers.filter((t) => t.timeout._destroyed !== true).map((t) => t.stack);
      // Closed watchers leave the list in the loop's close phase.
      await sleep(10);
    } finally {
      hook.disable();
    }
    expect(providerTimers.length).toBeGreaterThan(0); // the check sees the provider's timers at all
    expect(pending).toEqual([]);
    expect(providerTimers.filter((t) => t.afterStop).map((t) => t.stack)).toEqual([]);
    const after = process.getActiveResourcesInfo();
    const count = (list: string[], kind: string) => list.filter((r) => r === kind).length;
    expect(count(after, 'FSEventWrap')).toBe(count(before, 'FSEventWrap'));
    await sleep(100);
    expect(h.published).toEqual([]);
  });
});

describe('file provider: changes', () => {
  it('publishes an added file, an edit and a deletion', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open().start();

    h.write('c.yaml', namespace('c'));
    await waitFor('the added file', () => h.published.length === 1);
    expect(h.published[0]!.generation).toBe(2);
    expect(names(h.published[0]!)).toEqual(['a', 'c']);
    expect(h.provider.current()).toBe(h.published[0]);

    h.write('c.yaml', namespace('c2'));
    await waitFor('the edit', () => h.published.length === 2);
    expect(names(h.published[1]!)).toEqual(['a', 'c2']);
    expect(h.published[1]!.resources.get('Namespace', undefined, 'c')).toBeUndefined();

    unlinkSync(h.path('c.yaml'));
    await waitFor('the deletion', () => h.published.length === 3);
    expect(names(h.published[2]!)).toEqual(['a']);
    expect(h.provider.sources().map((s) => s.source)).toEqual(['a.yaml']);
    expect(h.published.map((s) => s.generation)).toEqual([2, 3, 4]);
    expect(h.published.map((s) => s.changes)).toEqual([
      [{ kind: 'Namespace', name: 'c', type: 'upsert' }],
      [{ kind: 'Namespace', name: 'c2', type: 'upsert' }, { kind: 'Namespace', name: 'c', type: 'delete' }],
      [{ kind: 'Namespace', name: 'c2', type: 'delete' }],
    ]);
  });

  it('an edit of one document reports only that object; the others of the file keep their identity', async () => {
    h.write('many.yaml', [namespace('one'), namespace('two'), namespace('three')].join('---\n'));
    const first = await h.open().start();
    expect(first.changes).toBeUndefined();
    h.write('many.yaml', [namespace('one'), `apiVersion: v1\nkind: Namespace\nmetadata: {name: two, labels: {team: a}}\n`, namespace('three')].join('---\n'));
    await waitFor('the edit', () => h.published.length === 1);
    const next = h.published[0]!;
    expect(next.changes).toEqual([{ kind: 'Namespace', name: 'two', type: 'upsert' }]);
    // When the watch first heard of it (the start of convergence), on the provider's clock: before the publish.
    expect(first.changedAt).toBeUndefined();
    expect(next.changedAt).toBeGreaterThan(0);
    expect(next.changedAt).toBeLessThanOrEqual(performance.now());
    expect(next.objects[0]).toBe(first.objects[0]);
    expect(next.objects[2]).toBe(first.objects[2]);
    expect(next.objects[1]).not.toBe(first.objects[1]);
  });

  it('publishes a burst of 10 edits once', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open().start();
    for (let i = 0; i < 10; i++) h.write('a.yaml', namespace(`a${i}`));
    await waitFor('the burst', () => h.published.length > 0);
    await sleep(200); // ten hold-offs: any second publish would have happened
    expect(h.published.map(names)).toEqual([['a9']]);
  });

  it('publishes nothing for a touch, a same-content rewrite, a comment-only edit or an empty file', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open().start();
    utimesSync(h.path('a.yaml'), new Date(), new Date(Date.now() + 10_000));
    await h.provider.rescan();
    h.write('a.yaml', namespace('a'));
    await h.provider.rescan();
    h.write('a.yaml', `# the platform team's namespace\n${namespace('a')}`);
    await h.provider.rescan();
    h.write('empty.yaml', '# nothing yet\n');
    await h.provider.rescan();
    await sleep(100); // the watcher's own passes find nothing either
    expect(h.published).toEqual([]);
    expect(h.provider.current().generation).toBe(1);
  });

  it('watches folders created after start', async () => {
    await h.open().start();
    h.write('team/x.yaml', namespace('x'));
    await waitFor('the new folder', () => h.published.length === 1);
    // Without a periodic rescan, only a watch on the new folder can see this edit.
    h.write('team/x.yaml', namespace('x2'));
    await waitFor('the edit in the new folder', () => h.published.length === 2);
    expect(names(h.published[1]!)).toEqual(['x2']);
    rmSync(h.path('team'), { recursive: true });
    await waitFor('the removed folder', () => h.published.length === 3);
    expect(names(h.published[2]!)).toEqual([]);
    // Made again under the same name (ext4 even reuses the inode number): a new watch is needed.
    h.write('team/y.yaml', namespace('yy')); // (a bare `y` is YAML 1.1 for true)
    await waitFor('the remade folder', () => h.published.length === 4);
    h.write('team/y.yaml', namespace('yy2'));
    await waitFor('the edit in the remade folder', () => h.published.length === 5);
    expect(names(h.published[4]!)).toEqual(['yy2']);
  });

  it('keeps a file that an editor deletes and recreates (one missing pass is not a deletion)', async () => {
    h.write('a.yaml', namespace('a'));
    await h.open({ holdOffMs: 300 }).start();
    renameSync(h.path('a.yaml'), h.path('a.yaml~'));
    await h.provider.rescan();
    expect(names(h.provider.current())).toEqual(['a']);
    h.write('a.yaml', namespace('a'));
    unlinkSync(h.path('a.yaml~'));
    await h.provider.rescan();
    expect(h.published).toEqual([]);

    unlinkSync(h.path('a.yaml'));
    await h.provider.rescan();
    await h.provider.rescan();
    expect(h.published.map(names)).toEqual([[]]);
  });

  it('follows a ConfigMap volume update (kubelet swaps the ..data symlink) with one publish', async () => {
    h.write('..2025_01_01/gw.yaml', gatewayFile(80));
    symlinkSync('..2025_01_01', h.path('..data'));
    symlinkSync('..data/gw.yaml', h.path('gw.yaml'));
    const first = await h.open().start();
    expect(listenerPort(first)).toBe(80);
    // kubelet's AtomicWriter: write the new version aside, repoint a temp link, rename it over ..data.
    h.write('..2025_01_02/gw.yaml', gatewayFile(8080));
    symlinkSync('..2025_01_02', h.path('..data_tmp'));
    renameSync(h.path('..data_tmp'), h.path('..data'));
    rmSync(h.path('..2025_01_01'), { recursive: true });
    await waitFor('the new version', () => h.published.length === 1);
    await sleep(100);
    expect(h.published.map(listenerPort)).toEqual([8080]);
    expect(h.provider.sources().map((s) => s.source)).toEqual(['gw.yaml']);
  });

  it('catches up through the periodic rescan when fs.watch misses a change', async () => {
    // A write through a hard link outside the folder changes the file but raises no inotify event on
    // the folder: the same blind spot as network and Docker Desktop volumes.
    const outside = join(h.dir, '..', `${h.dir.split('/').pop()}-outside.yaml`);
    writeFileSync(outside, namespace('a'));
    linkSync(outside, h.path('a.yaml'));
    try {
      await h.open({ rescanIntervalMs: 50 }).start();
      appendFileSync(outside, `---\n${namespace('b')}`);
      await waitFor('the rescan', () => h.published.length === 1);
      expect(names(h.published[0]!)).toEqual(['a', 'b']);
    } finally {
      rmSync(outside, { force: true });
    }
  });

  it('warns when two files define the same object; the later file wins in place', async () => {
    h.write('a.yaml', gatewayFile(80));
    h.write('b.yaml', gatewayFile(8080));
    const snapshot = await h.open().start();
    expect(names(snapshot)).toEqual(['infra', 'eg']);
    expect(listenerPort(snapshot)).toBe(8080);
    expect(h.provider.sources().find((s) => s.source === 'b.yaml')?.warnings).toEqual([
      'Namespace infra is also defined in a.yaml; the later definition wins',
      'Gateway infra/eg is also defined in a.yaml; the later definition wins',
    ]);
  });

  it('reports unknown fields (pruned) as warnings of the file, in the log and the source status', async () => {
    h.write('a.yaml', gatewayFile(80).replace('protocol: HTTP,', 'protocol: HTTP, prot: 1,'));
    const snapshot = await h.open().start();
    expect(listenerPort(snapshot)).toBe(80);
    const warning = 'document 2: Gateway infra/eg: unknown field spec.listeners[0].prot (did you mean spec.listeners[0].port?)';
    expect(h.provider.sources().find((s) => s.source === 'a.yaml')?.warnings).toEqual([warning]);
    expect(h.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'resource file loaded with warnings', meta: expect.objectContaining({ warnings: [warning] }) }));
    expect(snapshot.resources.get('Gateway', 'infra', 'eg')?.spec.listeners[0]).not.toHaveProperty('prot');
  });

  it('survives folders created and deleted between scans', async () => {
    await h.open().start();
    mkdirSync(h.path('a/b/c'), { recursive: true });
    rmSync(h.path('a'), { recursive: true });
    h.write('z.yaml', namespace('z'));
    await waitFor('the file after the churn', () => h.published.length === 1);
    expect(names(h.provider.current())).toEqual(['z']);
  });
});
