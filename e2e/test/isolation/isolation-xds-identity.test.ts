/**
 * Issue 12, finding "xDS hands out private keys": with mTLS, the one shared client certificate could
 * claim any gateway (`node.cluster`) and receive its TLS private keys over SDS. Now each client
 * certificate names what it may serve (`portico certgen --local DIR --gateway ns/name`,
 * `--gateway-namespace ns`), and `portico serve --xds-tls-*` ends any other claim with
 * PERMISSION_DENIED before sending anything, logging the claimed gateway and the certificate's
 * identity. Shown with real gRPC clients (both ADS protocols) and real Envoys (ENVOY_BIN): the
 * owner keeps getting its config and keys, the intruder gets nothing, before and after. With a real
 * kube-apiserver (ETCD_BIN, KUBE_APISERVER_BIN), the infrastructure manager issues each Gateway's
 * Secret from the CA `certgen --kubernetes` wrote, and an Envoy holding those files is held to its own
 * gateway the same way.
 * Runs the compiled CLI: `npx tsc -b` first when running this file alone.
 */
import { jest } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, status } from '@grpc/grpc-js';
import { AppsV1Api, CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { main } from '@portico/cli';
import { envoyProtos, TYPE_URLS } from '@portico/envoy';
import type { Gateway } from '@portico/resources';
import { envoyResourceName, type ManagedGateway } from '@portico/server';
import { createInfrastructureManager } from '@portico/server/kubernetes';
import { createDeltaClient, type DeltaResponse } from '../support/delta-client.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { freePort, PORTICO_BIN, startServeProcess, type ServeProcess } from '../support/serve-process.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENVOY = process.env.ENVOY_BIN;
const GATEWAYS = ['team-a/web', 'team-a/admin', 'team-b/api'] as const;
const identityDir = (gateway: string) => `identities/ns/${gateway.split('/')[0]}/gateway/${gateway.split('/')[1]}`;
const TEAM_A = 'identities/ns/team-a/gateways';

const figures: Record<string, number> = {};
afterAll(() => console.log(`xDS identity figures: ${JSON.stringify(figures)}`));

let certs: string;
let resources: string;
let serve: ServeProcess;
const read = (file: string) => readFileSync(join(certs, file));

/** One HTTPS gateway per key, each with its own TLS Secret (the example key pair, renamed). */
function gatewayResources(ports: Record<string, number>): string {
  const example = readFileSync(join(ROOT, 'examples/60-tls-secret.yaml'), 'utf8');
  const data = example.slice(example.indexOf('\ndata:') + 1);
  const docs = ['apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: portico }\nspec: { controllerName: portico.dev/gateway-controller }'];
  for (const gateway of GATEWAYS) {
    const [namespace, name] = gateway.split('/');
    docs.push(`apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}-tls, namespace: ${namespace} }\ntype: kubernetes.io/tls\n${data.trimEnd()}`);
    docs.push(
      `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n  gatewayClassName: portico\n  listeners:\n` +
        `  - { name: https, protocol: HTTPS, port: ${ports[gateway]}, tls: { mode: Terminate, certificateRefs: [{ name: ${name}-tls }] } }`,
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

const sslCredentials = (dir: string, file = 'tls') => credentials.createSsl(read('ca.crt'), read(`${dir}/${file}.key`), read(`${dir}/${file}.crt`));
const sharedCredentials = () => credentials.createSsl(read('ca.crt'), read('client.key'), read('client.crt'));

/** The SDS secret names of a gateway, from /debug/xds (key material redacted there). */
async function secretNames(gateway: string): Promise<string[]> {
  const { body } = await serve.admin<{ xds: Record<string, { secrets: { dynamicActiveSecrets?: { name: string }[] } }> }>(`/debug/xds?gateway=${gateway}`);
  return (body.xds[gateway]?.secrets.dynamicActiveSecrets ?? []).map((s) => s.name);
}

/** A delta ADS stream subscribing to the SDS secrets of `gateway` by name (SDS has no wildcard): its first response. */
async function fetchSecrets(gateway: string, channel: ReturnType<typeof credentials.createSsl>) {
  const names = await secretNames(gateway);
  expect(names.length).toBeGreaterThan(0);
  const client = createDeltaClient(`127.0.0.1:${serve.xdsPort}`, channel);
  const stream = client.open();
  stream.send({ node: { id: `probe-${gateway}`, cluster: gateway }, typeUrl: TYPE_URLS.secret, resourceNamesSubscribe: names });
  try {
    return await stream.next(15_000);
  } finally {
    stream.end();
    client.close();
  }
}

/** One raw call of either ADS protocol, to read its final status. */
async function adsCall(method: 'StreamAggregatedResources' | 'DeltaAggregatedResources', gateway: string, channel: ReturnType<typeof credentials.createSsl>) {
  const names = await secretNames(gateway);
  const client = new Client(`127.0.0.1:${serve.xdsPort}`, channel);
  const requestType = envoyProtos().lookupType(`envoy.service.discovery.v3.${method === 'DeltaAggregatedResources' ? 'Delta' : ''}DiscoveryRequest`);
  const call = client.makeBidiStreamRequest(
    `/envoy.service.discovery.v3.AggregatedDiscoveryService/${method}`,
    (request: object) => Buffer.from(requestType.encode(requestType.fromObject(request)).finish()),
    (bytes: Buffer) => bytes,
  );
  const responses: Buffer[] = [];
  call.on('data', (bytes: Buffer) => responses.push(bytes));
  const ended = new Promise<{ code: number; details: string }>((ok) => call.on('status', (s) => ok({ code: s.code, details: s.details })));
  call.on('error', () => {});
  const node = { id: `raw-${gateway}`, cluster: gateway };
  call.write(
    method === 'DeltaAggregatedResources'
      ? { node, typeUrl: TYPE_URLS.secret, resourceNamesSubscribe: names }
      : { node, typeUrl: TYPE_URLS.secret, resourceNames: names },
  );
  return {
    ended: ended.then((s) => ({ ...s, responses: responses.length })),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

const privateKeyIn = (response: DeltaResponse) => response.resources.some((r) => Buffer.from(r.value).includes('PRIVATE KEY'));

beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'portico-identity-certs-'));
  resources = mkdtempSync(join(tmpdir(), 'portico-identity-resources-'));
  const started = Date.now();
  const result = spawnSync(process.execPath, [PORTICO_BIN, 'certgen', '--local', certs, ...GATEWAYS.flatMap((g) => ['--gateway', g]), '--gateway-namespace', 'team-a'], { encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr + result.stdout).toContain('Identity spiffe://portico/ns/team-a/gateways: issued');
  expect(result.status).toBe(0);
  figures.certgenMs = Date.now() - started;
  const ports = Object.fromEntries(await Promise.all(GATEWAYS.map(async (g) => [g, await freePort()] as const)));
  writeFileSync(join(resources, 'gateways.yaml'), gatewayResources(ports));
  serve = await startServeProcess({ resources, extraArgs: ['--xds-tls-cert', join(certs, 'server.crt'), '--xds-tls-key', join(certs, 'server.key'), '--xds-tls-ca', join(certs, 'ca.crt')] });
  await serve.waitReady();
});

afterAll(async () => {
  await serve?.stop();
  rmSync(certs, { recursive: true, force: true });
  rmSync(resources, { recursive: true, force: true });
});

describe('xDS identity over mTLS, real gRPC clients', () => {
  it("gives a gateway's own certificate its SDS secrets, private key included", async () => {
    const response = (await fetchSecrets('team-a/web', sslCredentials(identityDir('team-a/web'))));
    expect(response.typeUrl).toBe(TYPE_URLS.secret);
    expect(response.resources.length).toBeGreaterThan(0);
    expect(privateKeyIn(response)).toBe(true);
  });

  it.each(['StreamAggregatedResources', 'DeltaAggregatedResources'] as const)(
    "refuses gateway A's certificate claiming gateway B (%s): PERMISSION_DENIED, nothing sent, a log line naming both",
    async (method) => {
      const call = await adsCall(method, 'team-b/api', sslCredentials(identityDir('team-a/web')));
      const ended = await call.ended;
      call.close();
      expect(ended).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringContaining("xDS client may not serve gateway 'team-b/api'"), responses: 0 });
      const line = await waitFor(async () =>
        serve.logs().find((l): l is Record<string, unknown> => typeof l === 'object' && l.gateway === 'team-b/api' && l.identity === 'spiffe://portico/ns/team-a/gateway/web'),
      );
      expect(line).toMatchObject({ level: 'warn', message: 'xDS stream refused: the client certificate may not serve the gateway it claims' });
      expect(JSON.stringify(serve.logs())).not.toContain('PRIVATE KEY');
    },
  );

  it('serves a namespace identity every gateway of its namespace, and refuses the others', async () => {
    for (const gateway of ['team-a/web', 'team-a/admin']) {
      const response = (await fetchSecrets(gateway, sslCredentials(TEAM_A)));
      expect(privateKeyIn(response)).toBe(true);
    }
    const call = await adsCall('DeltaAggregatedResources', 'team-b/api', sslCredentials(TEAM_A));
    expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED, responses: 0 });
    call.close();
  });

  it('refuses the shared client certificate of earlier versions, secure by default', async () => {
    const call = await adsCall('DeltaAggregatedResources', 'team-a/web', sharedCredentials());
    expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining('--xds-allow-shared-client-certificate'), responses: 0 });
    call.close();
  });

  it('measures the cost of the check: stream set-up with an identity certificate', async () => {
    const rounds = 20;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const response = (await fetchSecrets('team-a/web', sslCredentials(identityDir('team-a/web'))));
      expect(response.resources.length).toBeGreaterThan(0);
    }
    figures.connectAndFirstSdsResponseMs = Math.round(((performance.now() - started) / rounds) * 10) / 10;
  });
});

