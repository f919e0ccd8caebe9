/**
 * The infrastructure manager against a real kube-apiserver: a Gateway gets its ServiceAccount,
 * ConfigMap, Deployment and Service (server-side apply, field manager `portico`); listener changes
 * reach the Service only; a bootstrap change rolls the pods; unchanged Gateways cost no request and
 * a resync writes nothing (the API server's defaults are not mistaken for drift); other controllers'
 * annotations survive while edits to Portico's fields are taken back; a removed Gateway's objects are
 * deleted; addresses come from the Service. Where ENVOY_BIN is set, real Envoy checks the bootstrap
 * (`--mode validate`), the readiness listener and the preStop drain script.
 * Prints the figures (pass durations and request counts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { KubernetesObjectApi, type KubernetesObject, type V1ConfigMap, type V1Deployment, type V1Service } from '@kubernetes/client-node';
import type { GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet, type Gateway, type Resource } from '@portico/resources';
import { buildEnvoyManifests, envoyResourceName, type InfrastructureManager, type ManagedGateway } from '@portico/server';
import { createInfrastructureManager } from '@portico/server/kubernetes';
import { translate } from '@portico/translator';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { startControlPlane } from '../support/control-plane.js';
import { freePort } from '../support/serve-process.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const NS = 'edge';
const NAME = envoyResourceName(NS, 'demo');
const XDS = 'portico.portico-system.svc:18000';
const KINDS = [
  ['v1', 'ServiceAccount'],
  ['v1', 'ConfigMap'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
] as const;

const GATEWAY_CLASS: Resource = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } };

type Listener = { name: string; protocol: string; port: number; tls?: unknown };
const HTTP = { name: 'http', protocol: 'HTTP', port: 80 };
const HTTPS = { name: 'https', protocol: 'HTTPS', port: 443, tls: { mode: 'Terminate', certificateRefs: [{ name: 'example-com-tls' }] } };
const DNS = { name: 'dns', protocol: 'UDP', port: 53 };
const POSTGRES = { name: 'postgres', protocol: 'TCP', port: 5432 };

/** The examples' certificate Secret, moved to our namespace: the HTTPS listener needs one to be programmed. */
function tlsSecret(): Resource {
  const [secret] = parseResources(readFileSync(join(ROOT, 'examples/60-tls-secret.yaml'), 'utf8'), 'tls.yaml').objects;
  return { ...secret!, metadata: { ...secret!.metadata, namespace: NS } };
}

function gatewayObject(listeners: Listener[], addresses?: { type: string; value: string }[]): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'demo', namespace: NS },
    spec: { gatewayClassName: 'portico', listeners, ...(addresses ? { addresses } : {}), infrastructure: { labels: { team: 'edge' }, annotations: { 'example.com/lb-class': 'internal' } } },
  };
}


