import { describe, expect, it, jest } from '@jest/globals';
import { cachedResourcesFrom, createSnapshotCache } from './snapshot-cache.js';
import { CDS, EDS, LDS, res } from './streams/sotw-fixtures.test-util.js';
import type { CachedResource, ResourceSnapshot } from './types.js';

const GW = 'default/eg';

function byType(entries: Record<string, CachedResource[]>): Map<string, CachedResource[]> {
  return new Map(Object.entries(entries));
}

describe('createSnapshotCache', () => {
  it('versions snapshots <bootId>-<sequence>, keyed by gateway', () => {
    const cache = createSnapshotCache({ bootId: 'boot' });
    expect(cache.setSnapshot(GW, byType({ [CDS]: [res('a')] }))).toEqual({ published: true, problems: [], version: 'boot-1' });
    expect(cache.setSnapshot('other/gw', byType({ [CDS]: [res('b')] })).version).toBe('boot-2');
    expect(cache.setSnapshot(GW, byType({ [CDS]: [res('a', 'v2')] })).version).toBe('boot-3');
    expect(cache.snapshot(GW)?.version).toBe('boot-3');
    expect(cache.snapshot('nobody/here')).toBeUndefined();
    expect(cache.gateways()).toEqual(['default/eg', 'other/gw']);
  });

  it('makes a random boot id by default, so versions never repeat across restarts or replicas', () => {
    const first = createSnapshotCache();
    const second = createSnapshotCache();
    expect(first.bootId).toMatch(/^[0-9a-f]{12}$/);
    expect(first.bootId).not.toBe(second.bootId);
    const v1 = first.setSnapshot(GW, byType({ [CDS]: [res('a')] })).version;
    const v2 = second.setSnapshot(GW, byType({ [CDS]: [res('a')] })).version;
    expect(v1).toBe(`${first.bootId}-1`);
    expect(v1).not.toBe(v2);
  });

  it('keeps each type sorted by name', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    cache.setSnapshot(GW, byType({ [CDS]: [res('c'), res('a'), res('b')] }));
    expect([...cache.snapshot(GW)!.resources.get(CDS)!.keys()]).toEqual(['a', 'b', 'c']);
  });

  describe('consistency gate', () => {
    it('refuses an inconsistent snapshot, returns the problems and keeps the last good one', () => {
      const seen: ResourceSnapshot[] = [];
      const cache = createSnapshotCache({
        bootId: 'b',
        checkConsistency: (snapshot, gateway) => {
          expect(gateway).toBe(GW);
          const clusters = snapshot.resources.get(CDS) ?? new Map();
          return [...(snapshot.resources.get(EDS)?.keys() ?? [])].filter((n) => !clusters.has(n)).map((n) => `endpoints ${n} without cluster`);
        },
      });
      cache.subscribe(GW, (s) => seen.push(s));
      expect(cache.setSnapshot(GW, byType({ [CDS]: [res('a')], [EDS]: [res('a')] })).published).toBe(true);
      const result = cache.setSnapshot(GW, byType({ [CDS]: [res('a')], [EDS]: [res('a'), res('b')] }));
      expect(result).toEqual({ published: false, problems: ['endpoints b without cluster'], version: 'b-1' });
      expect(cache.snapshot(GW)?.version).toBe('b-1');
      expect([...cache.snapshot(GW)!.resources.get(EDS)!.keys()]).toEqual(['a']);
      expect(seen.map((s) => s.version)).toEqual(['b-1']);
      // The refused candidate did not use up a sequence number.
      expect(cache.setSnapshot(GW, byType({ [CDS]: [res('a'), res('b')], [EDS]: [res('a'), res('b')] })).version).toBe('b-2');
    });

    it('refuses a snapshot naming a resource twice in one type', () => {
      const cache = createSnapshotCache({ bootId: 'b' });
      const result = cache.setSnapshot(GW, byType({ [CDS]: [res('a'), res('a', 'v2')] }));
      expect(result).toEqual({ published: false, problems: [`${CDS}: a appears twice`] });
      expect(cache.snapshot(GW)).toBeUndefined();
    });
  });

  it('does nothing when the snapshot is identical to the current one (same names and versions)', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    const onChange = jest.fn();
    cache.subscribe(GW, onChange);
    cache.setSnapshot(GW, byType({ [CDS]: [res('a'), res('b')], [EDS]: [] }));
    // Fresh objects, other order, an empty type dropped: still identical.
    expect(cache.setSnapshot(GW, byType({ [CDS]: [res('b'), res('a')] }))).toEqual({ published: false, problems: [], version: 'b-1' });
    expect(onChange).toHaveBeenCalledTimes(1);
    // A changed wildcard flag is a change.
    expect(cache.setSnapshot(GW, byType({ [CDS]: [res('b'), res('a', 'v1', false)] })).published).toBe(true);
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('notifies subscribers synchronously, after the snapshot is stored, and stops after unsubscribe', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    const versionsSeen: (string | undefined)[] = [];
    const unsubscribe = cache.subscribe(GW, (s) => versionsSeen.push(s.version, cache.snapshot(GW)?.version));
    const other = jest.fn();
    cache.subscribe('other/gw', other);
    cache.setSnapshot(GW, byType({ [CDS]: [res('a')] }));
    expect(versionsSeen).toEqual(['b-1', 'b-1']);
    unsubscribe();
    cache.setSnapshot(GW, byType({ [CDS]: [res('a', 'v2')] }));
    expect(versionsSeen).toEqual(['b-1', 'b-1']);
    expect(other).not.toHaveBeenCalled();
  });

  it('notifies every subscriber even if one throws or unsubscribes another', () => {
    const errors: unknown[] = [];
    const cache = createSnapshotCache({ bootId: 'b', onSubscriberError: (e) => errors.push(e) });
    const calls: string[] = [];
    cache.subscribe(GW, () => {
      calls.push('first');
      throw new Error('boom');
    });
    let unsubscribeThird: () => void = () => {};
    cache.subscribe(GW, () => {
      calls.push('second');
      unsubscribeThird();
    });
    unsubscribeThird = cache.subscribe(GW, () => calls.push('third'));
    cache.setSnapshot(GW, byType({ [CDS]: [res('a')] }));
    expect(calls).toEqual(['first', 'second', 'third']);
    expect(errors).toEqual([new Error('boom')]);
    cache.setSnapshot(GW, byType({ [CDS]: [res('a', 'v2')] }));
    expect(calls).toEqual(['first', 'second', 'third', 'first', 'second']);
  });

  it('reuses the previous CachedResource instance (and bytes) of every unchanged resource', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    cache.setSnapshot(GW, byType({ [CDS]: [res('a'), res('b')] }));
    const before = cache.snapshot(GW)!.resources.get(CDS)!;
    cache.setSnapshot(GW, byType({ [CDS]: [res('a'), res('b', 'v2')] }));
    const after = cache.snapshot(GW)!.resources.get(CDS)!;
    expect(after.get('a')).toBe(before.get('a'));
    expect(after.get('a')!.bytes).toBe(before.get('a')!.bytes);
    expect(after.get('b')).not.toBe(before.get('b'));
    expect(after.get('b')!.version).toBe('v2');
  });

  it('forgets a deleted gateway; a later snapshot gets a new version', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    const onChange = jest.fn();
    cache.subscribe(GW, onChange);
    cache.setSnapshot(GW, byType({ [LDS]: [res('l')] }));
    expect(cache.deleteSnapshot(GW)).toBe(true);
    expect(cache.deleteSnapshot(GW)).toBe(false);
    expect(cache.snapshot(GW)).toBeUndefined();
    expect(cache.gateways()).toEqual([]);
    expect(cache.setSnapshot(GW, byType({ [LDS]: [res('l')] }))).toEqual({ published: true, problems: [], version: 'b-2' });
    expect(onChange).toHaveBeenCalledTimes(2);
  });
});

