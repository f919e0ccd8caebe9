import { describe, expect, it } from '@jest/globals';
import { CDS, EDS, LDS, res } from './sotw-fixtures.test-util.js';
import { nextSubscription, removedCount, sameContent, sameSubscription, selectResources, type Subscription } from './subscription.js';

const sub = (wildcard: boolean, names: string[], named = names.length > 0): Subscription => ({ wildcard, names: new Set(names), named });

describe('nextSubscription', () => {
  it('follows the xDS protocol SotW example: [] → *, [*, A] → * + A, [A] → A, [] → nothing', () => {
    const steps: string[][] = [[], ['*', 'A'], ['A'], []];
    let current: Subscription | undefined;
    const seen = steps.map((names) => (current = nextSubscription(LDS, current, names)));
    expect(seen).toEqual([sub(true, [], false), sub(true, ['A']), sub(false, ['A']), sub(false, [], true)]);
  });

  it('keeps the legacy wildcard while every request of the type is empty', () => {
    const first = nextSubscription(CDS, undefined, []);
    expect(nextSubscription(CDS, first, [])).toEqual(sub(true, [], false));
  });

  it('has no wildcard for other types: empty is nothing, "*" is a name', () => {
    expect(nextSubscription(EDS, undefined, [])).toEqual(sub(false, [], false));
    expect(nextSubscription(EDS, undefined, ['*'])).toEqual(sub(false, ['*']));
  });
});

describe('sameSubscription', () => {
  it('compares what is asked for, not how', () => {
    expect(sameSubscription(sub(true, [], false), sub(true, [], true))).toBe(true);
    expect(sameSubscription(sub(false, ['a', 'b']), sub(false, ['b', 'a']))).toBe(true);
    expect(sameSubscription(sub(false, ['a', 'b']), sub(false, ['a', 'c']))).toBe(false);
    expect(sameSubscription(sub(false, ['a']), sub(false, ['a', 'b']))).toBe(false);
    expect(sameSubscription(sub(true, []), sub(false, []))).toBe(false);
  });
});

describe('selectResources', () => {
  const byName = new Map([res('a'), res('b', 'v1', false), res('c')].map((r) => [r.name, r]));

  it('selects wildcard resources, by name, or both, sorted by name', () => {
    expect(selectResources(sub(true, []), byName).map((r) => r.name)).toEqual(['a', 'c']);
    expect(selectResources(sub(false, ['c', 'b', 'x']), byName).map((r) => r.name)).toEqual(['b', 'c']);
    expect(selectResources(sub(true, ['b']), byName).map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(selectResources(sub(true, []), undefined)).toEqual([]);
  });

  it('shares the wildcard selection of a snapshot between streams', () => {
    expect(selectResources(sub(true, []), byName)).toBe(selectResources(sub(true, [], true), byName));
  });
});

describe('sameContent and removedCount', () => {
  it('compare names and versions', () => {
    expect(sameContent([res('a'), res('b')], [res('a'), res('b')])).toBe(true);
    expect(sameContent([res('a'), res('b')], [res('a'), res('b', 'v2')])).toBe(false);
    expect(sameContent([res('a')], [res('a'), res('b')])).toBe(false);
    expect(removedCount([res('a'), res('b'), res('c')], [res('b', 'v2')])).toBe(2);
    expect(removedCount([], [res('a')])).toBe(0);
  });
});
