/**
 * The Kubernetes test harness itself (support/kube/kube-apiserver.ts) against the real etcd and
 * kube-apiserver: the Gateway API CRDs install and serve their kinds, objects of every kind the
 * provider watches round-trip, a restarted API server still has them, and RBAC is really enforced —
 * what the provider, status-writer and chart tests build on. Prints start-up and CRD install times.
 */
import { spawnSync } from 'node:child_process';
import { jest } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { loadGatewayApiInstall } from '../support/kube/kube-crds.js';

jest.setTimeout(120_000);

const NAMESPACE = 'harness';

const objects = [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'portico' },
    spec: { controllerName: 'portico.dev/gateway-controller' },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'demo', namespace: NAMESPACE },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'echo', namespace: NAMESPACE },
    spec: {
      parentRefs: [{ name: 'demo' }],
      hostnames: ['echo.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/echo' } }], backendRefs: [{ name: 'echo', port: 8080 }] }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo', namespace: NAMESPACE },
    spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080, targetPort: 9000, appProtocol: 'kubernetes.io/h2c' }] },
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'echo-abc12', namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 9000, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.0.0.7'], conditions: { ready: true } }],
  },
];

type Stored = KubernetesObject & { spec?: Record<string, unknown> };

describeWithKube('real kube-apiserver + etcd harness', () => {
  let server: KubeApiServer;
  let client: KubernetesObjectApi;

  beforeAll(async () => {
    const started = Date.now();
    server = await startKubeApiServer({ namespaces: [NAMESPACE] });
    const startMs = Date.now() - started;
    const crdStarted = Date.now();
    await server.installCrds();
    console.log(`etcd + kube-apiserver ready in ${startMs} ms; Gateway API CRDs Established in ${Date.now() - crdStarted} ms`);
    client = KubernetesObjectApi.makeApiClient(server.kubeConfig);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const read = (object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) => client.read<Stored>({ apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata });

  it('writes a kubeconfig a child process can use (kubectl-style: server, CA, token)', async () => {
    const text = readFileSync(server.kubeconfigPath, 'utf8');
    expect(text).toContain(server.url);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // The CA is verified, not skipped: a request with the KubeConfig's TLS settings succeeds.
    const { status, body } = await kubeRequest(server.kubeConfig, 'GET', '/version');
    expect(status).toBe(200);
    expect(body).toMatchObject({ major: expect.any(String) });
  });

  it('serves every kind of the experimental Gateway API install, TLSRoute/TCPRoute/UDPRoute included', async () => {
    const crds = loadGatewayApiInstall().filter((o): o is { kind: string; metadata: { name: string } } => (o as { kind: string }).kind === 'CustomResourceDefinition');
    expect(crds.map((crd) => crd.metadata.name)).toEqual(expect.arrayContaining(['tlsroutes.gateway.networking.k8s.io', 'tcproutes.gateway.networking.k8s.io', 'udproutes.gateway.networking.k8s.io']));
    const { body } = await kubeRequest(server.kubeConfig, 'GET', '/apis/gateway.networking.k8s.io/v1alpha2');
    const kinds = (body as { resources: { kind: string }[] }).resources.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['TLSRoute', 'TCPRoute', 'UDPRoute']));
  });

  it('applies GatewayClass, Gateway, HTTPRoute, Service and EndpointSlice and reads them back', async () => {
    await server.apply(objects);
    const [gatewayClass, gateway, route, service, slice] = await Promise.all(objects.map(read));
    expect(gatewayClass!.spec).toEqual(objects[0]!.spec);
    expect(gateway!.spec).toMatchObject({ gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] });
    // CRD defaulting ran: the real schema, not a pass-through store.
    expect(route!.spec).toMatchObject({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/echo' } }], backendRefs: [{ name: 'echo', port: 8080, weight: 1 }] }] });
    expect(service!.spec).toMatchObject({ clusterIP: expect.stringMatching(/^10\.96\./), ports: [{ port: 8080, targetPort: 9000, appProtocol: 'kubernetes.io/h2c' }] });
    expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.7'], conditions: { ready: true } }] });
  });

  it('applies again as an update: changed fields change, nothing is duplicated', async () => {
    const gateway = {
      ...objects[1]!,
      spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }, { name: 'http-8080', protocol: 'HTTP', port: 8080 }] },
    };
    await server.apply([gateway]);
    expect((await read(gateway)).spec).toMatchObject({ listeners: [{ name: 'http' }, { name: 'http-8080', port: 8080 }] });
  });

  it('rejects what the CRD schema (CEL rules included) rejects', async () => {
    const bad = { ...objects[2]!, metadata: { name: 'bad', namespace: NAMESPACE }, spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'no-leading-slash' } }] }] } };
    // The "absolute path" rule is an x-kubernetes-validations (CEL) rule of the HTTPRoute CRD.
    await expect(server.apply([bad])).rejects.toThrow(/HTTP 422: .*value must be an absolute path and start with '\/'/);
  });

  it('keeps every object across a kube-apiserver restart, on the same URL', async () => {
    const started = Date.now();
    await server.restart();
    console.log(`kube-apiserver restarted in ${Date.now() - started} ms`);
    const [gatewayClass, , route] = await Promise.all(objects.map(read));
    expect(gatewayClass!.spec).toEqual(objects[0]!.spec);
    expect(route!.metadata!.name).toBe('echo');
    // The restarted server serves the same CA: the KubeConfig made before still verifies it.
    expect((await kubeRequest(server.kubeConfig, 'GET', '/readyz')).status).toBe(200);
  });

  it('enforces RBAC: an impersonated user without a binding is forbidden, with one allowed', async () => {
    const asSomeone = new KubeConfig();
    asSomeone.loadFromOptions({
      clusters: server.kubeConfig.clusters,
      contexts: server.kubeConfig.contexts,
      users: [{ ...server.kubeConfig.getCurrentUser()!, impersonateUser: 'someone' }],
      currentContext: server.kubeConfig.currentContext,
    });
    const impersonated = KubernetesObjectApi.makeApiClient(asSomeone);
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'demo', namespace: NAMESPACE } };
    await expect(impersonated.read(gateway)).rejects.toMatchObject({ code: 403 });

    await server.apply([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'gateway-reader', namespace: NAMESPACE },
        rules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['gateways'], verbs: ['get'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'someone-reads-gateways', namespace: NAMESPACE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gateway-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'someone' }],
      },
    ]);
    // RBAC reads bindings from an informer: allow a moment for the new binding to arrive.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await impersonated.read<Stored>(gateway).then((g) => g, (e: { code?: number }) => e);
      if ('metadata' in result) break;
      if (Date.now() > deadline) throw new Error(`still forbidden after the RoleBinding: ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Granted `get` on gateways only: deleting one stays forbidden.
    await expect(impersonated.delete(gateway)).rejects.toMatchObject({ code: 403 });
  });

  it('leaves no process or file behind after stop()', async () => {
    const other = await startKubeApiServer();
    const dir = other.kubeconfigPath.replace(/\/kubeconfig$/, '');
    const pids = readFileSync(`${dir}/pids`, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    await other.stop();
    expect(existsSync(dir)).toBe(false);
    for (const pid of pids) expect(spawnSync('kill', ['-0', String(pid)]).status).not.toBe(0);
  });
});
