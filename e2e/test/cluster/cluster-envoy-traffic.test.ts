/**
 * Real requests from the host through a Portico-managed Envoy pod to echo pods, in the cluster harness
 * (e2e/cluster: control plane, kube-proxy, CoreDNS, LoadBalancer stub, the process node agent).
 *
 * Portico is installed the way users install it: `helm upgrade --install` of charts/portico (the
 * certgen hook Job writes the xDS CA and certificates, two Portico replicas run this checkout as pods,
 * the chart's GatewayClass `portico`), with /debug exposed on the pod IPs so the test can read what
 * Portico serves and which Envoys ACKed it. Portico creates the Envoy Deployment + LoadBalancer Service
 * per Gateway, the node agent runs the Envoy pod (image envoyproxy/envoy → ENVOY_BIN), and the Envoy
 * dials Portico's ClusterIP Service over mutual TLS with the Gateway's own client certificate.
 *
 * What it proves: first answer through the Gateway's LoadBalancer address; a route edit is followed;
 * an echo pod deleted while requests flow costs no failed request once the EDS push is ACKed; every
 * Portico pod deleted at once loses no config: requests are answered throughout, the Deployment's new
 * pods come up, the Envoy reconnects and a further edit is followed. Needs root and the binaries
 * (HELM_BIN among them); prints wall times and counts.
 */
import { spawnSync } from 'node:child_process';
import { Agent, get as httpGet } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import type { Cluster } from '../../cluster/cluster.js';
import { missingBinaries } from '../../cluster/components.js';
import { startNodeAgent } from '../../cluster/node-agent/index.js';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { startClusterWhenFree } from '../support/kube/cluster-turn.js';
import { installGatewayApiCrds } from '../support/kube/kube-crds.js';
import { pollUntil } from '../support/wait.js';
import { installPortico, PORTICO_NAMESPACE } from '../../conformance/portico-install.js';

jest.setTimeout(300_000);

const isRoot = process.getuid?.() === 0;
const describeCluster = isRoot && missingBinaries().length === 0 && process.env.ENVOY_BIN && process.env.ECHO_BASIC_BIN && process.env.HELM_BIN ? describe : describe.skip;

const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const NS = 'traffic';
const PORTICO_NS = PORTICO_NAMESPACE;
const PORTICO_PODS = 'app.kubernetes.io/name=portico,app.kubernetes.io/component=control-plane';
const ADMIN_PORT = 19000;
const GATEWAY = 'edge';
const ROUTE = 'echo';
const ECHO_IMAGE = 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0';
const EDS_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const DEADLINE_MS = 120_000;

function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = DEADLINE_MS): Promise<T> {
  return pollUntil(what, check, timeoutMs, 200);
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { containers: { image: string }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const isReady = (pod: Pod) => !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

interface EchoReply {
  status: number;
  pod?: string;
  path?: string;
  headers?: Record<string, string[]>;
}

/** Keep-alive connections (as a client would hold them), closed in afterAll so nothing outlives the test. */
const agent = new Agent({ keepAlive: true });

function request(url: string): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent, timeout: 5_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode !== 200) return resolve({ status: response.statusCode ?? 0 });
        try {
          resolve({ status: 200, ...(JSON.parse(text) as Omit<EchoReply, 'status'>) });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sequential requests until stopped: each one's time, outcome and answering pod. */
function startLoad(url: string) {
  const results: { at: number; ok: boolean; pod?: string; error?: string }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const reply = await request(url);
        results.push({ at, ok: reply.status === 200, ...(reply.pod ? { pod: reply.pod } : { error: `HTTP ${reply.status}` }) });
      } catch (error) {
        results.push({ at, ok: false, error: String(error) });
      }
      // Pacing only (a 2-core machine shares this with the whole cluster), never synchronisation.
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    results,
    async stop() {
      running = false;
      await done;
      return results;
    },
  };
}

function echoObjects(): object[] {
  const labels = { app: 'echo' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'echo',
                image: ECHO_IMAGE,
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [{ name: 'http', containerPort: 3000 }],
                readinessProbe: { httpGet: { path: '/', port: 3000 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: NS }, spec: { selector: labels, ports: [{ name: 'http', port: 8080, targetPort: 3000 }] } },
  ];
}

/** The HTTPRoute: `/app` → echo, plus `extra` rules (each a path prefix that adds a header naming it). */
function route(extra: string[]): object {
  const backendRefs = [{ name: 'echo', port: 8080 }];
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: ROUTE, namespace: NS },
    spec: {
      parentRefs: [{ name: GATEWAY }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/app' } }], backendRefs },
        ...extra.map((path) => ({
          matches: [{ path: { type: 'PathPrefix', value: path } }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-rule', value: path.slice(1) }] } }],
          backendRefs,
        })),
      ],
    },
  };
}