describe('compatibility mode (--xds-allow-shared-client-certificate)', () => {
  it('lets the shared certificate claim any gateway, and still refuses a wrong identity', async () => {
    const compat = await startServeProcess({
      resources,
      extraArgs: ['--xds-tls-cert', join(certs, 'server.crt'), '--xds-tls-key', join(certs, 'server.key'), '--xds-tls-ca', join(certs, 'ca.crt'), '--xds-allow-shared-client-certificate'],
    });
    const main = serve;
    try {
      await compat.waitReady();
      serve = compat;
      expect(compat.logs().some((l) => typeof l === 'object' && String(l.message).startsWith('xDS compatibility mode'))).toBe(true);
      expect(privateKeyIn((await fetchSecrets('team-b/api', sharedCredentials())))).toBe(true);
      const call = await adsCall('DeltaAggregatedResources', 'team-b/api', sslCredentials(identityDir('team-a/web')));
      expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED });
      call.close();
    } finally {
      serve = main;
      await compat.stop();
    }
  });
});

const envoys: ChildProcess[] = [];
afterAll(() => envoys.forEach((envoy) => envoy.kill('SIGTERM')));

/**
 * A real Envoy for `gateway`, bootstrapped by `portico bootstrap --tls-*` with the client certificate
 * in folder `identity` (tls.crt, tls.key, ca.crt: a certgen identity folder, or a Secret's files as a
 * pod mounts them), dialing `server`.
 */
