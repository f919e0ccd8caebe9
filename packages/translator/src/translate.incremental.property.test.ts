/**
 * The translation cache never changes a result: translating a set, then a changed set, with one
 * cache gives exactly what a fresh translation of the changed set gives — statuses, diagnostics and
 * IR. Changes keep the identity of untouched objects, as providers do: some objects replaced by a
 * changed copy or by another random object of the same kind and name, some removed, some added.
 */
import fc from 'fast-check';
import { ResourceSet, type KubeObject } from '@portico/resources';
import { endpointSliceObject, resourceSetObjects } from './arbitraries.test-util.js';
import { translateEndpointChange } from './endpoint-update.js';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

/** `PROPERTY_RUNS=20000` for a long run (CI keeps the default); the time allowed grows with it. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const TIMEOUT_MS = Math.max(5_000, RUNS * 50);
const now = new Date(0);

type Edit = { type: 'touch' | 'remove' | 'swap'; at: number };
const edit: fc.Arbitrary<Edit> = fc.record({ type: fc.constantFrom('touch' as const, 'remove' as const, 'swap' as const), at: fc.nat() });

/** Applies edits: `touch` = a structurally equal copy (new identity), `swap` = another object's body under this name. */
function applyEdits(objects: KubeObject[], edits: Edit[], extra: KubeObject[]): KubeObject[] {
  const next = [...objects];
  for (const e of edits) {
    if (next.length === 0) break;
    const i = e.at % next.length;
    const o = next[i]!;
    if (e.type === 'remove') next.splice(i, 1);
    else if (e.type === 'touch') next[i] = structuredClone(o);
    else {
      const donor = extra.find((x) => x.kind === o.kind);
      if (donor) next[i] = { ...structuredClone(donor), metadata: { ...structuredClone(donor.metadata), name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } } as KubeObject;
    }
  }
  return [...next, ...extra.slice(0, 2)];
}

function translateBoth(objects: KubeObject[], cache: ReturnType<typeof createTranslationCache>) {
  const set = ResourceSet.from(objects as never);
  // ExternalName Services allowed: their backends (no endpoints, a DNS name) go through the cache too.
  return { cached: translate(set, { now, cache, externalNameServices: 'allow' }), fresh: translate(set, { now, externalNameServices: 'allow' }) };
}

describe('translation cache', () => {
  it('a cached translation after random changes equals a fresh one', () => {
    fc.assert(
      fc.property(resourceSetObjects, fc.array(edit, { maxLength: 6 }), resourceSetObjects, fc.array(edit, { maxLength: 6 }), (first, edits, extra, edits2) => {
        const cache = createTranslationCache();
        const a = translateBoth(first, cache);
        expect(a.cached).toEqual(a.fresh);
        const second = applyEdits(first, edits, extra);
        const b = translateBoth(second, cache);
        expect(b.cached).toEqual(b.fresh);
        const c = translateBoth(applyEdits(second, edits2, []), cache);
        expect(c.cached).toEqual(c.fresh);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('the EndpointSlice fast path equals a full translation', () => {
    fc.assert(
      fc.property(resourceSetObjects, fc.array(fc.tuple(fc.nat(), fc.option(endpointSliceObject, { nil: undefined })), { minLength: 1, maxLength: 4 }), fc.array(endpointSliceObject, { maxLength: 2 }), (first, edits, added) => {
        const cache = createTranslationCache();
        const previous = translate(ResourceSet.from(first as never), { now, cache });
        // Replace (or remove, when no replacement is drawn) existing slices, and add some.
        const next = [...first];
        const changed: { namespace?: string; name: string }[] = [];
        const slices = () => next.map((o, i) => [o, i] as const).filter(([o]) => o.kind === 'EndpointSlice');
        for (const [at, replacement] of edits) {
          const existing = slices();
          if (existing.length === 0) break;
          const [old, i] = existing[at % existing.length]!;
          changed.push({ namespace: old.metadata.namespace, name: old.metadata.name });
          if (replacement) next[i] = { ...(replacement as unknown as KubeObject), metadata: { ...(replacement as unknown as KubeObject).metadata, name: old.metadata.name, namespace: old.metadata.namespace! } } as KubeObject;
          else next.splice(i, 1);
        }
        next.push(...(added as unknown as KubeObject[]));
        changed.push(...(added as unknown as KubeObject[]).map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name })));
        const set = ResourceSet.from(next as never);
        const expected = translate(set, { now });
        // Told which slices changed (the provider's change set), or not told (every Service checked).
        const told = createTranslationCache();
        const before = translate(ResourceSet.from(first as never), { now, cache: told });
        expect(translateEndpointChange(before, set, { now, cache: told }, changed)).toEqual(expected);
        expect(translateEndpointChange(previous, set, { now, cache })).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('reuses untouched routes and backends as the same objects', () => {
    fc.assert(
      fc.property(resourceSetObjects, (objects) => {
        const cache = createTranslationCache();
        const set = ResourceSet.from(objects as never);
        const first = translate(set, { now, cache });
        const second = translate(ResourceSet.from(objects as never), { now, cache });
        expect(cache.stats().routesTranslated).toBe(0);
        for (const [key, ir] of second.gateways) {
          const before = first.gateways.get(key)!;
          ir.backends.forEach((b, i) => expect(b).toBe(before.backends[i]));
        }
      }),
      { numRuns: Math.min(RUNS, 100) },
    );
  });
});