describeCluster('Portico-managed Envoy pods carry traffic in the cluster harness', () => {
  let cluster: Cluster | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  let baseUrl: string;
  const figures: Record<string, number | string> = {};

  const get = async <T>(path: string): Promise<T | undefined> => {
    const response = await kubeRequest(cluster!.kubeConfig, 'GET', path);
    return response.status === 200 ? (response.body as T) : undefined;
  };
  const pods = async (selector: string, namespace = NS) =>
    (await get<{ items: Pod[] }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`))?.items ?? [];
  /** One Portico pod's admin endpoint (the chart's admin.exposeDebug: on the pod IP). */
  const admin = async <T>(pod: Pod, path: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const req = httpGet(`http://${pod.status!.podIP}:${ADMIN_PORT}${path}`, { timeout: 5_000 }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(text) as T) : reject(new Error(`${path}: HTTP ${response.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  const porticoPods = async () => (await pods(PORTICO_PODS, PORTICO_NS)).filter(isReady);
  type Clients = { clients: { gateway?: string; types: Record<string, { ackedVersion?: string }> }[] };
  /** The Portico pod the Gateway's Envoy is connected to (either replica serves xDS), with its clients. */
  const servingPod = async () => {
    for (const pod of await porticoPods()) {
      const clients = (await admin<Clients>(pod, '/debug/clients').catch(() => ({ clients: [] }) as Clients)).clients.filter((c) => c.gateway === `${NS}/${GATEWAY}`);
      if (clients.length > 0) return { pod, clients };
    }
    return undefined;
  };
  /** Polls until `path` answers 200 from echo-basic with header x-rule (set by the route's filter). */
  const waitForRule = (path: string) =>
    poll(`${path} routed`, async () => {
      const reply = await request(`${baseUrl}${path}`);
      return reply.status === 200 && reply.headers?.['X-Rule']?.[0] === path.slice(1) ? reply : undefined;
    });

  beforeAll(async () => {
    // The harness's own figure (kube-proxy, started last, ready N ms after the start): a wait for
    // another owner of the host's cluster to finish is not counted.
    const log = (line: string) => {
      const match = /^kube-proxy ready \((\d+) ms\)$/.exec(line);
      if (match) figures.clusterUpMs = Number(match[1]);
    };
    cluster = await startClusterWhenFree({ nodeAgent: startNodeAgent, log }, 600_000);
    const started = Date.now();
    await Promise.all([cluster.createNamespace(NS), installGatewayApiCrds(cluster.kubeConfig)]);
    await installPortico({
      checkout: CHECKOUT,
      kubeconfigPath: cluster.config.kubeconfigPath,
      kubeConfig: cluster.kubeConfig,
      values: { 'admin.exposeDebug': 'true' },
      log: () => {},
    });
    figures.helmInstallMs = Date.now() - started;

    await cluster.apply([
      ...echoObjects(),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: GATEWAY, namespace: NS },
        spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
      },
      route([]),
    ]);
    figures.objectsAppliedMs = Date.now() - started;
  }, 600_000);

  afterAll(async () => {
    await load?.stop();
    // The pods' output (the node agent's log files), kept for a failed run's diagnosis.
    if (cluster && process.env.CLUSTER_ENVOY_LOGS) spawnSync('bash', ['-c', `cp -r ${cluster.config.stateDir}/node-agent ${process.env.CLUSTER_ENVOY_LOGS}`]);
    await cluster?.stop();
    agent.destroy();
    console.log(`cluster envoy traffic figures: ${JSON.stringify(figures)}`);
  }, 120_000);

  test('Portico creates the Envoy Deployment and Service; the Envoy pod gets Ready; the Gateway gets the LoadBalancer address; echo pods answer through it', async () => {
    const started = Date.now();
    const envoyPod = await poll('a Ready Envoy pod', async () => (await pods('app.kubernetes.io/managed-by=portico', PORTICO_NS)).find(isReady), 180_000);
    expect(envoyPod.spec.containers[0]!.image).toMatch(/^envoyproxy\/envoy:/);
    figures.envoyPodReadyMs = Date.now() - started;
    const address = await poll('the Gateway address', async () => {
      const gateway = await get<{ status?: { addresses?: { value: string }[] } }>(`/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/${GATEWAY}`);
      return gateway?.status?.addresses?.[0]?.value;
    });
    expect(address).toMatch(/^10\.97\.0\.\d+$/);
    baseUrl = `http://${address}:80`;
    const answering = new Set<string>();
    await poll('both echo pods answering through the Gateway', async () => {
      const reply = await request(`${baseUrl}/app`);
      if (reply.status === 200 && reply.pod) {
        answering.add(reply.pod);
        figures.firstAnswerMs ??= Date.now() - started;
      }
      return answering.size === 2;
    });
    const echoPods = (await pods('app=echo')).map((pod) => pod.metadata.name);
    expect([...answering].sort()).toEqual(echoPods.sort());
    // No rule for other paths.
    expect((await request(`${baseUrl}/other`)).status).toBe(404);
  });

  test('a route edit is followed', async () => {
    expect((await request(`${baseUrl}/edited`)).status).toBe(404);
    const started = Date.now();
    await cluster!.apply([route(['/edited'])]);
    const reply = await waitForRule('/edited');
    figures.routeEditMs = Date.now() - started;
    expect(reply.path).toBe('/edited');
  });

  test('an echo pod deleted while requests flow: no failed request once the EDS push is ACKed', async () => {
    const [victim] = (await pods('app=echo')).filter(isReady);
    const victimIp = victim!.status!.podIP!;
    load = startLoad(`${baseUrl}/app`);
    await poll('requests flowing', async () => load!.results.filter((r) => r.ok).length >= 20);
    const deletedAt = Date.now();
    expect((await kubeRequest(cluster!.kubeConfig, 'DELETE', `/api/v1/namespaces/${NS}/pods/${victim!.metadata.name}`)).status).toBe(200);

    // The push: Portico serves the Gateway's endpoints without the victim, and its Envoy ACKed that version.
    const ackedAt = await poll('EDS without the deleted pod ACKed by the Envoy', async () => {
      const serving = await servingPod();
      if (!serving) return undefined;
      const xds = await admin<{ xds: Record<string, { endpoints?: unknown }>; versions: Record<string, string> }>(serving.pod, '/debug/xds');
      const key = `${NS}/${GATEWAY}`;
      if (JSON.stringify(xds.xds[key]?.endpoints ?? null).includes(`"${victimIp}"`)) return undefined;
      const version = xds.versions[key];
      return serving.clients.every((c) => c.types[EDS_TYPE]?.ackedVersion === version) ? Date.now() : undefined;
    });
    // The replacement pod (the Deployment's) answers too, and requests go on for a while after it.
    await poll('two echo pods Ready again', async () => (await pods('app=echo')).filter(isReady).length === 2);
    const running = load;
    const afterAck = () => running.results.filter((r) => r.at > ackedAt);
    await poll('requests after the push', async () => afterAck().length >= 100);
    const results = await running.stop();
    load = undefined;
    const failed = results.filter((r) => !r.ok);
    const failedAfterAck = afterAck().filter((r) => !r.ok);
    Object.assign(figures, {
      endpointChangeRequests: results.length,
      endpointChangeFailures: failed.length,
      endpointChangeFailuresAfterAck: failedAfterAck.length,
      endpointChangeConvergeMs: ackedAt - deletedAt,
    });
    if (failed.length > 0) console.log(`failures around the pod deletion: ${JSON.stringify(failed.slice(0, 5).map((r) => ({ ...r, at: r.at - deletedAt })))}`);
    expect(failedAfterAck).toEqual([]);
    expect(afterAck().every((r) => r.pod !== victim!.metadata.name)).toBe(true);
  });

  test('every Portico pod deleted at once loses no config: requests answered throughout; the new pods come up, the Envoy reconnects and a further edit is followed', async () => {
    load = startLoad(`${baseUrl}/edited`);
    await poll('requests flowing', async () => load!.results.filter((r) => r.ok).length >= 20);
    const before = await porticoPods();
    expect(before.length).toBeGreaterThan(0);
    const restartedAt = Date.now();
    for (const pod of before) {
      expect((await kubeRequest(cluster!.kubeConfig, 'DELETE', `/api/v1/namespaces/${PORTICO_NS}/pods/${pod.metadata.name}`)).status).toBe(200);
    }
    const oldNames = new Set(before.map((pod) => pod.metadata.name));
    await poll('the Deployment\'s new Portico pods Ready', async () => {
      const ready = (await porticoPods()).filter((pod) => !oldNames.has(pod.metadata.name));
      return ready.length === before.length;
    }, 180_000);
    figures.porticoPodsReadyAfterDeleteMs = Date.now() - restartedAt;
    await poll('the Envoy reconnected to a new Portico pod', async () => {
      const serving = await servingPod();
      return serving !== undefined && !oldNames.has(serving.pod.metadata.name);
    }, 180_000);
    figures.envoyReconnectedMs = Date.now() - restartedAt;
    const editedAt = Date.now();
    await cluster!.apply([route(['/edited', '/after-restart'])]);
    await waitForRule('/after-restart');
    figures.editAfterRestartMs = Date.now() - editedAt;
    // Requests go on a little past the edit, then the whole window is counted.
    const count = load.results.length;
    await poll('requests after the edit', async () => load!.results.length >= count + 50);
    const results = await load.stop();
    load = undefined;
    const failed = results.filter((r) => !r.ok);
    Object.assign(figures, { restartRequests: results.length, restartFailures: failed.length });
    if (failed.length > 0) console.log(`failures around the restart: ${JSON.stringify(failed.slice(0, 5).map((r) => ({ ...r, at: r.at - restartedAt })))}`);
    expect(failed).toEqual([]);
    // The earlier edit is still served by the same route.
    expect((await waitForRule('/edited')).status).toBe(200);
  });
});