describeWithKube('infrastructure manager against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let api: KubernetesObjectApi;
  let manager: InfrastructureManager | undefined;
  const errors: string[] = [];
  const figures: Record<string, unknown> = {};
  const logger = { debug() {}, info() {}, warn: (m: string, f?: object) => errors.push(`${m} ${JSON.stringify(f)}`), error: (m: string, f?: object) => errors.push(`${m} ${JSON.stringify(f)}`) };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: [NS] });
    await kube.installCrds();
    api = KubernetesObjectApi.makeApiClient(kube.kubeConfig);
    await kube.apply([
      GATEWAY_CLASS,
      tlsSecret(),
    ]);
  });
  afterEach(() => manager?.stop());
  afterAll(async () => {
    console.log(`infrastructure manager figures: ${JSON.stringify(figures)}`);
    await kube?.stop();
  });

  /** Applies the Gateway, reads it back (uid included) and translates it: the manager's input, as the server would pass it. */
  async function gatewaysWith(listeners: Listener[], addresses?: { type: string; value: string }[]): Promise<Map<string, ManagedGateway>> {
    await kube.apply([gatewayObject(listeners, addresses)]);
    const gateway = (await api.read({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'demo', namespace: NS } })) as unknown as Gateway;
    const plain = JSON.parse(JSON.stringify(gateway)) as Gateway;
    const { gateways } = translate(ResourceSet.from([GATEWAY_CLASS, plain, tlsSecret()]));
    const ir = gateways.get(`${NS}/demo`);
    if (!ir) throw new Error('the Gateway did not translate');
    return new Map([[`${NS}/demo`, { gateway: plain, ir }]]);
  }

  async function read<T extends KubernetesObject = KubernetesObject>(apiVersion: string, kind: string): Promise<T | undefined> {
    try {
      return (await api.read({ apiVersion, kind, metadata: { name: NAME, namespace: NS } })) as T;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async function resourceVersions(): Promise<Record<string, string | undefined>> {
    const versions: Record<string, string | undefined> = {};
    for (const [apiVersion, kind] of KINDS) versions[kind] = (await read(apiVersion, kind))?.metadata?.resourceVersion;
    return versions;
  }

  function start(options: Parameters<typeof createInfrastructureManager>[0]['options'] = { xdsAddress: XDS }, extra: Partial<Parameters<typeof createInfrastructureManager>[0]> = {}) {
    manager = createInfrastructureManager({ kubeConfig: kube.kubeConfig, logger, options, retryDelayMs: { initial: 60_000, max: 60_000 }, ...extra });
    return manager;
  }

  it('creates, keeps, updates and deletes the Envoy workload of a Gateway', async () => {
    start();
    const gateways = await gatewaysWith([HTTP, HTTPS, DNS]);
    const created = await manager!.reconcile(gateways);
    figures.create = created;
    expect(created).toMatchObject({ result: 'success', resynced: true, applied: 4, failures: 0 });
    expect(errors).toEqual([]);

    const gatewayUid = gateways.get(`${NS}/demo`)!.gateway.metadata.uid;
    for (const [apiVersion, kind] of KINDS) {
      const object = (await read(apiVersion, kind))!;
      expect(object.metadata!.ownerReferences).toEqual([
        expect.objectContaining({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'demo', uid: gatewayUid, controller: true, blockOwnerDeletion: true }),
      ]);
      expect(object.metadata!.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'portico',
        'gateway.networking.k8s.io/gateway-name': 'demo',
        'portico.dev/gateway-namespace': NS,
        team: 'edge',
      });
      expect(object.metadata!.annotations).toMatchObject({ 'example.com/lb-class': 'internal', 'portico.dev/gateway': `${NS}/demo` });
      expect(object.metadata!.managedFields!.map((f) => [f.manager, f.operation])).toContainEqual(['portico', 'Apply']);
    }
    const service = (await read<V1Service>('v1', 'Service'))!;
    expect(service.spec!.type).toBe('LoadBalancer');
    expect(service.spec!.externalTrafficPolicy).toBe('Local');
    expect(service.spec!.ports!.map((p) => [p.name, p.protocol, p.port, p.targetPort])).toEqual([
      ['udp-53', 'UDP', 53, 53],
      ['http-80', 'TCP', 80, 80],
      ['tls-443', 'TCP', 443, 443],
    ]);
    // Every field we set was stored (client-node's serializer drops fields it does not know).
    const deployment = (await read<V1Deployment>('apps/v1', 'Deployment'))!;
    const pod = deployment.spec!.template.spec!;
    expect(pod.securityContext!.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    expect(pod.containers[0]!.lifecycle!.preStop!.exec!.command![0]).toBe('bash');
    expect(pod.containers[0]!.securityContext!.readOnlyRootFilesystem).toBe(true);
    expect(deployment.spec!.selector.matchLabels).toEqual(service.spec!.selector);
    // No namespace in the options: all in the Gateway's own, where Gateway API's conformance test
    // (GatewayInfrastructureMetadata) lists them by gateway-name; the pods get the template's metadata.
    expect(deployment.spec!.template.metadata!.labels).toMatchObject({ 'gateway.networking.k8s.io/gateway-name': 'demo', team: 'edge' });
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({ 'example.com/lb-class': 'internal' });
    for (const kind of ['ServiceAccount', 'Service', 'Deployment']) {
      const listed = await api.list(kind === 'Deployment' ? 'apps/v1' : 'v1', kind, NS, undefined, undefined, undefined, undefined, 'gateway.networking.k8s.io/gateway-name=demo');
      expect(listed.items.map((item) => item.metadata!.name)).toEqual([NAME]);
    }
    const configMap = (await read<V1ConfigMap>('v1', 'ConfigMap'))!;
    expect(JSON.parse(configMap.data!['bootstrap.json']!).node.cluster).toBe(`${NS}/demo`);

    // Nothing changed: no request at all; a resync lists and writes nothing.
    const versions = await resourceVersions();
    const unchanged = await manager!.reconcile(gateways);
    figures.unchanged = unchanged;
    expect(unchanged).toMatchObject({ applied: 0, unchanged: 4, requests: 0 });
    const resync = await manager!.resync();
    figures.resync = resync;
    expect(resync).toMatchObject({ resynced: true, applied: 0, unchanged: 4, requests: 4 });
    expect(await resourceVersions()).toEqual(versions);

    // Listeners change: the Service follows; the pods stay (they learn listeners over xDS).
    const changed = await manager!.reconcile(await gatewaysWith([HTTP, HTTPS, POSTGRES]));
    figures.listenersChanged = changed;
    expect(changed).toMatchObject({ applied: 1, unchanged: 3, requests: 1 });
    expect((await read<V1Service>('v1', 'Service'))!.spec!.ports!.map((p) => p.name)).toEqual(['http-80', 'tls-443', 'tcp-5432']);
    const after = await resourceVersions();
    expect([after.ConfigMap, after.Deployment, after.ServiceAccount]).toEqual([versions.ConfigMap, versions.Deployment, versions.ServiceAccount]);
    expect(after.Service).not.toBe(versions.Service);

    // Gateway removed (or no longer ours): all four go, without a garbage collector.
    const removed = await manager!.reconcile(new Map());
    figures.removed = removed;
    expect(removed).toMatchObject({ deleted: 4, failures: 0 });
    expect(await resourceVersions()).toEqual({ ServiceAccount: undefined, ConfigMap: undefined, Deployment: undefined, Service: undefined });
    expect(errors).toEqual([]);
  });

  it('a bootstrap change updates the ConfigMap and rolls the pods', async () => {
    const gateways = await gatewaysWith([HTTP]);
    await start().reconcile(gateways);
    manager!.stop();
    const checksum = async () => (await read<V1Deployment>('apps/v1', 'Deployment'))!.spec!.template.metadata!.annotations!['portico.dev/bootstrap-checksum'];
    const before = { checksum: await checksum(), configMap: (await read<V1ConfigMap>('v1', 'ConfigMap'))!.metadata!.resourceVersion };

    // A new manager (as after a restart, with a memory limit now): the first pass lists, then applies what differs.
    const pass = await start({ xdsAddress: XDS, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } }).reconcile(gateways);
    figures.bootstrapChanged = pass;
    expect(pass).toMatchObject({ resynced: true, applied: 2, unchanged: 2 });
    expect(await checksum()).not.toBe(before.checksum);
    const configMap = (await read<V1ConfigMap>('v1', 'ConfigMap'))!;
    expect(configMap.metadata!.resourceVersion).not.toBe(before.configMap);
    expect(JSON.parse(configMap.data!['bootstrap.json']!).overloadManager.resourceMonitors[0].typedConfig.maxHeapSizeBytes).toBe(String(Math.floor(512 * 2 ** 20 * 0.8)));
    await manager!.reconcile(new Map());
  });

  it('keeps other controllers’ additions, takes back its own fields, and restores deleted objects', async () => {
    const gateways = await gatewaysWith([HTTP]);
    await start().reconcile(gateways);
    // Another controller annotates the Service; someone scales the Deployment by hand and deletes the ConfigMap.
    const base = `/api/v1/namespaces/${NS}`;
    const merge = 'application/merge-patch+json';
    expect((await kubeRequest(kube.kubeConfig, 'PATCH', `${base}/services/${NAME}?fieldManager=other`, { metadata: { annotations: { 'other.io/seen': 'yes' } } }, merge)).status).toBe(200);
    expect((await kubeRequest(kube.kubeConfig, 'PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}?fieldManager=kubectl-edit`, { spec: { replicas: 5 } }, merge)).status).toBe(200);
    expect((await kubeRequest(kube.kubeConfig, 'DELETE', `${base}/configmaps/${NAME}`)).status).toBe(200);

    const pass = await manager!.resync();
    figures.drift = pass;
    expect(pass).toMatchObject({ applied: 2, unchanged: 2, failures: 0 });
    expect((await read<V1Deployment>('apps/v1', 'Deployment'))!.spec!.replicas).toBe(1);
    expect(await read<V1ConfigMap>('v1', 'ConfigMap')).toBeDefined();
    expect((await read<V1Service>('v1', 'Service'))!.metadata!.annotations!['other.io/seen']).toBe('yes');
    await manager!.reconcile(new Map());
  });

  it('scale: 25 Gateways in one pass, then passes that send nothing', async () => {
    const many = new Map<string, ManagedGateway>();
    for (let i = 0; i < 25; i++) {
      const name = `gw-${i}`;
      const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: NS, uid: `uid-${i}` }, spec: { gatewayClassName: 'portico', listeners: [HTTP] } } as Gateway;
      const ir: GatewayIR = { name: `${NS}/${name}`, gatewayClass: 'portico', listeners: [{ type: 'HTTP', name: 'http-80', address: '0.0.0.0', port: 80, sources: ['http'], virtualHosts: [] }], backends: [] };
      many.set(`${NS}/${name}`, { gateway, ir });
    }
    start();
    const create = await manager!.reconcile(many);
    const unchanged = await manager!.reconcile(many);
    const resync = await manager!.resync();
    const remove = await manager!.reconcile(new Map());
    figures.scale25 = { create, unchanged, resync, remove };
    expect(create).toMatchObject({ applied: 100, failures: 0, requests: 104 });
    expect(unchanged).toMatchObject({ applied: 0, unchanged: 100, requests: 0 });
    expect(resync).toMatchObject({ applied: 0, unchanged: 100, requests: 4 });
    expect(remove).toMatchObject({ deleted: 100, failures: 0 });
    expect(errors).toEqual([]);
  });

  it('addresses: none while the load balancer is pending, its IP once assigned, the cluster IP for ClusterIP', async () => {
    const gateways = await gatewaysWith([HTTP]);
    const changed: string[] = [];
    start({ xdsAddress: XDS }, { onAddressesChanged: (g) => changed.push(g) });
    expect(manager!.addresses(`${NS}/demo`)).toEqual([]);
    await manager!.reconcile(gateways);
    expect(manager!.addresses(`${NS}/demo`)).toEqual([]);

    // A cloud controller would write this.
    const status = { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] } } };
    expect((await kubeRequest(kube.kubeConfig, 'PATCH', `/api/v1/namespaces/${NS}/services/${NAME}/status`, status, 'application/merge-patch+json')).status).toBe(200);
    await manager!.resync();
    expect(changed).toEqual([`${NS}/demo`]);
    expect(manager!.addresses(`${NS}/demo`)).toEqual([{ type: 'IPAddress', value: '203.0.113.10' }]);
    manager!.stop();

    // Switching the Service type: the API server drops the node ports the load balancer had.
    start({ xdsAddress: XDS, serviceType: 'ClusterIP' }, { onAddressesChanged: (g) => changed.push(g) });
    const pass = await manager!.reconcile(gateways);
    expect(pass).toMatchObject({ applied: 1, unchanged: 3, failures: 0 });
    const service = (await read<V1Service>('v1', 'Service'))!;
    expect(service.spec!.type).toBe('ClusterIP');
    expect(service.spec!.clusterIP).toMatch(/^10\.96\./);
    expect(manager!.addresses(`${NS}/demo`)).toEqual([{ type: 'IPAddress', value: service.spec!.clusterIP }]);
    await manager!.reconcile(new Map());
    expect(errors).toEqual([]);
  });

  it('static addresses: loadBalancerIP and externalIPs as the API server keeps them, unusable after the wait, given back when dropped', async () => {
    const [UNUSABLE, USABLE] = ['192.0.2.10', '10.97.0.254'];
    const ip = (value: string) => ({ type: 'IPAddress', value });
    const changed: string[] = [];
    start({ xdsAddress: XDS, addressWaitSeconds: 0.2 }, { onAddressesChanged: (g) => changed.push(g) });
    await manager!.reconcile(await gatewaysWith([HTTP], [ip(UNUSABLE), ip(USABLE)]));
    let service = (await read<V1Service>('v1', 'Service'))!;
    expect(service.spec!.loadBalancerIP).toBe(UNUSABLE);
    expect(service.metadata!.annotations!['portico.dev/requested-addresses']).toBe(`${UNUSABLE},${USABLE}`);
    // No load balancer gives it: after the wait both requested addresses are unusable, with a change notice.
    expect(manager!.addresses(`${NS}/demo`)).toEqual([]);
    expect(manager!.unusableAddresses(`${NS}/demo`)).toEqual([]);
    const deadline = Date.now() + 5_000;
    while (changed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(changed).toEqual([`${NS}/demo`, `${NS}/demo`]); // one notice per address whose wait ends
    expect(manager!.unusableAddresses(`${NS}/demo`).map((u) => u.value)).toEqual([UNUSABLE, USABLE]);

    // The Gateway keeps the usable one; the load balancer gives it.
    await manager!.reconcile(await gatewaysWith([HTTP], [ip(USABLE)]));
    expect((await read<V1Service>('v1', 'Service'))!.spec!.loadBalancerIP).toBe(USABLE);
    const status = { status: { loadBalancer: { ingress: [{ ip: USABLE, ipMode: 'VIP' }] } } };
    expect((await kubeRequest(kube.kubeConfig, 'PATCH', `/api/v1/namespaces/${NS}/services/${NAME}/status`, status, 'application/merge-patch+json')).status).toBe(200);
    await manager!.resync();
    expect(manager!.addresses(`${NS}/demo`)).toEqual([ip(USABLE)]);
    expect(manager!.unusableAddresses(`${NS}/demo`)).toEqual([]);

    // No static address any more: server-side apply takes loadBalancerIP and the annotation back.
    await manager!.reconcile(await gatewaysWith([HTTP]));
    service = (await read<V1Service>('v1', 'Service'))!;
    expect(service.spec!.loadBalancerIP).toBeUndefined();
    expect(service.metadata!.annotations!['portico.dev/requested-addresses']).toBeUndefined();
    manager!.stop();

    // ClusterIP: the address is an external IP, which this API server admits; it is the Gateway's address at once.
    start({ xdsAddress: XDS, serviceType: 'ClusterIP', addressWaitSeconds: 0.2 });
    await manager!.reconcile(await gatewaysWith([HTTP], [ip(UNUSABLE)]));
    service = (await read<V1Service>('v1', 'Service'))!;
    expect(service.spec!.externalIPs).toEqual([UNUSABLE]);
    expect(manager!.addresses(`${NS}/demo`)).toEqual([ip(UNUSABLE)]);
    expect(manager!.unusableAddresses(`${NS}/demo`)).toEqual([]);
    await manager!.reconcile(new Map());
    await kube.apply([gatewayObject([HTTP])]);
    expect(errors).toEqual([]);
  });
});

