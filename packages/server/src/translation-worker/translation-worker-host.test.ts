/**
 * The translation worker gives the main thread exactly what the in-process path serves: the same
 * encoded bytes and versions per gateway, the same statuses, the same IR, after any sequence of
 * changes (a property, through the real worker thread: the compiled dist/translation-worker/
 * translation-worker.js, which `npm test` builds first). And a dying worker never takes the caller
 * with it: what waited is rejected, and the next call starts over on a new worker.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import type { ProviderSnapshot } from '@portico/provider';
import { ResourceSet, type KubeObject, type Resource } from '@portico/resources';
import { createTranslationCache, translate } from '@portico/translator';
import { demoObjects } from '../fixtures.test-util.js';
import { createXdsPublisher } from '../reconcile/publish-gateways.js';
import { RESOURCE_LISTS } from './packed-resources.js';
import { REMEMBERED_BUILDS, STATUSES_PER_SLICE } from './translation-core.js';
import { createTranslationWorkerHost, TranslationWorkerError, type HostGateway, type TranslationWorkerHost } from './translation-worker-host.js';
import { TYPE_URLS } from '@portico/envoy';

const script = new URL('../../dist/translation-worker/translation-worker.js', import.meta.url);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const now = new Date(0);
const TYPE_URL_OF = { listeners: TYPE_URLS.listener, routes: TYPE_URLS.route, clusters: TYPE_URLS.cluster, endpoints: TYPE_URLS.endpoint, secrets: TYPE_URLS.secret } as const;

function route(name: string, header: string, weight: number, backend: string): Resource {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: [`${name}.test`],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${name}` }, headers: [{ name: 'x-tenant', value: header }] }], backendRefs: [{ name: backend, port: 9000, weight }] }],
    },
  } as Resource;
}

function slice(ip: string): Resource {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'echo-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4',
    ports: [{ name: 'grpc', port: 9101 }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  } as Resource;
}

type Step = { type: 'route'; at: number; header: string; weight: number; backend: 'echo' | 'missing' } | { type: 'remove'; at: number } | { type: 'endpoint'; last: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('route' as const), at: fc.nat(6), header: fc.constantFrom('a', 'b', 'c'), weight: fc.integer({ min: 0, max: 3 }), backend: fc.constantFrom('echo' as const, 'missing' as const) }),
  fc.record({ type: fc.constant('remove' as const), at: fc.nat(6) }),
  fc.record({ type: fc.constant('endpoint' as const), last: fc.integer({ min: 1, max: 250 }) }),
);

/** A provider's snapshots: unchanged objects keep their identity, `changes` names the rest. */
function snapshots(initial: Resource[]) {
  let resources = ResourceSet.from(initial);
  let generation = 1;
  const first: ProviderSnapshot = { generation, resources, objects: [...resources.all()] };
  return {
    first,
    apply(s: Step): ProviderSnapshot {
      resources = resources.clone();
      let change: NonNullable<ProviderSnapshot['changes']>[number];
      if (s.type === 'route') {
        const o = route(`r${s.at}`, s.header, s.weight, s.backend);
        resources.upsert(o as never);
        change = { kind: 'HTTPRoute', namespace: 'default', name: `r${s.at}`, type: 'upsert' };
      } else if (s.type === 'remove') {
        resources.delete('HTTPRoute', 'default', `r${s.at}`);
        change = { kind: 'HTTPRoute', namespace: 'default', name: `r${s.at}`, type: 'delete' };
      } else {
        resources.upsert(slice(`10.0.0.${s.last}`) as never);
        change = { kind: 'EndpointSlice', namespace: 'default', name: 'echo-1', type: 'upsert' };
      }
      generation += 1;
      return { generation, resources, objects: [...resources.all()], changes: [change] };
    },
  };
}

let host: TranslationWorkerHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

function built(gateways: HostGateway[]): Extract<HostGateway, { outcome: 'built' }>[] {
  return gateways.filter((g): g is Extract<HostGateway, { outcome: 'built' }> => g.outcome === 'built');
}

