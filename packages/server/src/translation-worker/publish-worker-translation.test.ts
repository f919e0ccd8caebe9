import { describe, expect, it } from '@jest/globals';
import { TYPE_URLS } from '@portico/envoy';
import type { ResourceListKey } from '@portico/xds';
import { createWorkerPublisher } from './publish-worker-translation.js';
import type { HostGateway, HostResource, WorkerTranslation } from './translation-worker-host.js';

type Built = Extract<HostGateway, { outcome: 'built' }>;
const resource = (name: string, version: string): HostResource => ({ name, version, bytes: new TextEncoder().encode(`${name}@${version}`) });

function built(gateway: string, lists: Partial<Record<ResourceListKey, HostResource[]>>, options: { problems?: string[]; namedOnly?: string[] } = {}): Built {
  return {
    gateway,
    outcome: 'built',
    problems: options.problems ?? [],
    resources: { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [], ...lists },
    namedOnly: new Set(options.namedOnly ?? []),
    ir: () => Promise.reject(new Error('not in this test')),
    builtIr: () => Promise.reject(new Error('not in this test')),
  };
}

function translation(...gateways: HostGateway[]): Extract<WorkerTranslation, { result: 'success' }> {
  return { result: 'success', generation: 1, path: 'translate', gateways, statuses: new Map(), diagnostics: [], failures: [], released: [], listenerPorts: [], translateMs: 0, buildMs: 0 };
}

describe('createWorkerPublisher', () => {
  const listeners = [resource('gw/http', 'l1'), resource('echo.test:8080', 'p1')];
  const clusters = [resource('echo', 'c1')];

  it('publishes what the worker built, Envoy resources to wildcard subscribers and proxyless ones by name only', () => {
    const publisher = createWorkerPublisher({ bootId: 'boot' });
    const { results } = publisher.publish(translation(built('default/gw', { listeners, clusters }, { namedOnly: ['echo.test:8080'] })));
    expect(results).toEqual([{ gateway: 'default/gw', outcome: 'published', published: true, problems: [], version: 'boot-1' }]);
    const served = publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.listener)!;
    expect([...served.values()].map((r) => [r.name, r.wildcard])).toEqual([
      ['echo.test:8080', false],
      ['gw/http', true],
    ]);
  });

  it('publishes the same snapshot when what it hands the cache was made ready in slices first', async () => {
    const many = Array.from({ length: 7 }, (_, i) => resource(`l${i}`, 'v1'));
    const lists = { listeners: [...many, ...listeners], clusters };
    const options = { namedOnly: ['echo.test:8080', 'l3'] };
    const inOneGo = createWorkerPublisher({ bootId: 'boot' });
    inOneGo.publish(translation(built('default/gw', lists, options)));
    const sliced = createWorkerPublisher({ bootId: 'boot' });
    const prepared = translation(built('default/gw', lists, options));
    await sliced.prepare(prepared, 2);
    sliced.publish(prepared);
    const entries = (p: typeof sliced) => [...p.cache.snapshot('default/gw')!.resources].map(([type, byName]) => [type, [...byName.values()]]);
    expect(entries(sliced)).toEqual(entries(inOneGo));
  });

  it('keeps the served snapshot when the worker says unchanged, or found problems, or failed to build', () => {
    const publisher = createWorkerPublisher({ bootId: 'boot' });
    publisher.publish(translation(built('default/gw', { listeners, clusters })));
    const served = publisher.cache.snapshot('default/gw');
    expect(publisher.publish(translation({ gateway: 'default/gw', outcome: 'unchanged' })).results[0]).toMatchObject({ outcome: 'unchanged', version: 'boot-1' });
    const refused = publisher.publish(translation(built('default/gw', { listeners, clusters: [resource('echo', 'c2')] }, { problems: ['cluster x is missing'] })));
    expect(refused.results[0]).toMatchObject({ outcome: 'rejected', published: false, problems: ['cluster x is missing'], version: 'boot-1' });
    const failed = publisher.publish(translation({ gateway: 'default/gw', outcome: 'error', error: new Error('boom') }));
    expect(failed.results[0]).toMatchObject({ outcome: 'error', problems: ['boom'], version: 'boot-1' });
    expect(publisher.cache.snapshot('default/gw')).toBe(served);
  });

  it('patches the endpoint fast path in by name, and refuses a patch naming what is not served', () => {
    const publisher = createWorkerPublisher({ bootId: 'boot' });
    publisher.publish(translation(built('default/gw', { listeners, clusters, endpoints: [resource('echo', 'e1'), resource('other', 'o1')] })));
    const other = publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.endpoint)!.get('other');
    const ir = () => Promise.reject(new Error('not in this test'));
    const patched = publisher.publish(translation({ gateway: 'default/gw', outcome: 'patched', replacements: { clusters: [], endpoints: [resource('echo', 'e2')] }, ir, builtIr: ir }));
    expect(patched.results[0]).toMatchObject({ outcome: 'published', version: 'boot-2' });
    const endpoints = publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.endpoint)!;
    expect([...endpoints.values()].map((r) => r.version)).toEqual(['e2', 'o1']);
    expect(endpoints.get('other')).toBe(other);
    const refused = publisher.publish(translation({ gateway: 'default/gw', outcome: 'patched', replacements: { clusters: [], endpoints: [resource('nobody', 'n1')] }, ir, builtIr: ir }));
    expect(refused.results[0]).toMatchObject({ outcome: 'rejected', version: 'boot-2' });
  });

  it('names on the result of each gateway the quarantined units the worker released building it, as in process', () => {
    const publisher = createWorkerPublisher({ bootId: 'boot' });
    const entry = (gateway: string) => ({ gateway, unit: 'HTTPRoute/default/r/rule/0', kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0, fingerprint: 'f', typeUrl: TYPE_URLS.route, version: 'v', refusedBy: 'envoy', error: 'refused', at: '' });
    const released = [entry('default/other')] as unknown as Extract<WorkerTranslation, { result: 'success' }>['released'];
    const { results } = publisher.publish({ ...translation(built('default/gw', { listeners, clusters }), built('default/other', { clusters })), released });
    expect(results.map((r) => r.released)).toEqual([undefined, released]);
  });

  it('reuses the served instance of every unchanged resource, and deletes the snapshots of gateways gone', () => {
    const publisher = createWorkerPublisher({ bootId: 'boot' });
    publisher.publish(translation(built('default/gw', { listeners, clusters }), built('default/other', { clusters })));
    const before = publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.cluster)!.get('echo');
    const { results, removed } = publisher.publish(translation(built('default/gw', { listeners: [resource('gw/http', 'l2'), listeners[1]!], clusters: [resource('echo', 'c1')] })));
    expect(results[0]).toMatchObject({ outcome: 'published', version: 'boot-3' });
    expect(publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.cluster)!.get('echo')).toBe(before);
    expect(removed).toEqual(['default/other']);
    expect(publisher.cache.gateways()).toEqual(['default/gw']);
  });
});
