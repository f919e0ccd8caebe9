import { PassThrough } from 'node:stream';
import type { ProviderSnapshot } from '@portico/provider';
import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { Registry } from 'prom-client';
import { demoObjects, GATEWAY } from '../fixtures.test-util.js';
import { createLogger } from '../logger.js';
import { quarantineEntry, SHARED, sharedGatewayObjects, type RouteSpec } from '../isolation/nack-fixtures.test-util.js';
import { createQuarantine } from '../isolation/quarantine.js';
import { routeUnits, unitFingerprint } from '../isolation/route-units.js';
import { createXdsPublisher } from './publish-gateways.js';
import { createReconciler } from './reconciler.js';
import { createServerMetrics } from './server-metrics.js';

const INGRESS_WITHOUT_SERVICE = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico }
spec: { controller: portico.dev/ingress-controller }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: blog, namespace: default }
spec:
  ingressClassName: portico
  rules:
  - host: blog.example.com
    http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: web, port: { name: http } } } }
`;

function setup() {
  const stream = new PassThrough();
  const entries: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => entries.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
  const registry = new Registry();
  const publisher = createXdsPublisher({ bootId: 'boot' });
  const reconciler = createReconciler({
    publisher,
    metrics: createServerMetrics(registry, { processMetrics: false }),
    logger: createLogger({ stream, format: 'json' }),
    controllerName: 'portico.dev/gateway-controller',
    now: () => new Date('2025-01-01T00:00:00Z'),
  });
  let generation = 0;
  const snapshot = (objects: Resource[]): ProviderSnapshot => ({ generation: ++generation, objects, resources: ResourceSet.from(objects) });
  const flush = () => new Promise((r) => setImmediate(r));
  return { reconciler, publisher, registry, entries, snapshot, flush };
}

describe('createReconciler', () => {
  it('translates, publishes, and reports the kinds that changed', () => {
    const { reconciler, publisher, snapshot } = setup();
    const first = reconciler.reconcile(snapshot(demoObjects()));
    expect(first).toMatchObject({ result: 'success', changedKinds: ['EndpointSlice', 'GRPCRoute', 'Gateway', 'GatewayClass', 'Service'], removed: [] });
    expect(first.published.map((r) => r.outcome)).toEqual(['published']);
    expect(reconciler.state()!.translatedAt).toBe('2025-01-01T00:00:00.000Z');
    expect([...reconciler.served().keys()]).toEqual([GATEWAY]);

    const second = reconciler.reconcile(snapshot(demoObjects({ headerValue: 'beta' })));
    expect(second).toMatchObject({ result: 'success', changedKinds: ['GRPCRoute'] });
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-2');
  });

  it('skips a generation it has already reconciled', () => {
    const { reconciler, snapshot } = setup();
    const s = snapshot(demoObjects());
    reconciler.reconcile(s);
    expect(reconciler.reconcile(s).result).toBe('skipped');
  });

  it('survives a translator exception: logs it with its stack, counts it, keeps the last good state', async () => {
    const { reconciler, publisher, registry, entries, snapshot, flush } = setup();
    reconciler.reconcile(snapshot(demoObjects()));
    const good = reconciler.state();
    // Not a ResourceSet: the translator throws, as a bug of ours would make it.
    const broken = { ...snapshot(demoObjects({ headerValue: 'beta' })), resources: {} as ResourceSet };
    expect(reconciler.reconcile(broken)).toMatchObject({ result: 'error', published: [] });
    expect(reconciler.state()).toBe(good);
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-1');
    await flush();
    const error = entries.find((e) => e.level === 'error')!;
    expect(error).toMatchObject({ message: expect.stringMatching(/^translation failed/), generation: 2, stack: expect.stringContaining('at ') });
    expect(await registry.metrics()).toMatch(/^portico_reconcile_total\{kind="GRPCRoute",result="error"\} 1$/m);
    // The next good snapshot goes through.
    expect(reconciler.reconcile(snapshot(demoObjects({ headerValue: 'beta' }))).result).toBe('success');
  });

  it('logs an object when it becomes unhealthy and again when it is fixed, and each diagnostic once', async () => {
    const { reconciler, entries, snapshot, flush } = setup();
    const ingress = parseResources(INGRESS_WITHOUT_SERVICE, 'ingress.yaml').objects;
    reconciler.reconcile(snapshot([...demoObjects(), ...ingress]));
    reconciler.reconcile(snapshot([...demoObjects({ headerValue: 'beta' }), ...ingress]));
    await flush();
    const warnings = entries.filter((e) => e.level === 'warn');
    expect(warnings.filter((e) => e.kind === 'GRPCRoute')).toEqual([
      expect.objectContaining({ message: 'GRPCRoute not healthy', namespace: 'default', name: 'echo', parent: 'default/gw', reason: 'ResolvedRefs: BackendNotFound' }),
    ]);
    expect(warnings.filter((e) => e.kind === 'Ingress')).toHaveLength(1);

    // Only the healthy rule left: the route is healthy again.
    const fixed = demoObjects().map((o) =>
      o.kind === 'GRPCRoute' ? { ...o, spec: { ...o.spec, rules: o.spec.rules!.slice(0, 1) } } : o,
    ) as Resource[];
    reconciler.reconcile(snapshot(fixed));
    await flush();
    expect(entries.filter((e) => e.kind === 'GRPCRoute').at(-1)).toMatchObject({ level: 'info', message: 'GRPCRoute healthy again', name: 'echo' });
  });

  it('says the pipeline is not working while the latest snapshot fails to translate, and working again after', () => {
    const { reconciler, snapshot } = setup();
    reconciler.reconcile(snapshot(demoObjects()));
    expect(reconciler.health().notReadyReasons()).toEqual([]);
    reconciler.reconcile({ ...snapshot(demoObjects()), resources: {} as ResourceSet });
    expect(reconciler.health().notReadyReasons()).toEqual([expect.stringMatching(/^the latest snapshot \(generation 2\) failed to translate: .*last good config is served$/)]);
    expect(reconciler.health().view().translationFailure).toMatchObject({ generation: 2 });
    reconciler.reconcile(snapshot(demoObjects()));
    expect(reconciler.health().notReadyReasons()).toEqual([]);
  });

  it('an object that fails to translate is logged with its stack and counted once; its gateway keeps the last good snapshot', async () => {
    const { reconciler, publisher, registry, entries, snapshot, flush } = setup();
    reconciler.reconcile(snapshot(demoObjects()));
    // Not through the loader (which would refuse it): a Gateway the translator cannot read.
    const brokenGateway = (): Resource[] => demoObjects().map((o) => (o.kind === 'Gateway' ? ({ ...o, spec: { ...o.spec, listeners: 42 } } as unknown as Resource) : o));
    const outcome = reconciler.reconcile(snapshot(brokenGateway()));
    expect(outcome).toMatchObject({ result: 'success', removed: [] });
    // Still served, unchanged: a bug of ours does not take the Envoys' listeners away.
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-1');
    expect(reconciler.health().view().failingObjects).toEqual([{ kind: 'Gateway', namespace: 'default', name: 'gw', message: expect.stringMatching(/map is not a function/), gateway: GATEWAY }]);
    expect(reconciler.health().notReadyReasons()).toEqual([]);
    reconciler.reconcile(snapshot(brokenGateway()));
    await flush();
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^translating an object failed/), kind: 'Gateway', namespace: 'default', name: 'gw', gateway: GATEWAY, stack: expect.stringContaining('at ') }),
    ]);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^portico_translation_errors_total\{kind="Gateway"\} 1$/m);
    expect(metrics).toMatch(/^portico_translation_failing_objects 1$/m);

    reconciler.reconcile(snapshot(demoObjects({ headerValue: 'beta' })));
    expect(reconciler.health().view().failingObjects).toEqual([]);
    expect(await registry.metrics()).toMatch(/^portico_translation_failing_objects 0$/m);
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-2');
  });
});

describe('createReconciler with a quarantine', () => {
  it('serves the IR without the quarantined rule, says so in the route status and logs, and releases it when the route changes', () => {
    const stream = new PassThrough();
    const entries: Record<string, unknown>[] = [];
    stream.on('data', (chunk: Buffer) => entries.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    const quarantine = createQuarantine();
    const publisher = createXdsPublisher({ bootId: 'boot', quarantine });
    const reconciler = createReconciler({
      publisher,
      quarantine,
      metrics: createServerMetrics(new Registry(), { processMetrics: false }),
      logger: createLogger({ stream, format: 'json' }),
      controllerName: 'portico.dev/gateway-controller',
      now: () => new Date('2025-01-01T00:00:00Z'),
    });
    const A: RouteSpec = { namespace: 'team-a', name: 'a', rules: [{ path: '/a' }, { path: '/bad' }] };
    let generation = 0;
    const reconcile = (objects: Resource[], force = false) =>
      reconciler.reconcile({ generation: force ? generation : ++generation, objects, resources: ResourceSet.from(objects) }, { force });
    const objects = sharedGatewayObjects([A]);
    reconcile(objects);
    const unit = 'HTTPRoute/team-a/a/rule/1';
    const ir = reconciler.served().get(SHARED)!;
    quarantine.add([quarantineEntry(unit, { rule: 1, fingerprint: unitFingerprint(routeUnits(ir).get(unit)!), version: 'boot-1', error: 'refused', probes: 0, since: '' })]);
    // What NACK containment does once it quarantined a rule: reconcile the same objects again.
    expect(reconcile(objects, true).published.map((r) => r.outcome)).toEqual(['published']);
    expect([...routeUnits(reconciler.served().get(SHARED)!).keys()]).toEqual(['HTTPRoute/team-a/a/rule/0']);
    const parent = (reconciler.state()!.result.statuses.get('HTTPRoute/team-a/a')!.status as { parents: { conditions: { type: string; message: string }[] }[] }).parents[0]!;
    expect(parent.conditions.find((c) => c.type === 'PartiallyInvalid')!.message).toMatch(/^Dropped Rule 1: Envoy \(envoy-1\) refused/);
    expect(entries.some((e) => e.message === 'HTTPRoute not healthy' && e.name === 'a')).toBe(true);

    reconcile(sharedGatewayObjects([{ ...A, rules: [{ path: '/a' }, { path: '/fixed' }] }]));
    expect(quarantine.entries()).toEqual([]);
    expect(routeUnits(reconciler.served().get(SHARED)!).size).toBe(2);
    expect(entries.some((e) => e.message === 'route released from quarantine: it changed, it gets another try' && e.rule === 1)).toBe(true);
    expect(entries.some((e) => e.message === 'HTTPRoute healthy again' && e.name === 'a')).toBe(true);
  });
});
