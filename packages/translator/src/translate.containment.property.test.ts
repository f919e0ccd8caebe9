/**
 * Property: random resource sets in which random objects lose their spec, or have it (or one of its
 * fields) replaced by garbage, never make `translate` throw, and only the damaged objects can fail
 * (`result.failures`, status reason TranslationError): every other object still translates.
 * These sets bypass the loader on purpose (the loader would refuse or default the garbage).
 */
import fc from 'fast-check';
import { ResourceSet, type Condition, type KubeObject } from '@portico/resources';
import { resourceSetObjects } from './arbitraries.test-util.js';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const ingressParts: fc.Arbitrary<KubeObject[]> = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.record({
        name: fc.constantFrom('i1', 'i2', 'i3'),
        host: fc.constantFrom('a.example.com', '*.example.com', ''),
        path: fc.constantFrom('/', '/x'),
        service: fc.constantFrom('svc-a', 'svc-b'),
        tls: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
  )
  .map(([isDefault, ingresses]) => [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'portico', ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
      spec: { controller: 'portico.dev/ingress-controller' },
    },
    ...ingresses.map((i) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: i.name, namespace: 'default' },
      spec: {
        ingressClassName: 'portico',
        rules: [{ ...(i.host ? { host: i.host } : {}), http: { paths: [{ path: i.path, pathType: 'Prefix', backend: { service: { name: i.service, port: { number: 80 } } } }] } }],
        ...(i.tls ? { tls: [{ hosts: [i.host || 'a.example.com'], secretName: 'tls' }] } : {}),
      },
    })),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'p1', namespace: 'default' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc-a' }], validation: { hostname: 'svc-a.example.com', wellKnownCACertificates: 'System' } },
    },
  ] as unknown as KubeObject[]);

const garbage = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 5 }), fc.constant([]), fc.constant({}), fc.boolean(), fc.constant([1, 'x']));

/** What happens to one object: its spec goes, becomes garbage, or one of its top-level fields does. */
const damage = fc.oneof(
  fc.constant({ op: 'delete-spec' as const }),
  fc.record({ op: fc.constant('spec' as const), value: garbage }),
  fc.record({ op: fc.constant('field' as const), index: fc.nat(), value: fc.oneof(garbage, fc.constant(undefined)) }),
);

type Damage = typeof damage extends fc.Arbitrary<infer D> ? D : never;

function apply(object: Record<string, unknown>, d: Damage): void {
  if (d.op === 'delete-spec') delete object.spec;
  else if (d.op === 'spec') object.spec = d.value;
  else {
    // Kinds without spec (EndpointSlice, Secret, Namespace) have a top-level field damaged instead.
    const spec = object.spec;
    const holder = (typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? spec : object) as Record<string, unknown>;
    const keys = Object.keys(holder).filter((k) => k !== 'metadata' && k !== 'kind' && k !== 'apiVersion');
    if (keys.length === 0) return;
    holder[keys[d.index % keys.length]!] = d.value;
  }
}

const keyOf = (o: { kind: string; metadata: { namespace?: string; name: string } }): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function conditionsOf(status: unknown): Condition[] {
  const s = status as { conditions?: Condition[]; parents?: { conditions: Condition[] }[]; ancestors?: { conditions: Condition[] }[] };
  return [...(s.conditions ?? []), ...(s.parents ?? []).flatMap((p) => p.conditions), ...(s.ancestors ?? []).flatMap((a) => a.conditions)];
}

describe('translate containment properties', () => {
  it('missing or garbage specs never throw out of translate, and only the damaged objects fail', () => {
    fc.assert(
      fc.property(resourceSetObjects, ingressParts, fc.array(fc.tuple(fc.nat(), damage), { minLength: 1, maxLength: 4 }), fc.boolean(), (objects, ingress, damages, cached) => {
        const docs = structuredClone([...objects, ...ingress]) as unknown as Record<string, unknown>[];
        const damaged = new Set<string>();
        for (const [i, d] of damages) {
          const doc = docs[i % docs.length]!;
          apply(doc, d);
          damaged.add(keyOf(doc as never));
        }
        const resources = ResourceSet.from(docs as never);
        const cache = cached ? createTranslationCache() : undefined;
        const options = { now: new Date(0), ...(cache ? { cache } : {}) };
        // With a cache, a second run over the same set must say the same (nothing half-remembered).
        const result = translate(resources, options);
        const failed = (r: typeof result) => r.failures.map((f) => `${f.kind}/${f.namespace ?? ''}/${f.name}`);
        if (cache) expect(failed(translate(resources, options))).toEqual(failed(result));

        for (const f of failed(result)) expect(damaged).toContain(f);
        for (const s of result.statuses.values()) {
          if (damaged.has(`${s.kind}/${s.namespace ?? ''}/${s.name}`)) continue;
          for (const c of conditionsOf(s.status)) expect(c.reason).not.toBe('TranslationError');
        }
      }),
      { numRuns: RUNS },
    );
  });
});