async function startEnvoy(gateway: string, identity: string, nodeId: string, server: ServeProcess = serve): Promise<void> {
  const adminPort = await freePort();
  let bootstrap = '';
  const io = { stdout: { write: (chunk: string) => (bootstrap += chunk) }, stderr: { write: () => true }, readStdin: () => Promise.resolve('') };
  const args = ['bootstrap', '--gateway', gateway, '--xds-address', `127.0.0.1:${server.xdsPort}`, '--admin-port', String(adminPort), '--node-id', nodeId];
  const folder = identity.startsWith('/') ? identity : join(certs, identity);
  const tls = ['--tls-ca', join(folder, 'ca.crt'), '--tls-cert', join(folder, 'tls.crt'), '--tls-key', join(folder, 'tls.key')];
  expect(await main([...args, ...tls], io)).toBe(0);
  // Not in the watched resources folder: the file provider would report it as a broken object.
  const file = join(certs, `${nodeId}.envoy.yaml`);
  writeFileSync(file, bootstrap);
  envoys.push(spawn(ENVOY!, ['-c', file, '--disable-hot-restart', '--log-level', 'warn'], { stdio: 'ignore' }));
}

type Clients = { clients: { nodeId?: string; gateway?: string; types: Record<string, { ackedVersion?: string; nacks: number }> }[] };
const clientOf = async (nodeId: string, server: ServeProcess = serve) => (await server.admin<Clients>('/debug/clients')).body.clients.find((c) => c.nodeId === nodeId);

