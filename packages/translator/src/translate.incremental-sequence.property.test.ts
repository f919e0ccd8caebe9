/**
 * The caches that make a one-route edit cheap (route memos checked by kind epochs, attachment outcomes
 * carried over within a parents epoch, backend names remembered per gateway) never change a result:
 * along a random sequence of edits — routes, Gateways, ListenerSets, ReferenceGrants, Services,
 * EndpointSlices, Secrets, Namespaces replaced, removed or added — each applied to a clone of the
 * previous ResourceSet as a provider does (so unchanged kinds keep their kind token), a translation
 * with one long-lived cache equals a fresh translation of the same set at every step. A second
 * property puts many routes on a few hostnames of one listener and edits them one or a few at a time:
 * each edited hostname's precedence order is then patched from the previous one (virtual-hosts.ts
 * patchedEntries), which must give what sorting afresh gives. A third copies every parent
 * (GatewayClass, Gateway, ListenerSet) between steps: the parents are then rebuilt equal and reused.
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

/** `set` with every GatewayClass, Gateway and ListenerSet replaced by an equal copy: the parents are rebuilt equal. */
function parentsCopied(set: ResourceSet): ResourceSet {
  const next = set.clone();
  for (const kind of ['GatewayClass', 'Gateway', 'ListenerSet'] as const) for (const o of set.list(kind)) next.upsert(structuredClone(o) as never);
  return next;
}

describe('translation cache when the parents are rebuilt equal', () => {
  // The previous translation's parent states are reused when equal (gateways/reused-parents.ts), with
  // the attachments and settled routes that name them; copies of the parents move the parents epoch
  // without changing them, so routes are attached afresh against reused states.
  it('equals a fresh translation after every step', () => {
    fc.assert(
      fc.property(resourceSetObjects, resourceSetObjects, fc.array(fc.tuple(fc.array(edit, { minLength: 0, maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 8 }), (first, pool, steps) => {
        const cache = createTranslationCache();
        let set = ResourceSet.from(first as never);
        expect(translate(set, { now, cache, externalNameServices: 'allow' })).toEqual(translate(set, { now, externalNameServices: 'allow' }));
        for (const [edits, copyParents] of steps) {
          set = step(set, edits, pool);
          if (copyParents) set = parentsCopied(set);
          expect(translate(set, { now, cache, externalNameServices: 'allow' })).toEqual(translate(set, { now, externalNameServices: 'allow' }));
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});

const sharedHostnames = fc.constantFrom('example.com', '*.example.com', 'foo.example.com');
const sharedMatch = fc
  .record({
    path: fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: fc.constantFrom('/', '/api', '/api/v1', '/web') }),
    headers: fc.option(fc.array(fc.record({ name: fc.constantFrom('x-v', 'x-w'), value: fc.constantFrom('1', '2') }), { maxLength: 2 }), { nil: undefined }),
  })
  .map((m) => JSON.parse(JSON.stringify(m)));
/** A route body: hostnames, rules of matches, and a creationTimestamp that may tie with other routes'. */
const sharedRouteBody = fc.record({
  hostnames: fc.option(fc.array(sharedHostnames, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  rules: fc.array(fc.record({ matches: fc.array(sharedMatch, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 2 }),
  created: fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z'),
});
type SharedRouteBody = typeof sharedRouteBody extends fc.Arbitrary<infer T> ? T : never;

function sharedRoute(i: number, body: SharedRouteBody): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'default', creationTimestamp: body.created },
    spec: JSON.parse(JSON.stringify({ parentRefs: [{ name: 'gw' }], hostnames: body.hostnames, rules: body.rules.map((r) => ({ ...r, backendRefs: [{ name: 'svc', port: 80 }] })) })),
  } as KubeObject;
}

const sharedBase: KubeObject[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } },
] as KubeObject[];

describe('translation cache along route edits on shared hostnames', () => {
  it('patches each edited hostname to what a fresh sort gives', () => {
    const edits = fc.array(fc.array(fc.tuple(fc.nat(), sharedRouteBody), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(sharedRouteBody, { minLength: 2, maxLength: 24 }), edits, (bodies, steps) => {
        const cache = createTranslationCache();
        let set = ResourceSet.from([...sharedBase, ...bodies.map((b, i) => sharedRoute(i, b))] as never);
        expect(translate(set, { now, cache })).toEqual(translate(set, { now }));
        for (const replaced of steps) {
          set = set.clone();
          for (const [at, body] of replaced) set.upsert(sharedRoute(at % bodies.length, body) as never);
          expect(translate(set, { now, cache })).toEqual(translate(set, { now }));
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});
