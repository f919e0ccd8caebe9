/**
 * The manager's decisions (what to write, when, what to delete, what to report) against an in-memory
 * API. e2e/test/kubernetes/infrastructure-manager.test.ts runs the same manager against a real kube-apiserver.
 */
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { gateway, irWith } from './infrastructure-fixtures.test-util.js';
import { createInfrastructureManager, type InfrastructureManager, type ManagedGateway } from './infrastructure-manager.js';
import { envoyResourceName } from './infrastructure-names.js';
import { createInMemoryInfrastructureApi, type InMemoryInfrastructureApi } from './in-memory-infrastructure-api.test-util.js';
import type { ServiceAddressSource } from './service-addresses.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const NAME = 'envoy-apps-demo-98ab5824';

function gateways(...entries: [string, ManagedGateway][]): Map<string, ManagedGateway> {
  return new Map(entries);
}

const demo = (listeners = ['HTTP-80']): [string, ManagedGateway] => ['apps/demo', { gateway: gateway(), ir: irWith(listeners) }];

describe('createInfrastructureManager', () => {
  let manager: InfrastructureManager;
  afterEach(() => manager?.stop());

  function start(api: InMemoryInfrastructureApi, extra: Partial<Parameters<typeof createInfrastructureManager>[0]> = {}) {
    manager = createInfrastructureManager({ kubeConfig: new KubeConfig(), logger: silent, options: { xdsAddress: 'portico.infra.svc:18000' }, client: api.client, ...extra });
    return manager;
  }

  it('creates the four objects, then sends nothing while nothing changes', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    const first = await manager.reconcile(gateways(demo()));
    expect(first).toMatchObject({ result: 'success', resynced: true, applied: 4, deleted: 0, unchanged: 0, failures: 0, requests: 4 + 4 });
    expect([...api.objects.keys()].sort()).toEqual([`ConfigMap/apps/${NAME}`, `Deployment/apps/${NAME}`, `Service/apps/${NAME}`, `ServiceAccount/apps/${NAME}`]);
    const second = await manager.reconcile(gateways(demo()));
    expect(second).toMatchObject({ result: 'success', resynced: false, applied: 0, unchanged: 4, requests: 0 });
  });

  it('a gateway with a namespace of its own (an IngressClass stand-in) gets its objects there, without owner references', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api, { options: { xdsAddress: 'portico.infra.svc:18000', serviceType: 'ClusterIP' } });
    const standIn = { ...gateway(), metadata: { namespace: 'ingressclass', name: 'portico' } };
    await manager.reconcile(gateways(['ingressclass/portico', { gateway: standIn, ir: irWith(['HTTP-80']), namespace: 'portico-system' }]));
    const keys = [...api.objects.keys()].sort();
    expect(keys.every((k) => k.includes('/portico-system/'))).toBe(true);
    expect(keys).toHaveLength(4);
    for (const object of api.objects.values()) expect(object.metadata?.ownerReferences).toBeUndefined();
    expect(manager.addresses('ingressclass/portico')).toEqual([{ type: 'IPAddress', value: '10.96.0.10' }]);
  });

  it('a resync lists, finds everything as applied, and writes nothing', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    expect(await manager.resync()).toMatchObject({ resynced: true, applied: 0, unchanged: 4, requests: 4 });
  });

  it('a listener change re-applies the Service only', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    expect(await manager.reconcile(gateways(demo(['HTTP-80', 'UDP-53'])))).toMatchObject({ applied: 1, unchanged: 3, requests: 1 });
    expect((api.objects.get(`Service/apps/${NAME}`) as { spec: { ports: unknown[] } }).spec.ports).toHaveLength(2);
  });

  it('an object deleted or edited behind its back comes back on the next resync', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    api.objects.delete(`ConfigMap/apps/${NAME}`);
    (api.objects.get(`Deployment/apps/${NAME}`) as { spec: { replicas: number } }).spec.replicas = 7;
    expect(await manager.resync()).toMatchObject({ applied: 2, unchanged: 2 });
    expect((api.objects.get(`Deployment/apps/${NAME}`) as { spec: { replicas: number } }).spec.replicas).toBe(1);
  });

  it('deletes the objects of a Gateway that is gone, Deployment first', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    expect(await manager.reconcile(gateways())).toMatchObject({ deleted: 4, requests: 4 });
    expect(api.objects.size).toBe(0);
  });

  it('deletes orphans left from before a restart, and keeps what another owner labelled differently', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    manager.stop();
    api.objects.set('ConfigMap/apps/unrelated', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'apps', labels: { app: 'x' } } });
    start(api);
    expect(await manager.reconcile(gateways())).toMatchObject({ resynced: true, deleted: 4 });
    expect([...api.objects.keys()]).toEqual(['ConfigMap/apps/unrelated']);
  });

  it('a Gateway whose manifests cannot be built keeps its objects', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    manager.stop();
    start(api, { options: { xdsAddress: 'no-port' } });
    expect(await manager.reconcile(gateways(demo()))).toMatchObject({ result: 'error', deleted: 0, failures: 1 });
    expect(api.objects.size).toBe(4);
  });

  it('no programmed listener: the Service stays, with its address', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    await manager.reconcile(gateways(demo()));
    expect(await manager.reconcile(gateways(demo([])))).toMatchObject({ deleted: 0, unchanged: 3 });
    expect(api.objects.has(`Service/apps/${NAME}`)).toBe(true);
  });

  it('a failed apply is retried on a timer, without a call', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api, { retryDelayMs: { initial: 20, max: 20 } });
    api.failNextApplies(1);
    expect(await manager.reconcile(gateways(demo()))).toMatchObject({ result: 'error', applied: 3, failures: 1 });
    await waitFor(() => api.objects.size === 4);
  });

  it('calls made before a pass starts coalesce into one pass with the latest Gateways', async () => {
    const api = createInMemoryInfrastructureApi();
    start(api);
    const first = manager.reconcile(gateways(demo()));
    const second = manager.reconcile(gateways(demo(['HTTP-8080'])));
    expect(second).toBe(first);
    expect(await manager.reconcile(gateways(demo(['HTTP-9090'])))).toMatchObject({ applied: 4, requests: 8 });
    expect((api.objects.get(`Service/apps/${NAME}`) as { spec: { ports: { port: number }[] } }).spec.ports[0]!.port).toBe(9090);
    // A call once that pass has run starts another one.
    expect(await manager.reconcile(gateways(demo(['HTTP-80'])))).toMatchObject({ applied: 1 });
  });

  it('addresses: empty until the Service exists, then its cluster IP, with a change notice', async () => {
    const api = createInMemoryInfrastructureApi();
    const changed: string[] = [];
    start(api, { options: { xdsAddress: 'portico.infra.svc:18000', serviceType: 'ClusterIP' }, onAddressesChanged: (g) => changed.push(g) });
    expect(manager.addresses('apps/demo')).toEqual([]);
    await manager.reconcile(gateways(demo()));
    expect(changed).toEqual(['apps/demo']);
    expect(manager.addresses('apps/demo')).toEqual([{ type: 'IPAddress', value: '10.96.0.10' }]);
  });

  it('addresses: the server lookup first (it sees load balancers get their IP)', () => {
    const api = createInMemoryInfrastructureApi();
    start(api, {
      serviceLookup: (namespace, name) =>
        namespace === 'apps' && name === NAME ? { spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } } : undefined,
    });
    expect(manager.addresses('apps/demo')).toEqual([{ type: 'IPAddress', value: '203.0.113.9' }]);
    expect(api.client.requests().gets).toBe(0);
  });

  it('addresses: a GET when nobody knows the Service, at most once per interval', async () => {
    const api = createInMemoryInfrastructureApi();
    const changed: string[] = [];
    start(api, { onAddressesChanged: (g) => changed.push(g) });
    api.objects.set(`Service/apps/${NAME}`, { apiVersion: 'v1', kind: 'Service', metadata: { name: NAME, namespace: 'apps' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.99' } } as KubernetesObject);
    expect(manager.addresses('apps/demo')).toEqual([]);
    await waitFor(() => changed.length === 1);
    expect(manager.addresses('apps/demo')).toEqual([{ type: 'IPAddress', value: '10.96.0.99' }]);
    expect(api.client.requests().gets).toBe(1);
  });

  it('static addresses: the Service asks for them; one it lacks after the wait is unusable, with a change notice; once given, usable', async () => {
    const api = createInMemoryInfrastructureApi();
    const changed: string[] = [];
    const lookup = (namespace: string, name: string) => api.objects.get(`Service/${namespace}/${name}`) as ServiceAddressSource | undefined;
    start(api, { options: { xdsAddress: 'portico.infra.svc:18000', addressWaitSeconds: 0.03 }, serviceLookup: lookup, onAddressesChanged: (g) => changed.push(g) });
    const withAddresses = (...values: string[]): [string, ManagedGateway] => [
      'apps/demo',
      { gateway: gateway({ addresses: values.map((value) => ({ type: 'IPAddress', value })) }), ir: irWith(['HTTP-8080']) },
    ];
    await manager.reconcile(gateways(withAddresses('192.0.2.10', '10.97.0.200')));
    const service = () => api.objects.get(`Service/apps/${NAME}`) as KubernetesObject & { spec: { loadBalancerIP?: string }; status?: unknown };
    expect(service().spec.loadBalancerIP).toBe('192.0.2.10');
    // The load balancer refuses 192.0.2.10 (outside its pool): the Service stays without an address.
    expect(manager.addresses('apps/demo')).toEqual([]);
    expect(manager.unusableAddresses('apps/demo')).toEqual([]);
    // One notice per address whose wait ends (both here, a moment apart).
    await waitFor(() => changed.length === 2);
    expect(changed).toEqual(['apps/demo', 'apps/demo']);
    expect(manager.unusableAddresses('apps/demo').map((u) => u.value)).toEqual(['192.0.2.10', '10.97.0.200']);
    expect(manager.unusableAddresses('apps/demo', ['10.97.0.200', '192.0.2.10']).map((u) => u.value)).toEqual(['192.0.2.10', '10.97.0.200']);
    // The Gateway asks for another set now, the Service is not updated yet: what it learnt does not answer that.
    expect(manager.unusableAddresses('apps/demo', ['10.97.0.200'])).toEqual([]);

    // The Gateway drops the refused address: the Service asks for the other, and the load balancer gives it.
    await manager.reconcile(gateways(withAddresses('10.97.0.200')));
    expect(service().spec.loadBalancerIP).toBe('10.97.0.200');
    service().status = { loadBalancer: { ingress: [{ ip: '10.97.0.200' }] } };
    expect(manager.addresses('apps/demo')).toEqual([{ type: 'IPAddress', value: '10.97.0.200' }]);
    expect(manager.unusableAddresses('apps/demo')).toEqual([]);
  });

  describe('readiness', () => {
    const deployment = (api: InMemoryInfrastructureApi) => api.objects.get(`Deployment/apps/${NAME}`) as KubernetesObject & { status?: { availableReplicas?: number } };

    it('0 ready until the Deployment has an available replica, then 1 with a change notice; an apply keeps it', async () => {
      const api = createInMemoryInfrastructureApi();
      const changed: string[] = [];
      let known = 0;
      start(api, { options: { xdsAddress: 'portico.infra.svc:18000', replicas: 2 }, onReadinessChanged: (g) => changed.push(g), onReadinessKnown: () => known++, readinessPollMs: 5 });
      // Before its first list the manager knows nothing, and says nothing (no flap of a Gateway programmed before a restart);
      // once it has listed, it says so, once, so that every Gateway is translated with its readiness.
      expect(manager.readiness('apps/demo')).toBeUndefined();
      await manager.reconcile(gateways(demo()));
      expect(known).toBe(1);
      expect(manager.readiness('apps/demo')).toEqual({ ready: 0, wanted: 2 });
      await waitFor(() => api.client.requests().gets >= 2); // read again and again while none is ready
      expect(changed).toEqual([]);

      deployment(api).status = { availableReplicas: 1 };
      await waitFor(() => changed.length === 1);
      expect(changed).toEqual(['apps/demo']);
      expect(manager.readiness('apps/demo')).toEqual({ ready: 1, wanted: 2 });

      // A listener change re-applies; the stored Deployment (status included) is what the manager remembers.
      await manager.reconcile(gateways(demo(['HTTP-80', 'HTTP-8080'])));
      expect(manager.readiness('apps/demo')).toEqual({ ready: 1, wanted: 2 });
      expect(changed).toEqual(['apps/demo']);
      expect(await manager.resync()).toMatchObject({ resynced: true });
      expect(known).toBe(1);
    });

    it('once ready, reads every refresh interval, and notices the replicas going away', async () => {
      const api = createInMemoryInfrastructureApi();
      const changed: string[] = [];
      start(api, { onReadinessChanged: (g) => changed.push(g), readinessPollMs: 5, readinessRefreshMs: 20 });
      await manager.reconcile(gateways(demo()));
      deployment(api).status = { availableReplicas: 1 };
      expect(manager.readiness('apps/demo')).toEqual({ ready: 0, wanted: 1 });
      await waitFor(() => changed.length === 1);
      expect(manager.readiness('apps/demo')).toEqual({ ready: 1, wanted: 1 });
      deployment(api).status = { availableReplicas: 0 };
      await waitFor(() => changed.length === 2);
      expect(manager.readiness('apps/demo')).toEqual({ ready: 0, wanted: 1 });
    });

    it('the replicas of a resync list count; a Gateway no longer managed is no longer read', async () => {
      const api = createInMemoryInfrastructureApi();
      const read: string[] = [];
      const get = api.client.get;
      api.client.get = async (kind, namespace, name) => {
        read.push(name);
        return get(kind, namespace, name);
      };
      start(api, { readinessPollMs: 5 });
      await manager.reconcile(gateways(demo()));
      deployment(api).status = { availableReplicas: 3 };
      await manager.resync();
      expect(manager.readiness('apps/demo')).toEqual({ ready: 3, wanted: 1 });

      // Another Gateway's reads go on (its Deployment has no available replica, so every 5 ms); none for the one that is gone.
      await manager.reconcile(gateways(['apps/other', { gateway: gateway({}, 'other'), ir: irWith(['HTTP-80'], 'apps/other') }]));
      read.length = 0;
      await waitFor(() => read.length >= 3);
      expect(new Set(read)).toEqual(new Set([envoyResourceName('apps', 'other')]));
    });

    it('a gateway whose readiness is not reported (an IngressClass\'s) has its Deployment applied but never read', async () => {
      const api = createInMemoryInfrastructureApi();
      start(api, { readinessPollMs: 1 });
      const standIn = { ...gateway(), metadata: { namespace: 'ingressclass', name: 'portico' } };
      await manager.reconcile(gateways(['ingressclass/portico', { gateway: standIn, ir: irWith(['HTTP-80']), namespace: 'portico-system', readinessReported: false }]));
      // A Gateway's pass after it: its reads happen, the IngressClass's do not.
      await manager.reconcile(gateways(['ingressclass/portico', { gateway: standIn, ir: irWith(['HTTP-80']), namespace: 'portico-system', readinessReported: false }], demo()));
      const read: string[] = [];
      const get = api.client.get;
      api.client.get = async (kind, namespace, name) => {
        read.push(`${kind}/${namespace}`);
        return get(kind, namespace, name);
      };
      await waitFor(() => read.length >= 3);
      expect(new Set(read)).toEqual(new Set(['Deployment/apps']));
    });

    it('a failed read is reported and retried', async () => {
      const api = createInMemoryInfrastructureApi();
      const failures: string[] = [];
      const get = api.client.get;
      let failing = 2;
      api.client.get = async (...args) => {
        if (failing-- > 0) throw new Error('unavailable');
        return get(...args);
      };
      const changed: string[] = [];
      start(api, { logger: { ...silent, warn: (message: string) => void failures.push(message) }, onReadinessChanged: (g) => changed.push(g), readinessPollMs: 5 });
      await manager.reconcile(gateways(demo()));
      expect(manager.readiness('apps/demo')).toEqual({ ready: 0, wanted: 1 });
      deployment(api).status = { availableReplicas: 1 };
      await waitFor(() => changed.length === 1);
      expect(failures).toEqual(['reading the Envoy Deployment failed', 'reading the Envoy Deployment failed']);
      expect(manager.readiness('apps/demo')).toEqual({ ready: 1, wanted: 1 });
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