/** Resolves once the Envoy `nodeId` has ACKed listeners and secrets. */
const ackedListenersAndSecrets = (nodeId: string, server: ServeProcess = serve) =>
  waitFor(async () => {
    const client = await clientOf(nodeId, server);
    return client?.types[TYPE_URLS.listener]?.ackedVersion && client.types[TYPE_URLS.secret]?.ackedVersion ? client : undefined;
  });

const refusalLogged = (server: ServeProcess, gateway: string, identity: string) =>
  waitFor(async () => server.logs().find((l): l is Record<string, unknown> => typeof l === 'object' && l.gateway === gateway && l.identity === identity && l.level === 'warn'));

(ENVOY ? describe : describe.skip)('real Envoys', () => {
  it("an Envoy with gateway A's certificate claiming gateway B gets nothing; B's own Envoy, started before and after, gets B's listeners and keys", async () => {
    await startEnvoy('team-b/api', identityDir('team-b/api'), 'owner-before');
    const started = Date.now();
    await startEnvoy('team-b/api', identityDir('team-a/web'), 'intruder');
    await startEnvoy('team-b/api', identityDir('team-b/api'), 'owner-after');
    for (const owner of ['owner-before', 'owner-after']) {
      const acked = await ackedListenersAndSecrets(owner);
      expect(acked.gateway).toBe('team-b/api');
      expect(acked.types[TYPE_URLS.secret]!.nacks).toBe(0);
    }
    const refused = await refusalLogged(serve, 'team-b/api', 'spiffe://portico/ns/team-a/gateway/web');
    figures.envoyRefusedAfterMs = Date.now() - started;
    expect(refused.reason).toBe("the certificate's identity does not cover gateway 'team-b/api'");
    expect(await clientOf('intruder')).toBeUndefined();
  });
});

/**
 * In Kubernetes: certgen writes the CA, the infrastructure manager issues each Gateway's Secret from it
 * and mounts it in the Gateway's Deployment; an Envoy with those files (as the pod has them) is served
 * its own gateway, and refused another's.
 */
