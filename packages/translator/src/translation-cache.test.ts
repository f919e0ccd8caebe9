/**
 * Deterministic cases of what the cache must notice, found by translate.incremental.property.test.ts
 * (each once cost a stale result there).
 */
import { ResourceSet, type KubeObject } from '@portico/resources';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

const CONTROLLER = 'portico.dev/gateway-controller';
const now = new Date(0);

function gatewayClass(name: string, controllerName: string): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName } } as KubeObject;
}

function gateway(name: string, className: string, port: number): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'default' },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
  } as KubeObject;
}

describe('translation cache', () => {
  it('a route follows its parents when two GatewayClasses swap controllerName (GatewayClass → which Gateways are ours)', () => {
    // The route names both Gateways; only the one whose class is ours gets a status entry.
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'default' },
      spec: { parentRefs: [{ name: 'a', port: 443 }, { name: 'c', port: 8080 }], rules: [{}] },
    } as KubeObject;
    const a = gateway('a', 'one', 443);
    const c = gateway('c', 'two', 8080);
    const cache = createTranslationCache();
    const parentsOf = (objects: KubeObject[]) => {
      const result = translate(ResourceSet.from(objects as never), { now, cache });
      const status = result.statuses.get('HTTPRoute/default/r')?.status as { parents: { parentRef: unknown }[] } | undefined;
      return { parents: status?.parents.map((p) => p.parentRef), fresh: translate(ResourceSet.from(objects as never), { now }), result };
    };

    const before = parentsOf([gatewayClass('one', CONTROLLER), gatewayClass('two', 'example.com/other'), a, c, route]);
    expect(before.parents).toEqual([{ name: 'a', port: 443 }]);
    // Same Gateway and route objects (providers keep the identity of unchanged objects); only the classes change.
    const after = parentsOf([gatewayClass('one', 'example.com/other'), gatewayClass('two', CONTROLLER), a, c, route]);
    expect(after.parents).toEqual([{ name: 'c', port: 8080 }]);
    expect(after.result).toEqual(after.fresh);
    expect([...after.result.gateways.keys()]).toEqual(['default/c']);
  });
});

describe('lastTransitionTime across translations with one cache', () => {
  const objects = (listenerPort: number) => [
    gatewayClass('portico', CONTROLLER),
    gateway('eg', 'portico', listenerPort),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'default' },
      spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    } as KubeObject,
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as KubeObject,
  ];
  /** metav1.Time: RFC 3339 in seconds. */
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
  type Conditions = { type: string; status: string; lastTransitionTime: string }[];
  /** `kind/what type` → lastTransitionTime, for every condition of every status. */
  function times(result: ReturnType<typeof translate>): Record<string, string> {
    const out: Record<string, string> = {};
    const add = (where: string, conditions: Conditions | undefined) => conditions?.forEach((c) => (out[`${where} ${c.type}=${c.status}`] = c.lastTransitionTime));
    for (const s of result.statuses.values()) {
      const status = s.status as { conditions?: Conditions; listeners?: { name: string; conditions: Conditions }[]; parents?: { conditions: Conditions }[] };
      add(s.kind, status.conditions);
      status.listeners?.forEach((l) => add(`${s.kind} listener ${l.name}`, l.conditions));
      status.parents?.forEach((p, i) => add(`${s.kind} parent ${i}`, p.conditions));
    }
    return out;
  }

  it('unchanged conditions keep their time; a condition whose status changes gets the new one', () => {
    const cache = createTranslationCache();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-01-01T00:05:00Z');
    const t2 = new Date('2026-01-01T00:10:00Z');
    const first = translate(ResourceSet.from(objects(80) as never), { now: t0, cache });
    const second = translate(ResourceSet.from(objects(80) as never), { now: t1, cache });
    expect(Object.values(times(first)).length).toBeGreaterThan(8);
    expect(times(second)).toEqual(times(first));
    expect(Object.values(times(second)).every((t) => t === iso(t0))).toBe(true);
    // Unchanged objects keep their very status object.
    for (const [key, status] of second.statuses) expect(status).toBe(first.statuses.get(key));

    // The Service goes away: ResolvedRefs of the route turns False (new time); everything else stays.
    const third = translate(ResourceSet.from(objects(80).filter((o) => o.kind !== 'Service') as never), { now: t2, cache });
    const changed = Object.entries(times(third)).filter(([, t]) => t !== iso(t0));
    expect(changed).toEqual([['HTTPRoute parent 0 ResolvedRefs=False', iso(t2)]]);
    expect(third.statuses.get('GatewayClass/portico')).toBe(first.statuses.get('GatewayClass/portico'));
  });

  it('without a cache (portico translate) every condition has the translation time', () => {
    const now = new Date('2026-01-01T00:05:00Z');
    const result = translate(ResourceSet.from(objects(80) as never), { now });
    expect(Object.values(times(result)).every((t) => t === iso(now))).toBe(true);
  });
});
