/**
 * A build without a cache of its own (`buildXds(ir)`: a one-build, transient cache whose memos are
 * Maps, which keeps no IR route's or backend's JSON and walks routes straight into their host for
 * the consistency check) gives exactly what a build with a kept cache gives, fresh and warm: the same
 * resources, the same bytes and versions (constant sub-messages included), the same references and
 * consistency problems. Checked on every translator and xDS golden case and on the benchmark's
 * generated inputs (bench/generate-input.mjs, generate-mixed.mjs).
 */
import type { GatewayIR } from '@portico/ir';
import { buildXds, consistencyProblems, createXdsBuildCache, encodeResources, referencedNames, type EncodedResources, type XdsResources } from '@portico/xds';
import { benchIrs, goldenIrs } from '../support/golden-irs.js';

const LISTS = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;

/** What a build gives, in a form `toEqual` compares whole: JSON, bytes, versions, references, problems. */
function outcome(xds: XdsResources, encoded: EncodedResources, problems: string[]): unknown {
  const names = referencedNames(xds);
  return {
    lists: LISTS.map((list) => encoded[list].map((r) => [r.name, r.version, Buffer.from(r.bytes).toString('base64'), JSON.stringify(r.resource)])),
    references: Object.fromEntries(Object.entries(names).map(([kind, set]) => [kind, [...(set as Set<string>)].sort()])),
    problems: [...problems].sort(),
  };
}

function compareCaches(ir: GatewayIR, what: string): void {
  const transient = buildXds(ir, { proxyless: true });
  const expected = outcome(transient, encodeResources(transient), consistencyProblems(transient));
  const cache = createXdsBuildCache();
  const encodeCache = new WeakMap<object, Uint8Array>();
  for (const round of ['fresh', 'warm']) {
    const kept = buildXds(ir, { proxyless: true, cache });
    const got = outcome(kept, encodeResources(kept, encodeCache), consistencyProblems(kept, cache));
    try {
      expect(got).toEqual(expected);
    } catch (error) {
      throw new Error(`${what} (${round} kept cache): ${(error as Error).message}`);
    }
  }
}

describe('one-build cache = kept cache', () => {
  it.each(['translator', 'xds'] as const)('every %s golden case', (suite) => {
    const irs = goldenIrs(suite);
    expect(irs.length).toBeGreaterThan(20);
    for (const [what, ir] of irs) compareCaches(ir, what);
  });

  it('the generated benchmark inputs', async () => {
    for (const [what, ir] of await benchIrs(300)) compareCaches(ir, what);
  });
});