describeWithKube('per-Gateway client certificates issued by the infrastructure manager', () => {
  const NS = 'edge';
  let kube: KubeApiServer;
  let kubeServe: ServeProcess | undefined;
  let mounted: string;
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn: (m: string) => errors.push(m), error: (m: string, f?: object) => errors.push(`${m} ${JSON.stringify(f)}`) };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: ['portico-system', NS] });
    mounted = mkdtempSync(join(tmpdir(), 'portico-identity-mounted-'));
    const result = spawnSync(process.execPath, [PORTICO_BIN, 'certgen', '--kubernetes', '--namespace', 'portico-system', '--dns-name', '127.0.0.1'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: kube.kubeconfigPath },
      timeout: 60_000,
    });
    expect(result.stderr + result.stdout).toContain('Secret portico-system/portico-xds-ca-key: created');
  });
  afterAll(async () => {
    await kubeServe?.stop();
    await kube?.stop();
    rmSync(mounted, { recursive: true, force: true });
  });

  const gatewayObject = (key: string): Gateway => {
    const [namespace, name] = key.split('/') as [string, string];
    return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace, name }, spec: { gatewayClassName: 'portico', listeners: [] } };
  };
  const secretData = async (name: string) => {
    const secret: V1Secret = await kube.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: NS, name });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };

  it("creates each Gateway's Secret with its identity and mounts it; an Envoy with it gets its gateway, never another's", async () => {
    const manager = createInfrastructureManager({
      kubeConfig: kube.kubeConfig,
      logger,
      options: { xdsAddress: 'portico.portico-system.svc:18000', namespace: NS, serviceType: 'ClusterIP', clientCertificates: { caSecret: { namespace: 'portico-system', name: 'portico-xds-ca-key' } } },
    });
    try {
      const managed = new Map<string, ManagedGateway>(
        ['team-a/web', 'team-b/api'].map((key) => [key, { gateway: gatewayObject(key), ir: { name: key, gatewayClass: 'portico', listeners: [], backends: [] } }]),
      );
      const started = Date.now();
      expect(await manager.reconcile(managed)).toMatchObject({ result: 'success', failures: 0 });
      figures.kubernetesFirstPassMs = Date.now() - started;
      expect(errors).toEqual([]);
      // A second pass, and a resync, keep the certificates: nothing is written.
      expect(await manager.resync()).toMatchObject({ result: 'success', applied: 0 });
    } finally {
      manager.stop();
    }

    const ca = (await kube.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'portico-system', name: 'portico-xds-ca' })).data!['ca.crt']!;
    for (const key of ['team-a/web', 'team-b/api']) {
      const [namespace, name] = key.split('/') as [string, string];
      const resource = envoyResourceName(namespace, name);
      const data = await secretData(resource);
      expect(new X509Certificate(data['tls.crt']!).subjectAltName).toBe(`URI:spiffe://portico/ns/${namespace}/gateway/${name}`);
      expect(data['ca.crt']).toBe(Buffer.from(ca, 'base64').toString('utf8'));
      const deployment = await kube.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: NS, name: resource });
      expect(deployment.spec!.template.spec!.volumes).toContainEqual({ name: 'xds-tls', secret: { secretName: resource, defaultMode: 0o440 } });
      // The files as the pod mounts them.
      const folder = join(mounted, resource);
      mkdirSync(folder);
      for (const file of ['tls.crt', 'tls.key', 'ca.crt']) writeFileSync(join(folder, file), data[file]!, { mode: 0o600 });
    }
    if (!ENVOY) return;

    // Portico serving with the server certificate certgen wrote into the cluster.
    const serverSecret = (await kube.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'portico-system', name: 'portico-xds-server' })).data!;
    const serverFolder = join(mounted, 'server');
    mkdirSync(serverFolder);
    for (const file of ['tls.crt', 'tls.key', 'ca.crt']) writeFileSync(join(serverFolder, file), Buffer.from(serverSecret[file]!, 'base64'), { mode: 0o600 });
    kubeServe = await startServeProcess({ resources, extraArgs: ['--xds-tls-cert', join(serverFolder, 'tls.crt'), '--xds-tls-key', join(serverFolder, 'tls.key'), '--xds-tls-ca', join(serverFolder, 'ca.crt')] });
    await kubeServe.waitReady();
    const web = join(mounted, envoyResourceName('team-a', 'web'));
    const api = join(mounted, envoyResourceName('team-b', 'api'));
    await startEnvoy('team-b/api', api, 'kube-owner', kubeServe);
    await startEnvoy('team-b/api', web, 'kube-intruder', kubeServe);
    expect((await ackedListenersAndSecrets('kube-owner', kubeServe)).gateway).toBe('team-b/api');
    await refusalLogged(kubeServe, 'team-b/api', 'spiffe://portico/ns/team-a/gateway/web');
    expect(await clientOf('kube-intruder', kubeServe)).toBeUndefined();
  });
});

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms\n${serve.tail(30)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