describe('cachedResourcesFrom', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('wraps encoded resources, wildcard by default', () => {
    const encoded = [{ name: 'a', version: '1', bytes: bytes('a'), resource: { ignored: true } }];
    expect(cachedResourcesFrom(encoded)).toEqual([{ name: 'a', version: '1', bytes: bytes('a'), wildcard: true }]);
    expect(cachedResourcesFrom(encoded, false)[0]!.wildcard).toBe(false);
    expect(cachedResourcesFrom(encoded)[0]!.bytes).toBe(encoded[0]!.bytes);
  });

  it('reuses the previous instance when the version (and wildcard flag) match', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    cache.setSnapshot(GW, byType({ [CDS]: cachedResourcesFrom([{ name: 'a', version: '1', bytes: bytes('a') }, { name: 'b', version: '1', bytes: bytes('b') }]) }));
    const previous = cache.snapshot(GW)!.resources.get(CDS)!;
    const next = cachedResourcesFrom(
      [
        { name: 'a', version: '1', bytes: bytes('a') },
        { name: 'b', version: '2', bytes: bytes('b2') },
      ],
      true,
      previous,
    );
    expect(next[0]).toBe(previous.get('a'));
    expect(next[1]).not.toBe(previous.get('b'));
    expect(cachedResourcesFrom([{ name: 'a', version: '1', bytes: bytes('a') }], false, previous)[0]).not.toBe(previous.get('a'));
  });
});
