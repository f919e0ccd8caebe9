/**
 * The status writer against a real kube-apiserver + etcd with the Gateway API CRDs: it shares route
 * status with another controller, writes only changes, survives conflicts and deletions, fills
 * Gateway, ListenerSet, GatewayClass, BackendTLSPolicy and Ingress statuses as the API server stores them, keeps
 * conditions of types it does not write, and keeps to its rate limit. Prints the writes per second
 * it reaches and the time 1,000 route statuses take at the default rate (DEFAULT_STATUS_QPS,
 * DEFAULT_STATUS_BURST: 200 per second after 500).
 */
import { jest } from '@jest/globals';
import { type DesiredStatus, type StatusWriter, type StatusWriterOptions } from '@portico/provider';
import { createStatusWriter, DEFAULT_STATUS_BURST, DEFAULT_STATUS_QPS } from '@portico/provider/kubernetes';
import type { KubeObject } from '@portico/resources';
import { WRITTEN_CONDITION_TYPES } from '@portico/translator';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { loadPorticoCrds } from '../support/kube/kube-crds.js';

jest.setTimeout(240_000);

const OURS = 'portico.dev/gateway-controller';
const THEIRS = 'example.com/other-controller';
const GW = 'gateway.networking.k8s.io';
const GW_API = `/apis/${GW}/v1`;

type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string };
type ParentStatus = { parentRef: Record<string, unknown>; controllerName: string; conditions: Condition[] };

function condition(type: string, status: 'True' | 'False', time: string, reason = type): Condition {
  return { type, status, reason, message: `${type} ${status}`, observedGeneration: 1, lastTransitionTime: time };
}

function ourParent(gateway: string, time: string, accepted: 'True' | 'False' = 'True'): ParentStatus {
  return {
    parentRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: gateway },
    controllerName: OURS,
    conditions: [condition('Accepted', accepted, time, accepted === 'True' ? 'Accepted' : 'NotAllowedByListeners'), condition('ResolvedRefs', 'True', time)],
  };
}

function routeDesired(name: string, time: string, accepted: 'True' | 'False' = 'True'): DesiredStatus {
  return { kind: 'HTTPRoute', namespace: 'apps', name, status: { parents: [ourParent('ours', time, accepted)] } };
}