describe('translation worker', () => {
  it('serves the same bytes, statuses and IR as translating in process, after any changes', async () => {
    // One worker for every run: each run's first snapshot (no `changes`) makes it start over from every object.
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const source = snapshots([...demoObjects(), route('r0', 'a', 1, 'echo'), route('r1', 'b', 2, 'missing')]);
        const publisher = createXdsPublisher({ bootId: 'boot' });
        const cache = createTranslationCache();
        /** Per gateway and list, what the worker path holds: name → [version, bytes]. */
        const held = new Map<string, Map<string, [string, Uint8Array]>>();
        for (const snapshot of [source.first, ...steps.map((s) => source.apply(s))]) {
          const answer = await host!.translate(snapshot, now);
          if (answer.result !== 'success') throw answer.error;
          const expected = translate(snapshot.resources, { now, cache });
          expect(new Map(answer.statuses)).toEqual(expected.statuses);
          expect(answer.diagnostics).toEqual(expected.diagnostics);
          publisher.publishGateways(expected.gateways);
          for (const g of answer.gateways) {
            if (g.outcome !== 'patched') continue;
            expect(await g.ir()).toEqual(expected.gateways.get(g.gateway));
            for (const kind of ['clusters', 'endpoints'] as const) for (const r of g.replacements[kind]) held.get(`${g.gateway} ${kind}`)!.set(r.name, [r.version, r.bytes]);
          }
          for (const g of built(answer.gateways)) {
            expect(g.problems).toEqual([]);
            expect(await g.ir()).toEqual(expected.gateways.get(g.gateway));
            for (const kind of RESOURCE_LISTS) held.set(`${g.gateway} ${kind}`, new Map(g.resources[kind].map((r) => [r.name, [r.version, r.bytes]])));
          }
          expect(answer.gateways.map((g) => g.gateway)).toEqual([...expected.gateways.keys()]);
          for (const gateway of expected.gateways.keys()) {
            for (const kind of RESOURCE_LISTS) {
              const served = [...publisher.cache.snapshot(gateway)!.resources.get(TYPE_URL_OF[kind])!.values()].map((r) => [r.name, r.version, Buffer.from(r.bytes).toString('hex')]);
              const mine = [...held.get(`${gateway} ${kind}`)!].map(([name, [version, bytes]]) => [name, version, Buffer.from(bytes).toString('hex')]);
              expect(mine.sort()).toEqual(served.sort());
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('reads a large answer over many turns (statuses a slice per turn, resources a few per turn) into the same statuses and bytes', async () => {
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' }, resourcesPerTurn: 50 });
    const routes = Array.from({ length: 2 * STATUSES_PER_SLICE + 7 }, (_, i) => route(`r${i}`, 'a', 1, i % 2 ? 'echo' : 'missing'));
    const source = snapshots([...demoObjects(), ...routes]);
    let turns = 0;
    const counting = setInterval(() => (turns += 1), 0);
    const answer = await host.translate(source.first, now).finally(() => clearInterval(counting));
    if (answer.result !== 'success') throw answer.error;
    // Three status slices and a turn per resource list: timers ran in between.
    expect(turns).toBeGreaterThan(2);
    const expected = translate(source.first.resources, { now });
    expect(new Map(answer.statuses)).toEqual(expected.statuses);
    const publisher = createXdsPublisher({ bootId: 'boot' });
    publisher.publishGateways(expected.gateways);
    for (const g of built(answer.gateways)) {
      for (const kind of RESOURCE_LISTS) {
        const served = [...publisher.cache.snapshot(g.gateway)!.resources.get(TYPE_URL_OF[kind])!.values()].map((r) => [r.name, r.version, Buffer.from(r.bytes).toString('hex')]);
        expect(g.resources[kind].map((r) => [r.name, r.version, Buffer.from(r.bytes).toString('hex')]).sort()).toEqual(served.sort());
      }
    }
    // Translated again with nothing changed: the very map of statuses (whoever holds it can tell at once).
    const again = await host.translate(source.first, now, { force: true });
    if (again.result !== 'success') throw again.error;
    expect(again.statuses).toBe(answer.statuses);
  }, 30_000);

  it('sends only the resources that changed: a route edit moves the bytes of its route table alone', async () => {
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    const source = snapshots([...demoObjects(), route('r0', 'a', 1, 'echo')]);
    const first = await host.translate(source.first, now);
    const edited = await host.translate(source.apply({ type: 'route', at: 0, header: 'b', weight: 1, backend: 'echo' }), now);
    if (first.result !== 'success' || edited.result !== 'success') throw new Error('translation failed');
    const [before] = built(first.gateways);
    const [after] = built(edited.gateways);
    // Unchanged resources are the very objects the main thread already held.
    expect(after!.resources.clusters).toEqual(before!.resources.clusters);
    expect(after!.resources.clusters.every((r, i) => r === before!.resources.clusters[i])).toBe(true);
    expect(after!.resources.listeners.every((r, i) => r === before!.resources.listeners[i])).toBe(true);
    expect(after!.resources.routes.some((r, i) => r !== before!.resources.routes[i])).toBe(true);
    // The worker keeps the IR of recent builds for whoever asks (a debug endpoint), the older one too.
    const [irBefore, irAfter] = [await before!.ir(), await after!.ir()];
    expect(irBefore).not.toEqual(irAfter);
    expect(irAfter).toEqual(translate(source.apply({ type: 'route', at: 0, header: 'b', weight: 1, backend: 'echo' }).resources, { now }).gateways.get('default/gw'));
  });

  it('takes the endpoint fast path: an EndpointSlice change sends only its endpoint set', async () => {
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    const source = snapshots([...demoObjects(), route('r0', 'a', 1, 'echo')]);
    const first = await host.translate(source.first, now);
    const moved = await host.translate(source.apply({ type: 'endpoint', last: 9 }), now);
    if (first.result !== 'success' || moved.result !== 'success') throw new Error('translation failed');
    expect(moved.path).toBe('endpoints');
    const [g] = moved.gateways;
    if (g?.outcome !== 'patched') throw new Error(`expected a patch, got ${g?.outcome}`);
    expect(g.replacements.clusters).toEqual([]);
    expect(g.replacements.endpoints.map((r) => r.name)).toEqual(['default/echo/9000/http2']);
    const publisher = createXdsPublisher({ bootId: 'boot' });
    publisher.publishGateways(translate(source.apply({ type: 'endpoint', last: 9 }).resources, { now }).gateways);
    const served = publisher.cache.snapshot('default/gw')!.resources.get(TYPE_URLS.endpoint)!.get('default/echo/9000/http2')!;
    expect(Buffer.from(g.replacements.endpoints[0]!.bytes).equals(Buffer.from(served.bytes))).toBe(true);
  });

  it('says so when the IR of a build is no longer held', async () => {
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    const source = snapshots([...demoObjects(), route('r0', 'a', 1, 'echo')]);
    const first = await host.translate(source.first, now);
    for (let i = 0; i < REMEMBERED_BUILDS; i++) await host.translate(source.apply({ type: 'route', at: 0, header: i % 2 ? 'a' : 'b', weight: 1 + i, backend: 'echo' }), now);
    if (first.result !== 'success') throw first.error;
    await expect(built(first.gateways)[0]!.ir()).rejects.toThrow(/no longer holds the IR of default\/gw/);
  });

  it('survives a worker that dies: what waited is rejected, the next call starts a new worker from every object', async () => {
    const workers: Worker[] = [];
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' }, onWorkerStarted: (w) => workers.push(w) });
    const source = snapshots(demoObjects());
    expect((await host.translate(source.first, now)).result).toBe('success');
    const waiting = host.translate(source.apply({ type: 'route', at: 0, header: 'a', weight: 1, backend: 'echo' }), now);
    await workers[0]!.terminate();
    await expect(waiting).rejects.toBeInstanceOf(TranslationWorkerError);
    const again = await host.translate(source.apply({ type: 'route', at: 1, header: 'a', weight: 1, backend: 'echo' }), now);
    expect(workers).toHaveLength(2);
    if (again.result !== 'success') throw again.error;
    // The new worker got every object (r0 of the lost snapshot included) and sent every resource again.
    expect([...again.statuses.keys()].filter((k) => k.startsWith('HTTPRoute/'))).toEqual(['HTTPRoute/default/r0', 'HTTPRoute/default/r1']);
    expect(built(again.gateways).map((g) => g.gateway)).toEqual(['default/gw']);
  });

  it('fails the translation, not the process, on an answer it cannot read; then starts over on a new worker', async () => {
    let corrupt = false;
    const workers: Worker[] = [];
    host = createTranslationWorkerHost({
      script,
      translate: { controllerName: 'portico.dev/gateway-controller' },
      onWorkerStarted(w) {
        workers.push(w);
        // The next answer names a cluster as already sent when it never was.
        const emit = w.emit.bind(w);
        w.emit = ((event: string, ...args: unknown[]) => {
          const message = args[0] as { type?: string; gateways?: { outcome: string; resources: { lists: Record<string, unknown> } }[] };
          if (event === 'message' && corrupt && message.type === 'translated') {
            corrupt = false;
            for (const g of message.gateways!) if (g.outcome === 'built') g.resources.lists.clusters = { names: ['nobody'], versions: ['v0'], offsets: [-1], lengths: [0] };
          }
          return emit(event, ...args);
        }) as typeof w.emit;
      },
    });
    const source = snapshots(demoObjects());
    expect((await host.translate(source.first, now)).result).toBe('success');
    corrupt = true;
    await expect(host.translate(source.apply({ type: 'route', at: 0, header: 'a', weight: 1, backend: 'echo' }), now)).rejects.toThrow(/left out clusters nobody/);
    const again = await host.translate(source.apply({ type: 'route', at: 1, header: 'a', weight: 1, backend: 'echo' }), now);
    if (again.result !== 'success') throw again.error;
    expect(workers).toHaveLength(2);
    expect([...again.statuses.keys()].filter((k) => k.startsWith('HTTPRoute/'))).toEqual(['HTTPRoute/default/r0', 'HTTPRoute/default/r1']);
  });

  it('rejects a snapshot that cannot cross to the worker, and goes on with the next', async () => {
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    const source = snapshots(demoObjects());
    expect((await host.translate(source.first, now)).result).toBe('success');
    // A function does not clone: posting fails on this thread, and nothing of it reaches the worker.
    const broken = { ...route('bad', 'a', 1, 'echo'), spec: { parentRefs: [{ name: 'gw' }], hostnames: () => 1 } } as unknown as KubeObject;
    const resources = source.first.resources.clone();
    resources.upsert(broken as never);
    await expect(host.translate({ generation: 2, resources, objects: [...resources.all()], changes: [{ kind: 'HTTPRoute', namespace: 'default', name: 'bad', type: 'upsert' }] }, now)).rejects.toThrow();
    const again = await host.translate(source.apply({ type: 'route', at: 1, header: 'a', weight: 1, backend: 'echo' }), now);
    if (again.result !== 'success') throw again.error;
    expect([...again.statuses.keys()].filter((k) => k.startsWith('HTTPRoute/'))).toEqual(['HTTPRoute/default/r1']);
  });

  it('is a TranslationWorkerError when the worker cannot start', async () => {
    host = createTranslationWorkerHost({ script: new URL('./no-such-worker.js', script), translate: { controllerName: 'x' } });
    await expect(host.translate(snapshots(demoObjects()).first, now)).rejects.toBeInstanceOf(TranslationWorkerError);
  });
});
