import { findCulprits, probeBudget, suspectsFromErrorText, type ProbeVerdict } from './culprit-finder.js';

const units = (n: number) => Array.from({ length: n }, (_, i) => `HTTPRoute/team/r${i}/rule/0`);

/** A fake refusing client: it NACKs any table holding one of the culprits, and records every probe. */
function fakeClient(culprits: readonly string[]) {
  const bad = new Set(culprits);
  const probes: string[][] = [];
  return {
    probes,
    probe: async (included: readonly string[]): Promise<ProbeVerdict> => {
      probes.push([...included]);
      return included.some((u) => bad.has(u)) ? 'nack' : 'ack';
    },
  };
}

describe('findCulprits', () => {
  it.each([1, 2, 3, 8, 100, 1000, 10_000])('finds the one culprit among %i changed routes in at most 2·log2(N) probes', async (n) => {
    const candidates = units(n);
    for (const index of [0, Math.floor(n / 2), n - 1]) {
      const culprit = candidates[index]!;
      const client = fakeClient([culprit]);
      const result = await findCulprits({ candidates, probe: client.probe, maxProbes: probeBudget(n) });
      expect(result).toMatchObject({ culprits: [culprit], exhausted: false });
      expect(result.probes).toBe(client.probes.length);
      expect(result.probes).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(Math.max(n, 1))));
      expect(result.good).toHaveLength(n - 1);
    }
  });

  it('finds several culprits', async () => {
    const candidates = units(1000);
    const culprits = [candidates[3]!, candidates[500]!, candidates[999]!];
    const client = fakeClient(culprits);
    const result = await findCulprits({ candidates, probe: client.probe, maxProbes: probeBudget(1000, 3) });
    expect(result.culprits).toEqual(culprits);
    expect(result.exhausted).toBe(false);
    expect(result.probes).toBeLessThanOrEqual(probeBudget(1000, 3));
  });

  it('keeps every unit found good in every later probe, and never serves a culprit once it is known', async () => {
    const candidates = units(64);
    const client = fakeClient([candidates[40]!]);
    await findCulprits({ candidates, probe: client.probe, maxProbes: 64 });
    const good = new Set<string>();
    for (const probe of client.probes) {
      for (const unit of good) expect(probe).toContain(unit);
      if (!probe.includes(candidates[40]!)) for (const unit of probe) good.add(unit);
    }
  });

  it('proves a suspect named by the error text with one probe', async () => {
    const candidates = units(1000);
    const client = fakeClient([candidates[700]!]);
    const result = await findCulprits({ candidates, suspects: [candidates[700]!], probe: client.probe, maxProbes: probeBudget(1000) });
    expect(result).toEqual(expect.objectContaining({ culprits: [candidates[700]], probes: 1 }));
  });

  it('still finds the culprit when the suspect is innocent', async () => {
    const candidates = units(100);
    const client = fakeClient([candidates[10]!]);
    const result = await findCulprits({ candidates, suspects: [candidates[90]!], probe: client.probe, maxProbes: probeBudget(100) });
    expect(result.culprits).toEqual([candidates[10]]);
    expect(result.good).toContain(candidates[90]);
  });

  it('needs no probe when one route changed', async () => {
    const client = fakeClient(['x']);
    expect(await findCulprits({ candidates: ['x'], probe: client.probe, maxProbes: 5 })).toEqual({ culprits: ['x'], good: [], probes: 0, exhausted: false, undecided: [] });
  });

  it('stops at the probe budget: what it could not narrow down is undecided, never a culprit', async () => {
    const candidates = units(64);
    const client = fakeClient([candidates[63]!]);
    const result = await findCulprits({ candidates, probe: client.probe, maxProbes: 2 });
    expect(result).toMatchObject({ probes: 2, exhausted: true, culprits: [] });
    expect(result.undecided).toContain(candidates[63]);
    expect(result.good.length + result.undecided.length).toBe(64);
  });

  it('always proves one culprit when the budget exceeds log2(N), whatever the number of culprits', async () => {
    const candidates = units(1000);
    const bad = candidates.filter((_, i) => i % 7 === 3);
    const client = fakeClient(bad);
    const result = await findCulprits({ candidates, probe: client.probe, maxProbes: Math.ceil(Math.log2(1000)) + 1 });
    expect(result.exhausted).toBe(true);
    expect(result.culprits.length).toBeGreaterThan(0);
    for (const unit of result.culprits) expect(bad).toContain(unit);
  });

  it('fails when a probe cannot be answered', async () => {
    await expect(findCulprits({ candidates: units(4), probe: () => Promise.reject(new Error('client gone')), maxProbes: 8 })).rejects.toThrow('client gone');
  });
});

describe('probeBudget', () => {
  it('grows with the logarithm of the table', () => {
    expect(probeBudget(1)).toBe(5);
    expect(probeBudget(1000)).toBe(41);
    expect(probeBudget(10_000)).toBe(57);
  });
});

describe('suspectsFromErrorText', () => {
  const values = new Map([
    ['a', ['/a', 'x-team', 'a{1001}']],
    ['b', ['/b', 'x-team', '^/b/.*$']],
  ]);

  it('names the unit holding a value the text quotes in part (RE2: invalid repetition size)', () => {
    expect(suspectsFromErrorText('invalid repetition size: {1001}', values)).toEqual(['a']);
  });

  it('names the unit holding a value the text quotes whole', () => {
    expect(suspectsFromErrorText("Invalid regex '^/b/.*$': something", values)).toEqual(['b']);
  });

  it('names nobody when nothing matches or when every unit matches', () => {
    expect(suspectsFromErrorText('Proto constraint validation failed', values)).toEqual([]);
    expect(suspectsFromErrorText('header x-team refused', values)).toEqual([]);
  });

  it('ignores values and words too short to say anything', () => {
    expect(suspectsFromErrorText('path /a is bad', values)).toEqual([]);
  });
});