/** A fresh TCP connection (fetch would reuse a kept-alive one, which a stopped listener does not close). */
function connectTo(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

describeWithEnvoy('the Envoy pod bootstrap in real Envoy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-infra-envoy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function bootstrapOf(options: Parameters<typeof buildEnvoyManifests>[2]): string {
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'demo', namespace: NS, uid: 'u' }, spec: { gatewayClassName: 'portico', listeners: [HTTP] } } as Gateway;
    const manifests = buildEnvoyManifests(gateway, { name: `${NS}/demo`, gatewayClass: 'portico', listeners: [], backends: [] }, options);
    return manifests.configMap.data!['bootstrap.json']!;
  }

  it('passes envoy --mode validate, with mTLS files where the pod mounts them', () => {
    // The pod's paths (/etc/portico/xds-tls/…) do not exist here: point them at real PEM files.
    const pem = (key: string) => {
      const line = readFileSync(join(ROOT, 'examples/60-tls-secret.yaml'), 'utf8').split('\n').find((l) => l.trim().startsWith(`${key}:`))!;
      return Buffer.from(line.split(':')[1]!.trim(), 'base64').toString('utf8');
    };
    writeFileSync(join(dir, 'tls.crt'), pem('tls.crt'));
    writeFileSync(join(dir, 'ca.crt'), pem('tls.crt'));
    writeFileSync(join(dir, 'tls.key'), pem('tls.key'));
    for (const [name, text] of [
      ['plain.json', bootstrapOf({ xdsAddress: XDS })],
      ['mtls.json', bootstrapOf({ xdsAddress: XDS, tlsSecretName: 'portico-envoy-client', resources: { limits: { memory: '256Mi' } } }).replaceAll('/etc/portico/xds-tls', dir)],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const result = spawnSync(ENVOY!, ['--mode', 'validate', '-c', join(dir, name), '--service-node', 'envoy-pod-0', '--drain-time-s', '60', '--disable-hot-restart', '--log-level', 'error'], { encoding: 'utf8', timeout: 60_000 });
      expect({ name, status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ name, status: 0, output: expect.stringContaining('OK') });
    }
  });

  it('goes ready once xDS answers, serves the Gateway, keeps the admin API private, drains in preStop', async () => {
    const plane = await startControlPlane();
    const [adminPort, readinessPort, listenerPort] = [await freePort(), await freePort(), await freePort()];
    plane.publish(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: demo, namespace: ${NS} }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: ${listenerPort} }]
`);
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'demo', namespace: NS, uid: 'u' }, spec: { gatewayClassName: 'portico', listeners: [HTTP] } } as Gateway;
    const manifests = buildEnvoyManifests(gateway, { name: `${NS}/demo`, gatewayClass: 'portico', listeners: [], backends: [] }, {
      xdsAddress: `127.0.0.1:${plane.port}`,
      adminPort,
      readinessPort,
      drainSeconds: 1,
    });
    const file = join(dir, 'run.json');
    writeFileSync(file, manifests.configMap.data!['bootstrap.json']!);
    // The container's own arguments, with the pod's paths and downward-API value filled in.
    const container = manifests.deployment.spec!.template.spec!.containers[0]!;
    const args = container.args!.map((arg) => (arg === '/etc/portico/bootstrap/bootstrap.json' ? file : arg === '$(POD_NAME)' ? 'envoy-demo-pod-0' : arg));
    const envoy: ChildProcess = spawn(ENVOY!, args, { stdio: 'ignore' });
    const ready = () => fetch(`http://127.0.0.1:${readinessPort}/ready`).then(async (r) => [r.status, (await r.text()).trim()] as const);
    try {
      let answer: readonly [number, string] | undefined;
      const started = Date.now();
      // Envoy opens listeners (this one too) once initialized: until then kubelet's probe is refused.
      while (answer?.[0] !== 200 && Date.now() - started < 20_000) {
        answer = await ready().catch(() => undefined);
        if (answer?.[0] !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer).toEqual([200, 'LIVE']);
      const connected = plane.events.find((e) => e.event.kind === 'connected')?.event as { node: { id: string }; gateway: string } | undefined;
      expect([connected?.node.id, connected?.gateway]).toEqual(['envoy-demo-pod-0', `${NS}/demo`]);
      // The Gateway's listener came over xDS (no route attached: 404).
      expect((await fetch(`http://127.0.0.1:${listenerPort}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${readinessPort}/stats/prometheus`)).status).toBe(200);
      // Only GET of those two paths reaches the admin API from the pod network.
      for (const [method, path] of [['POST', '/quitquitquit'], ['GET', '/config_dump'], ['POST', '/ready'], ['GET', '/ready/../quitquitquit']] as const) {
        expect([method, path, (await fetch(`http://127.0.0.1:${readinessPort}${path}`, { method })).status]).toEqual([method, path, 404]);
      }

      // The preStop hook as the pod runs it, minus its final wait.
      const script = container.lifecycle!.preStop!.exec!.command![2]!;
      expect(script).toMatch(/; sleep 16$/);
      const hook = spawnSync('bash', ['-c', script.replace(/sleep 16$/, 'sleep 0')], { encoding: 'utf8', timeout: 30_000 });
      expect(hook.status).toBe(0);
      expect(await ready()).toEqual([503, 'DRAINING']);
      // After --drain-time-s, Envoy stops its listeners: a new connection is refused.
      await new Promise((r) => setTimeout(r, 2_500));
      await expect(connectTo(listenerPort)).rejects.toThrow('ECONNREFUSED');
    } finally {
      envoy.kill('SIGTERM');
      await plane.close();
    }
  });
});