function httpRoute(name: string) {
  return {
    apiVersion: `${GW}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'apps' },
    spec: { parentRefs: [{ name: 'ours', namespace: 'infra' }, { name: 'theirs', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
  };
}

describeWithKube('status writer against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  const writers: StatusWriter[] = [];

  const get = async (path: string): Promise<KubeObject | undefined> => {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', path);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
    return body as KubeObject;
  };
  const routePath = (name: string) => `${GW_API}/namespaces/apps/httproutes/${name}`;
  const parentsOf = async (name: string) => ((await get(routePath(name)))!.status as { parents: ParentStatus[] }).parents;

  /** Another controller writes its own entry, the way it would: read, append, PUT with the resourceVersion. */
  const writeTheirEntry = async (name: string) => {
    const route = (await get(routePath(name)))!;
    const parents = ((route.status as { parents?: ParentStatus[] } | undefined)?.parents ?? []).filter((p) => p.controllerName !== THEIRS);
    const theirs: ParentStatus = { parentRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'theirs' }, controllerName: THEIRS, conditions: [condition('Accepted', 'True', '2024-01-01T00:00:00Z')] };
    const { status, body } = await kubeRequest(kube.kubeConfig, 'PUT', `${routePath(name)}/status`, { ...route, status: { parents: [...parents, theirs] } });
    if (status !== 200) throw new Error(`their status write: ${status} ${JSON.stringify(body)}`);
  };

  const writer = (options: Partial<StatusWriterOptions> = {}) => {
    const w = createStatusWriter({ kubeConfig: kube.kubeConfig, controllerName: OURS, ownedConditionTypes: WRITTEN_CONDITION_TYPES, ...options });
    writers.push(w);
    return w;
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: ['apps', 'infra'] });
    await kube.installCrds();
  });

  afterAll(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    await kube?.stop();
  });

  it('shares an HTTPRoute’s parents with another controller; the same status again writes nothing, a change writes once', async () => {
    await kube.apply([httpRoute('shared')]);
    await writeTheirEntry('shared');
    const w = writer();
    w.update([routeDesired('shared', '2025-01-01T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, conflicts: 0, failures: 0 });
    let parents = await parentsOf('shared');
    expect(parents.map((p) => p.controllerName)).toEqual([THEIRS, OURS]);
    expect(parents[1]).toEqual(ourParent('ours', '2025-01-01T00:00:00Z'));

    w.update([routeDesired('shared', '2025-01-02T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });

    w.update([routeDesired('shared', '2025-01-03T00:00:00Z', 'False')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2, unchanged: 1 });
    parents = await parentsOf('shared');
    expect(parents.map((p) => p.controllerName)).toEqual([THEIRS, OURS]);
    // Accepted changed status: new time. ResolvedRefs did not: it keeps the first time.
    expect(parents[1]!.conditions.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ['Accepted', 'False', '2025-01-03T00:00:00Z'],
      ['ResolvedRefs', 'True', '2025-01-01T00:00:00Z'],
    ]);

    // The route leaves the desired set: our entry goes, theirs stays.
    w.update([]);
    await w.idle();
    expect((await parentsOf('shared')).map((p) => p.controllerName)).toEqual([THEIRS]);
  });

  it('retries a conflict (another writer changed the route after our read) and keeps both entries', async () => {
    await kube.apply([httpRoute('contended')]);
    const stale = (await get(routePath('contended')))!;
    await writeTheirEntry('contended');
    // A cache that has not seen their write yet: our first PUT carries a stale resourceVersion.
    const w = writer({ currentObject: (kind, namespace, name) => (kind === 'HTTPRoute' && namespace === 'apps' && name === 'contended' ? stale : undefined) });
    w.update([routeDesired('contended', '2025-01-01T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ conflicts: 1, writes: 2, reads: 1, failures: 0 });
    expect((await parentsOf('contended')).map((p) => p.controllerName)).toEqual([THEIRS, OURS]);
  });

  it('drops objects that are gone (never existed, or deleted after the cache saw them) without failing', async () => {
    await kube.apply([httpRoute('doomed')]);
    const cached = (await get(routePath('doomed')))!;
    const { status } = await kubeRequest(kube.kubeConfig, 'DELETE', routePath('doomed'));
    expect(status).toBe(200);
    const w = writer({ currentObject: (_kind, _namespace, name) => (name === 'doomed' ? cached : undefined) });
    w.update([routeDesired('doomed', '2025-01-01T00:00:00Z'), routeDesired('never-existed', '2025-01-01T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ notFound: 2, failures: 0 });
  });

  it('writes a Gateway’s conditions, listeners and addresses as the API server stores them', async () => {
    await kube.apply([
      { apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'edge', namespace: 'infra' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }, { name: 'tcp', protocol: 'TCP', port: 9000 }] } },
    ]);
    const gatewayStatus = (time: string, attached: number) => ({
      addresses: [{ value: '10.0.0.10' }],
      conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time)],
      listeners: [
        { name: 'http', supportedKinds: [{ kind: 'HTTPRoute' }, { kind: 'GRPCRoute' }], attachedRoutes: attached, conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time)] },
        { name: 'tcp', supportedKinds: [{ kind: 'TCPRoute' }], attachedRoutes: 0, conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time)] },
      ],
    });
    const w = writer();
    w.update([{ kind: 'Gateway', namespace: 'infra', name: 'edge', status: gatewayStatus('2025-01-01T00:00:00Z', 2) }]);
    await w.idle();
    const stored = (await get(`${GW_API}/namespaces/infra/gateways/edge`))!.status as ReturnType<typeof gatewayStatus>;
    expect(stored.addresses).toEqual([{ type: 'IPAddress', value: '10.0.0.10' }]);
    expect(stored.conditions.map((c) => c.type)).toEqual(['Accepted', 'Programmed']);
    expect(stored.listeners.map((l) => [l.name, l.attachedRoutes, l.supportedKinds])).toEqual([
      ['http', 2, [{ group: GW, kind: 'HTTPRoute' }, { group: GW, kind: 'GRPCRoute' }]],
      ['tcp', 0, [{ group: GW, kind: 'TCPRoute' }]],
    ]);
    // The same status (without the CRD defaults, at a later time) is already there: nothing to write.
    w.update([{ kind: 'Gateway', namespace: 'infra', name: 'edge', status: gatewayStatus('2025-01-02T00:00:00Z', 2) }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });
    w.update([{ kind: 'Gateway', namespace: 'infra', name: 'edge', status: gatewayStatus('2025-01-03T00:00:00Z', 0) }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2 });
    const after = (await get(`${GW_API}/namespaces/infra/gateways/edge`))!.status as ReturnType<typeof gatewayStatus>;
    expect(after.listeners[0]!.attachedRoutes).toBe(0);
    expect(after.listeners[0]!.conditions[0]!.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
  });

  it('writes a ListenerSet’s conditions and listeners (GEP-1713), keeping conditions of a type it does not write', async () => {
    const path = `${GW_API}/namespaces/apps/listenersets/team`;
    await kube.apply([
      { apiVersion: `${GW}/v1`, kind: 'ListenerSet', metadata: { name: 'team', namespace: 'apps' }, spec: { parentRef: { name: 'edge', namespace: 'infra' }, listeners: [{ name: 'web', protocol: 'HTTP', port: 8080 }] } },
    ]);
    // The CRD's default status is Pending for both conditions (listenersets.gateway.networking.k8s.io).
    expect(((await get(path))!.status as { conditions: Condition[] }).conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'Unknown', 'Pending'],
      ['Programmed', 'Unknown', 'Pending'],
    ]);
    // Someone else's condition, on the set and on its listener, before we write.
    const foreign = condition('example.com/Audited', 'True', '2024-01-01T00:00:00Z', 'Audited');
    const seeded = (await get(path))!;
    const seed = await kubeRequest(kube.kubeConfig, 'PUT', `${path}/status`, {
      ...seeded,
      status: { conditions: [foreign], listeners: [{ name: 'web', supportedKinds: [], attachedRoutes: 0, conditions: [foreign] }] },
    });
    expect([seed.status, seed.status === 200 ? "" : JSON.stringify(seed.body)]).toEqual([200, ""]);

    const listenerSetStatus = (time: string, attached: number) => ({
      conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time)],
      listeners: [{ name: 'web', supportedKinds: [{ kind: 'HTTPRoute' }, { kind: 'GRPCRoute' }], attachedRoutes: attached, conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time), condition('Conflicted', 'False', time, 'NoConflicts')] }],
    });
    const w = writer();
    w.update([{ kind: 'ListenerSet', namespace: 'apps', name: 'team', status: listenerSetStatus('2025-01-01T00:00:00Z', 1) }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });
    const stored = (await get(path))!.status as ReturnType<typeof listenerSetStatus>;
    expect(stored.conditions.map((c) => [c.type, c.status])).toEqual([['example.com/Audited', 'True'], ['Accepted', 'True'], ['Programmed', 'True']]);
    expect(stored.listeners.map((l) => [l.name, l.attachedRoutes, l.supportedKinds, l.conditions.map((c) => c.type)])).toEqual([
      ['web', 1, [{ group: GW, kind: 'HTTPRoute' }, { group: GW, kind: 'GRPCRoute' }], ['example.com/Audited', 'Accepted', 'Programmed', 'Conflicted']],
    ]);
    // The same status later: nothing to write. A new attachedRoutes: one write, transition times kept.
    w.update([{ kind: 'ListenerSet', namespace: 'apps', name: 'team', status: listenerSetStatus('2025-01-02T00:00:00Z', 1) }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });
    w.update([{ kind: 'ListenerSet', namespace: 'apps', name: 'team', status: listenerSetStatus('2025-01-03T00:00:00Z', 2) }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2 });
    const after = (await get(path))!.status as ReturnType<typeof listenerSetStatus>;
    expect(after.listeners[0]!.attachedRoutes).toBe(2);
    expect(after.conditions[1]!.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
  });

  it('keeps Gateway and listener conditions of a type it does not write through a spec change (conformance GatewayPreserveForeignConditions)', async () => {
    const path = `${GW_API}/namespaces/infra/gateways/preserve`;
    await kube.apply([
      { apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'preserve', namespace: 'infra' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
    ]);
    type StoredGateway = { conditions: Condition[]; listeners: { name: string; conditions: Condition[] }[] };
    const ours = (generation: number, time: string) => [
      { ...condition('Accepted', 'True', time), observedGeneration: generation },
      { ...condition('Programmed', 'True', time), observedGeneration: generation },
    ];
    const desired = (generation: number, time: string): DesiredStatus => ({
      kind: 'Gateway',
      namespace: 'infra',
      name: 'preserve',
      status: { conditions: ours(generation, time), listeners: [{ name: 'http', supportedKinds: [{ kind: 'HTTPRoute' }], attachedRoutes: 0, conditions: ours(generation, time) }] },
    });
    const w = writer();
    w.update([desired(1, '2025-01-01T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });

    // Someone else adds a condition of a type we do not write, the way the conformance test does: through the status subresource.
    const gateway = (await get(path))!;
    const status = gateway.status as StoredGateway;
    const foreign = { type: 'conformance.gateway.networking.k8s.io/StaleCondition', status: 'True', reason: 'Seeded', message: '', observedGeneration: gateway.metadata.generation, lastTransitionTime: '2025-01-01T12:00:00Z' };
    const seededStatus = { ...status, conditions: [...status.conditions, foreign], listeners: status.listeners.map((l) => ({ ...l, conditions: [...l.conditions, foreign] })) };
    const seeded = await kubeRequest(kube.kubeConfig, 'PUT', `${path}/status`, { ...gateway, status: seededStatus });
    expect(seeded.status).toBe(200);
    const seededGateway = (seeded.body as KubeObject).status as StoredGateway;

    // A spec change bumps the generation; our next status catches up with it.
    const current = (await get(path))!;
    const spec = current.spec as { listeners: Record<string, unknown>[] };
    const updated = await kubeRequest(kube.kubeConfig, 'PUT', path, { ...current, spec: { ...spec, listeners: [{ ...spec.listeners[0], hostname: 'second.example.com' }] } });
    expect(updated.status).toBe(200);
    expect((updated.body as KubeObject).metadata.generation).toBe(2);
    w.update([desired(2, '2025-01-02T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2, failures: 0 });

    const after = (await get(path))!.status as StoredGateway;
    expect(after.conditions).toEqual([...ours(2, '2025-01-01T00:00:00Z'), seededGateway.conditions[2]]);
    expect(after.listeners.map((l) => [l.name, l.conditions])).toEqual([['http', [...ours(2, '2025-01-01T00:00:00Z'), seededGateway.listeners[0]!.conditions[2]]]]);
    expect(seededGateway.conditions[2]).toEqual(foreign);

    // Their condition is not ours to compare: the same status of ours again writes nothing.
    w.update([desired(2, '2025-01-03T00:00:00Z')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2, unchanged: 1 });
  });

  it('replaces a GatewayClass’s Pending default (cluster-scoped) and a BackendTLSPolicy’s ancestors of ours', async () => {
    await kube.apply([
      { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: OURS } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'apps' }, spec: { ports: [{ port: 443 }] } },
      {
        apiVersion: `${GW}/v1`,
        kind: 'BackendTLSPolicy',
        metadata: { name: 'backend-tls', namespace: 'apps' },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'backend' }], validation: { hostname: 'backend.example.com', wellKnownCACertificates: 'System' } },
      },
    ]);
    const pending = (await get(`${GW_API}/gatewayclasses/portico`))!.status as { conditions: Condition[] };
    expect(pending.conditions[0]).toMatchObject({ reason: 'Pending', status: 'Unknown' });
    const w = writer();
    const time = '2025-01-01T00:00:00Z';
    w.update([
      { kind: 'GatewayClass', name: 'portico', status: { conditions: [condition('Accepted', 'True', time)], supportedFeatures: [{ name: 'Gateway' }, { name: 'HTTPRoute' }] } },
      { kind: 'BackendTLSPolicy', namespace: 'apps', name: 'backend-tls', status: { ancestors: [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }] } },
    ]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2, failures: 0 });
    expect((await get(`${GW_API}/gatewayclasses/portico`))!.status).toEqual({ conditions: [condition('Accepted', 'True', time)], supportedFeatures: [{ name: 'Gateway' }, { name: 'HTTPRoute' }] });
    const policy = (await get(`${GW_API}/namespaces/apps/backendtlspolicies/backend-tls`))!.status as { ancestors: { ancestorRef: unknown; controllerName: string }[] };
    expect(policy.ancestors).toEqual([{ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }]);
  });

  it('writes an XBackendTrafficPolicy’s ancestors of ours (gateway.networking.x-k8s.io), and nothing when they are unchanged', async () => {
    const X_API = '/apis/gateway.networking.x-k8s.io/v1alpha1';
    await kube.apply([
      {
        apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
        kind: 'XBackendTrafficPolicy',
        metadata: { name: 'sessions', namespace: 'apps' },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'backend' }], sessionPersistence: { type: 'Cookie', cookie: { name: 'sid' } } },
      },
    ]);
    const w = writer();
    const time = '2025-01-01T00:00:00Z';
    const desired = { kind: 'XBackendTrafficPolicy' as const, namespace: 'apps', name: 'sessions', status: { ancestors: [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }] } };
    w.update([desired]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });
    const policy = (await get(`${X_API}/namespaces/apps/xbackendtrafficpolicies/sessions`))!.status as { ancestors: unknown[] };
    expect(policy.ancestors).toEqual([{ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }]);
    w.update([structuredClone(desired)]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });
  });

  it('writes a BackendPolicy’s ancestors (gateway.portico.dev); the API server refuses what the CRD’s CEL rules forbid', async () => {
    const API = '/apis/gateway.portico.dev/v1alpha1';
    await kube.apply([
      {
        apiVersion: 'gateway.portico.dev/v1alpha1',
        kind: 'BackendPolicy',
        metadata: { name: 'resilience', namespace: 'apps' },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'backend' }], outlierDetection: {}, loadBalancer: { type: 'RingHash', consistentHash: { type: 'Header', header: { name: 'x-user' } } } },
      },
    ]);
    // The API server applied the CRD's defaults.
    const stored = (await get(`${API}/namespaces/apps/backendpolicies/resilience`))!.spec as { outlierDetection: object };
    expect(stored.outlierDetection).toEqual({ consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 });
    const refused = await kubeRequest(kube.kubeConfig, 'POST', `${API}/namespaces/apps/backendpolicies`, {
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'BackendPolicy',
      metadata: { name: 'ring-without-key', namespace: 'apps' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'backend' }], loadBalancer: { type: 'Maglev', slowStart: { window: '10s' } } },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('consistentHash must be set when type is RingHash or Maglev, and only then');
    expect(JSON.stringify(refused.body)).toContain('slowStart applies to RoundRobin and LeastRequest only');

    const w = writer();
    const time = '2025-01-01T00:00:00Z';
    const desired = { kind: 'BackendPolicy' as const, namespace: 'apps', name: 'resilience', status: { ancestors: [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }] } };
    w.update([desired]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });
    const policy = (await get(`${API}/namespaces/apps/backendpolicies/resilience`))!.status as { ancestors: unknown[] };
    expect(policy.ancestors).toEqual([{ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }]);
    w.update([structuredClone(desired)]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });
  });

  it('writes a RateLimitPolicy’s ancestors (gateway.portico.dev); the API server applies its defaults and refuses what its CEL rules forbid', async () => {
    const API = '/apis/gateway.portico.dev/v1alpha1';
    await kube.apply([
      {
        apiVersion: 'gateway.portico.dev/v1alpha1',
        kind: 'RateLimitPolicy',
        metadata: { name: 'limits', namespace: 'apps' },
        spec: {
          targetRefs: [{ group: GW, kind: 'HTTPRoute', name: 'web', sectionName: 'api' }],
          local: {
            rules: [
              { limit: { requests: 10, unit: 'Second' } },
              { limit: { requests: 2, unit: 'Minute' }, clientSelector: { header: { name: 'x-user' } } },
              { limit: { requests: 30, unit: 'Minute' }, clientSelector: { sourceIP: true } },
            ],
          },
        },
      },
    ]);
    expect(((await get(`${API}/namespaces/apps/ratelimitpolicies/limits`))!.spec as { responseHeaders: boolean }).responseHeaders).toBe(true);
    const refused = await kubeRequest(kube.kubeConfig, 'POST', `${API}/namespaces/apps/ratelimitpolicies`, {
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'RateLimitPolicy',
      metadata: { name: 'overlapping', namespace: 'apps' },
      spec: {
        targetRefs: [{ group: GW, kind: 'Gateway', name: 'edge' }],
        local: {
          rules: [
            { limit: { requests: 1, unit: 'Second' } },
            { limit: { requests: 2, unit: 'Second' } },
            { limit: { requests: 3, unit: 'Hour' }, clientSelector: { header: { name: 'X-User' } } },
            { limit: { requests: 4, unit: 'Hour' }, clientSelector: { header: { name: 'x-user', value: 'bob' } } },
            { limit: { requests: 5, unit: 'Hour' }, clientSelector: { sourceIP: true } },
            { limit: { requests: 6, unit: 'Hour' }, clientSelector: { sourceIP: true } },
          ],
        },
      },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('at most one rule may have no clientSelector');
    expect(JSON.stringify(refused.body)).toContain('a header may be selected by one rule per value, and either with values or without');
    expect(JSON.stringify(refused.body)).toContain('sourceIP may be selected by one rule only');

    const w = writer();
    const time = '2025-01-01T00:00:00Z';
    const desired = { kind: 'RateLimitPolicy' as const, namespace: 'apps', name: 'limits', status: { ancestors: [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }] } };
    w.update([desired]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });
    const policy = (await get(`${API}/namespaces/apps/ratelimitpolicies/limits`))!.status as { ancestors: unknown[] };
    expect(policy.ancestors).toEqual([{ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }]);
    w.update([structuredClone(desired)]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, unchanged: 1 });
  });

  it('writes the ancestors of an XTelemetryPolicy (x-k8s.io) and of an AccessLogPolicy (gateway.portico.dev, the chart’s own CRD)', async () => {
    await kube.apply(loadPorticoCrds());
    // A new CRD is served a moment after it is created: wait until its list answers.
    const started = Date.now();
    while ((await kubeRequest(kube.kubeConfig, 'GET', '/apis/gateway.portico.dev/v1alpha1/namespaces/apps/accesslogpolicies')).status !== 200) {
      if (Date.now() - started > 30_000) throw new Error('accesslogpolicies.gateway.portico.dev is not served');
      await new Promise((ok) => setTimeout(ok, 100));
    }
    await kube.apply([
      {
        apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
        kind: 'XTelemetryPolicy',
        metadata: { name: 'tracing', namespace: 'infra' },
        spec: { targetRefs: [{ group: GW, kind: 'Gateway', name: 'edge' }], tracing: { mode: 'Disabled' } },
      },
      {
        apiVersion: 'gateway.portico.dev/v1alpha1',
        kind: 'AccessLogPolicy',
        metadata: { name: 'logs', namespace: 'infra' },
        spec: { targetRefs: [{ group: GW, kind: 'Gateway', name: 'edge', sectionName: 'http' }], sinks: [{ type: 'Stdout' }] },
      },
    ]);
    const w = writer();
    const time = '2025-01-01T00:00:00Z';
    const ancestors = [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }];
    w.update([
      { kind: 'XTelemetryPolicy', namespace: 'infra', name: 'tracing', status: { ancestors } },
      { kind: 'AccessLogPolicy', namespace: 'infra', name: 'logs', status: { ancestors } },
    ]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 2, failures: 0 });
    const written = [{ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [condition('Accepted', 'True', time)] }];
    expect(((await get('/apis/gateway.networking.x-k8s.io/v1alpha1/namespaces/infra/xtelemetrypolicies/tracing'))!.status as { ancestors: unknown[] }).ancestors).toEqual(written);
    expect(((await get('/apis/gateway.portico.dev/v1alpha1/namespaces/infra/accesslogpolicies/logs'))!.status as { ancestors: unknown[] }).ancestors).toEqual(written);
  });

  it('writes Ingress status.loadBalancer, keeping the metadata a cached copy lacks', async () => {
    await kube.apply([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'apps', labels: { team: 'web' }, annotations: { 'example.com/keep': 'me' } },
        spec: { ingressClassName: 'portico', defaultBackend: { service: { name: 'backend', port: { number: 443 } } } },
      },
    ]);
    const full = (await get('/apis/networking.k8s.io/v1/namespaces/apps/ingresses/web'))!;
    // What a provider cache may hold: the same object without annotations and managedFields.
    const trimmed: KubeObject = { ...full, metadata: { name: 'web', namespace: 'apps', resourceVersion: full.metadata.resourceVersion, labels: full.metadata.labels } };
    const w = writer({ currentObject: (kind) => (kind === 'Ingress' ? trimmed : undefined) });
    const status = { loadBalancer: { ingress: [{ ip: '10.0.0.20', ports: [{ port: 80, protocol: 'TCP' }] }, { hostname: 'lb.example.com' }] } };
    w.update([{ kind: 'Ingress', namespace: 'apps', name: 'web', status }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 1, failures: 0 });
    const stored = (await get('/apis/networking.k8s.io/v1/namespaces/apps/ingresses/web'))!;
    expect(stored.status).toEqual(status);
    expect(stored.metadata.annotations).toEqual({ 'example.com/keep': 'me' });
    expect(stored.metadata.labels).toEqual({ team: 'web' });
    // Unchanged (the API server omits empty fields; we compare the same way).
    const again = writer();
    again.update([{ kind: 'Ingress', namespace: 'apps', name: 'web', status: { loadBalancer: { ingress: [{ ip: '10.0.0.20', hostname: '', ports: [{ port: 80, protocol: 'TCP' }] }, { hostname: 'lb.example.com', ports: [] }] } } }]);
    await again.idle();
    expect(again.figures()).toMatchObject({ writes: 0, unchanged: 1 });
  });

  it('1,000 route statuses: the default rate limit holds, and the figures', async () => {
    const count = 1_000;
    const names = Array.from({ length: count }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    const createStarted = Date.now();
    for (let i = 0; i < count; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map(async (name) => {
          const { status, body } = await kubeRequest(kube.kubeConfig, 'POST', `${GW_API}/namespaces/apps/httproutes`, httpRoute(name));
          if (status !== 201) throw new Error(`create ${name}: ${status} ${JSON.stringify(body)}`);
        }),
      );
    }
    const createMs = Date.now() - createStarted;
    // The provider's cache, as a plain list: no reads needed to decide.
    const listed = (await kubeRequest(kube.kubeConfig, 'GET', `${GW_API}/namespaces/apps/httproutes`)).body as { items: KubeObject[] };
    const cache = new Map(listed.items.map((item) => [item.metadata.name, item]));
    const currentObject = (_kind: DesiredStatus['kind'], _namespace: string | undefined, name: string) => cache.get(name);

    const atDefault = writer({ currentObject });
    let started = performance.now();
    atDefault.update(names.map((name) => routeDesired(name, '2025-01-01T00:00:00Z')));
    await atDefault.idle();
    const defaultMs = performance.now() - started;
    expect(atDefault.figures()).toMatchObject({ writes: count, reads: 0, failures: 0, conflicts: 0 });
    // A burst at once, then the rate: at least 2.5 s for 1,000.
    expect(defaultMs).toBeGreaterThanOrEqual(((count - DEFAULT_STATUS_BURST) / DEFAULT_STATUS_QPS) * 1000 - 250);

    // The same statuses again: decided from the cache copy of our own writes, nothing sent.
    started = performance.now();
    atDefault.update(names.map((name) => routeDesired(name, '2025-01-02T00:00:00Z')));
    await atDefault.idle();
    const unchangedMs = performance.now() - started;
    expect(atDefault.figures()).toMatchObject({ writes: count, unchanged: count, reads: 0 });

    // Unthrottled: what the writer and this API server reach (8 in flight).
    const relisted = (await kubeRequest(kube.kubeConfig, 'GET', `${GW_API}/namespaces/apps/httproutes`)).body as { items: KubeObject[] };
    const fresh = new Map(relisted.items.map((item) => [item.metadata.name, item]));
    const unthrottled = writer({ qps: 100_000, burst: 100_000, currentObject: (_k, _n, name) => fresh.get(name) });
    started = performance.now();
    unthrottled.update(names.map((name) => routeDesired(name, '2025-01-03T00:00:00Z', 'False')));
    await unthrottled.idle();
    const unthrottledMs = performance.now() - started;
    expect(unthrottled.figures()).toMatchObject({ writes: count, failures: 0 });

    console.log(
      [
        `created ${count} HTTPRoutes in ${createMs} ms`,
        `${count} route status writes at the default rate (qps ${DEFAULT_STATUS_QPS}, burst ${DEFAULT_STATUS_BURST}): ${(defaultMs / 1000).toFixed(1)} s = ${((count / defaultMs) * 1000).toFixed(1)} writes/s`,
        `the same ${count} statuses again: 0 writes, ${unchangedMs.toFixed(0)} ms`,
        `unthrottled (8 in flight): ${(unthrottledMs / 1000).toFixed(1)} s = ${((count / unthrottledMs) * 1000).toFixed(0)} writes/s`,
      ].join('\n'),
    );
  });
});
