/**
 * pods/log through a real kube-apiserver to the node agent's log endpoint, without a cluster or root:
 * a bare etcd + kube-apiserver on loopback (started with the kubelet client certificate and
 * --kubelet-preferred-address-types=InternalIP, support/kube/kube-apiserver.ts), a Node object whose
 * InternalIP is 127.0.0.1 and whose kubeletEndpoint is the log server's port, and a Pod bound to it
 * whose log the test writes itself. What the conformance suite's mirror tests ask (container +
 * sinceTime), and how an error of the node reaches the client.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainerLog, type ContainerLog } from '../../cluster/node-agent/containers/container-log.js';
import type { ContainerStatus } from '../../cluster/node-agent/containers/container-status.js';
import { startKubeletLogServer, type KubeletLogServer } from '../../cluster/node-agent/logs/kubelet-log-server.js';
import { issueKubeletServingCertificate } from '../../cluster/node-agent/logs/kubelet-serving-certificate.js';
import { createKubeClient } from '../../cluster/node-agent/kube-client.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';

const NS = 'logs-test';
const NODE = 'logs-node';
const at = (seconds: number) => BigInt(Date.UTC(2026, 0, 2, 3, 4, 5 + seconds)) * 1_000_000n;

describeWithKube('pods/log through kube-apiserver to the node agent log endpoint', () => {
  let kube: KubeApiServer;
  let server: KubeletLogServer;
  let dir: string;
  let log: ContainerLog;
  let clockNs = at(0);

  /** GET through the API server as admin; the body as text whatever the status. */
  const apiGet = async (path: string) => {
    const url = new URL(kube.url);
    const options = { host: url.hostname, port: Number(url.port), path, headers: {} as Record<string, string>, timeout: 15_000 };
    await kube.kubeConfig.applyToHTTPSOptions(options);
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptcna-apilogs-'));
    kube = await startKubeApiServer({ namespaces: [NS] });
    log = createContainerLog(join(dir, 'echo.log'), () => clockNs);
    const output = log.beginRun('echo-0');
    for (const [seconds, line] of [[0, 'Echoing back request made to /old to client'], [10, 'Echoing back request made to /mirror to client']] as const) {
      clockNs = at(seconds);
      output.stdout(Buffer.from(`${line}\n`));
    }
    for (;;) {
      const next = log.changed();
      if (log.written() > 0 && readFileSync(log.file, 'utf8').includes('/mirror')) break;
      await next;
    }
    const status: ContainerStatus = { name: 'echo', image: 'i', imageID: '', containerID: 'echo-0', ready: true, started: true, restartCount: 0, state: { running: { startedAt: 'x' } }, lastState: {} };
    const serving = issueKubeletServingCertificate(NODE, '127.0.0.1');
    server = await startKubeletLogServer({
      host: '127.0.0.1',
      port: 0,
      cert: serving.cert,
      key: serving.key,
      clientCa: readFileSync(kube.credentials.kubeletClient.caFile, 'utf8'),
      findPod: (namespace, pod) => (namespace === NS && pod === 'echo' ? { container: (name) => (name === 'echo' ? { status, log } : undefined) } : undefined),
    });
    const client = createKubeClient(kube.kubeConfig);
    await client.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    await client.patch(`/api/v1/nodes/${NODE}/status`, {
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }], daemonEndpoints: { kubeletEndpoint: { Port: server.port } } },
    });
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { nodeName: NODE, containers: [{ name: 'echo', image: 'echo' }, { name: 'other', image: 'other' }] } });
    await client.create(`/api/v1/namespaces/${NS}/pods`, pod('echo'));
    // Known to the API server, bound to the node, but not run by it: the node answers 404.
    await client.create(`/api/v1/namespaces/${NS}/pods`, pod('unknown'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    log?.close();
    await kube?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('serves a container log with sinceTime, as the conformance mirror tests read it', async () => {
    expect(await apiGet(`/api/v1/namespaces/${NS}/pods/echo/log?container=echo`)).toEqual({
      status: 200,
      text: 'Echoing back request made to /old to client\nEchoing back request made to /mirror to client\n',
    });
    expect(await apiGet(`/api/v1/namespaces/${NS}/pods/echo/log?container=echo&sinceTime=2026-01-02T03:04:10Z`)).toEqual({ status: 200, text: 'Echoing back request made to /mirror to client\n' });
    expect((await apiGet(`/api/v1/namespaces/${NS}/pods/echo/log?container=echo&timestamps=true&tailLines=1`)).text).toBe('2026-01-02T03:04:15.000000000Z Echoing back request made to /mirror to client\n');
  });

  it("passes the node's refusals on as clear API errors", async () => {
    const unknown = await apiGet(`/api/v1/namespaces/${NS}/pods/unknown/log?container=echo`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ reason: 'NotFound', message: expect.stringContaining('pods/log unknown') });
    const previous = await apiGet(`/api/v1/namespaces/${NS}/pods/echo/log?container=echo&previous=true`);
    expect(previous.status).toBe(400);
    expect(JSON.parse(previous.text).message).toBe('previous terminated container "echo" in pod "echo" not found');
  });
});
