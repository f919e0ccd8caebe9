/**
 * The caches that make a one-route edit cheap (route memos checked by kind epochs, attachment outcomes
 * carried over within a parents epoch, backend names remembered per gateway) never change a result:
 * along a random sequence of edits — routes, Gateways, ListenerSets, ReferenceGrants, Services,
 * EndpointSlices, Secrets, Namespaces replaced, removed or added — each applied to a clone of the
 * previous ResourceSet as a provider does (so unchanged kinds keep their kind token), a translation
 * with one long-lived cache equals a fresh translation of the same set at every step.
 */
import fc from 'fast-check';
import { ResourceSet, type KubeObject } from '@portico/resources';
import { resourceSetObjects } from './arbitraries.test-util.js';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

/** `PROPERTY_RUNS=20000` for a long run (CI keeps the default); the time allowed grows with it. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const TIMEOUT_MS = Math.max(5_000, RUNS * 80);
const now = new Date(0);

type Edit = { type: 'touch' | 'remove' | 'swap' | 'add'; at: number };
const edit: fc.Arbitrary<Edit> = fc.record({ type: fc.constantFrom('touch' as const, 'remove' as const, 'swap' as const, 'add' as const), at: fc.nat() });

/** One step: `edits` applied to a clone of `set`; `pool` supplies swapped bodies and added objects. */
function step(set: ResourceSet, edits: readonly Edit[], pool: readonly KubeObject[]): ResourceSet {
  const next = set.clone();
  for (const e of edits) {
    const objects = [...next.counts().keys()].flatMap((kind) => next.list(kind)) as KubeObject[];
    if (e.type === 'add') {
      if (pool.length > 0) next.upsert(structuredClone(pool[e.at % pool.length]!) as never);
      continue;
    }
    if (objects.length === 0) continue;
    const o = objects[e.at % objects.length]!;
    if (e.type === 'remove') next.delete(o.kind as never, o.metadata.namespace, o.metadata.name);
    else if (e.type === 'touch') next.upsert(structuredClone(o) as never);
    else {
      const donor = pool.find((x) => x.kind === o.kind);
      if (donor) next.upsert({ ...structuredClone(donor), metadata: { ...structuredClone(donor.metadata), name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } } as never);
    }
  }
  return next;
}

describe('translation cache along edit sequences', () => {
  it('equals a fresh translation after every step', () => {
    fc.assert(
      fc.property(resourceSetObjects, resourceSetObjects, fc.array(fc.array(edit, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), (first, pool, steps) => {
        const cache = createTranslationCache();
        let set = ResourceSet.from(first as never);
        expect(translate(set, { now, cache, externalNameServices: 'allow' })).toEqual(translate(set, { now, externalNameServices: 'allow' }));
        for (const edits of steps) {
          set = step(set, edits, pool);
          expect(translate(set, { now, cache, externalNameServices: 'allow' })).toEqual(translate(set, { now, externalNameServices: 'allow' }));
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});
