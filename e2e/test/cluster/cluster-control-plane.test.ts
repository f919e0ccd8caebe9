/**
 * The cluster harness (e2e/cluster) against the real binaries: controllers reconcile (Deployment →
 * ReplicaSet → Pods, the scheduler binds to a registered Node, EndpointSlices follow a Ready Pod, a
 * deleted Namespace takes its contents, the garbage collector removes orphans), kube-proxy makes a
 * ClusterIP and a LoadBalancer address reach a TCP server in a network namespace this test made,
 * CoreDNS answers the Service's name, and stop() leaves no process, interface, namespace or rule.
 * There is no node agent here: a stand-in registers a Ready Node (through the harness's nodeAgent hook)
 * and the test itself writes Pod status. Needs root (bridge, netns, nftables); prints wall times.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { jest } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { type Cluster } from '../../cluster/cluster.js';
import { startClusterWhenFree } from '../support/kube/cluster-turn.js';
import { HARNESS_PREFIX, type NodeAgentStarter } from '../../cluster/cluster-config.js';
import { missingBinaries } from '../../cluster/components.js';
import { harnessLeftovers, run } from '../../cluster/host-network.js';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { pollUntil } from '../support/wait.js';

jest.setTimeout(180_000);

const execFileAsync = promisify(execFile);

const isRoot = process.getuid?.() === 0;
const describeCluster = isRoot && missingBinaries().length === 0 ? describe : describe.skip;

/** A network namespace of this test's own, on the harness bridge, at the first harness address. */
const TEST_NETNS = `${HARNESS_PREFIX}-test`;
const TEST_VETH = `${HARNESS_PREFIX}-test-h`;
const SERVER_PORT = 8080;
const DEADLINE_MS = 90_000;

function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = DEADLINE_MS): Promise<T> {
  return pollUntil(what, check, timeoutMs, 250);
}

async function get<T>(kubeConfig: KubeConfig, path: string): Promise<T | undefined> {
  const response = await kubeRequest(kubeConfig, 'GET', path);
  return response.status === 200 ? (response.body as T) : undefined;
}

interface Item {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: { nodeName?: string; clusterIP?: string };
  status?: { loadBalancer?: { ingress?: { ip: string }[] } };
}

/** Stands in for the node agent: registers the Ready Node the scheduler binds to (and kube-proxy looks up). */
const readyNodeAgent: NodeAgentStarter = async ({ config, kubeConfig }) => {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: config.nodeName, labels: { 'kubernetes.io/hostname': config.nodeName } },
    spec: { podCIDR: config.network.podCidr, podCIDRs: [config.network.podCidr] },
  };
  const created = await kubeRequest(kubeConfig, 'POST', '/api/v1/nodes', node);
  if (created.status !== 201) throw new Error(`register node: ${created.status} ${JSON.stringify(created.body)}`);
  const now = new Date().toISOString();
  const status = {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test stand-in', lastHeartbeatTime: now, lastTransitionTime: now }],
    addresses: [{ type: 'InternalIP', address: config.network.bridgeAddress }],
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
  };
  const patched = await kubeRequest(kubeConfig, 'PATCH', `/api/v1/nodes/${config.nodeName}/status`, { status }, 'application/merge-patch+json');
  if (patched.status !== 200) throw new Error(`node status: ${patched.status} ${JSON.stringify(patched.body)}`);
  return { stop: async () => {} };
};

/** One request to host:port; resolves with what the server sent. */
function tcpExchange(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 3_000 });
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('end', () => resolve(data));
    socket.on('timeout', () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
  });
}

/** Processes whose command line names the state folder: every component the harness started does. */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

describeCluster('cluster harness: control plane, kube-proxy, CoreDNS, LoadBalancer stub', () => {
  let cluster: Cluster;
  let kubeConfig: KubeConfig;
  let server: ChildProcess | undefined;
  let testAddress: string;

  beforeAll(async () => {
    const started = Date.now();
    // One cluster per host: wait while another test file (another jest worker) holds it.
    cluster = await startClusterWhenFree({ nodeAgent: readyNodeAgent }, 120_000);
    kubeConfig = cluster.kubeConfig;
    console.log(`cluster up in ${Date.now() - started} ms`);
    // The test's network namespace: a veth whose host end joins the bridge, an address from the harness CIDR.
    const { network } = cluster.config;
    testAddress = network.harnessAddress.replace(/\.\d+$/, '.2');
    run('ip', ['netns', 'add', TEST_NETNS]);
    run('ip', ['link', 'add', TEST_VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', TEST_NETNS]);
    run('ip', ['link', 'set', TEST_VETH, 'master', network.bridge, 'up']);
    run('ip', ['-n', TEST_NETNS, 'addr', 'add', `${testAddress}/${network.harnessCidr.split('/')[1]}`, 'dev', 'eth0']);
    run('ip', ['-n', TEST_NETNS, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', TEST_NETNS, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', TEST_NETNS, 'route', 'add', 'default', 'via', network.harnessAddress]);
    const script = `require('net').createServer((s) => s.end('hello from ' + process.argv[1])).listen(${SERVER_PORT}, process.argv[1], () => console.log('listening'))`;
    server = spawn('ip', ['netns', 'exec', TEST_NETNS, process.execPath, '-e', script, testAddress], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      server!.once('exit', (code) => reject(new Error(`netns server exited ${code}`)));
    });
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await cluster?.stop();
  });

  test('a Deployment makes a ReplicaSet and Pods that the scheduler binds to the Ready Node; the garbage collector removes them with it', async () => {
    const started = Date.now();
    await cluster.createNamespace('deploy');
    await cluster.apply([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'deploy' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] } },
        },
      },
    ]);
    const replicaSets = await poll('ReplicaSet of web', async () => {
      const list = await get<{ items: Item[] }>(kubeConfig, '/apis/apps/v1/namespaces/deploy/replicasets');
      return list && list.items.length === 1 ? list.items : undefined;
    });
    expect(replicaSets[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web' });
    const pods = await poll('2 Pods bound to the Node', async () => {
      const list = await get<{ items: Item[] }>(kubeConfig, '/api/v1/namespaces/deploy/pods');
      return list && list.items.length === 2 && list.items.every((pod) => pod.spec?.nodeName === cluster.config.nodeName) ? list.items : undefined;
    });
    expect(pods.every((pod) => pod.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);

    // Orphan-free deletion: the garbage collector deletes the ReplicaSet once its Deployment is gone.
    const deleted = await kubeRequest(kubeConfig, 'DELETE', '/apis/apps/v1/namespaces/deploy/deployments/web', { propagationPolicy: 'Background' });
    expect(deleted.status).toBe(200);
    await poll('ReplicaSet garbage-collected', async () => (await get<{ items: Item[] }>(kubeConfig, '/apis/apps/v1/namespaces/deploy/replicasets'))?.items.length === 0);
    console.log(`deployment test: ${Date.now() - started} ms`);
  });

  test('a Job gets its Pod; each Namespace gets its default ServiceAccount and kube-root-ca.crt', async () => {
    const started = Date.now();
    await cluster.createNamespace('jobs');
    await cluster.apply([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'once', namespace: 'jobs' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.invalid/c:1' }] } } },
      },
    ]);
    const pods = await poll('the Job\'s Pod', async () => {
      const list = await get<{ items: Item[] }>(kubeConfig, '/api/v1/namespaces/jobs/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Donce');
      return list && list.items.length === 1 ? list.items : undefined;
    });
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'once' });
    const rootCa = await poll('kube-root-ca.crt', () => get<{ data: Record<string, string> }>(kubeConfig, '/api/v1/namespaces/jobs/configmaps/kube-root-ca.crt'));
    expect(rootCa.data['ca.crt']).toBe(readFileSync(cluster.config.apiServerCaFile, 'utf8'));
    console.log(`job test: ${Date.now() - started} ms`);
  });

  test('EndpointSlices follow a Ready Pod; kube-proxy makes its ClusterIP reach the server; CoreDNS answers its name', async () => {
    const started = Date.now();
    await cluster.createNamespace('svc');
    await cluster.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'echo', namespace: 'svc', labels: { app: 'echo' } },
        spec: { nodeName: cluster.config.nodeName, containers: [{ name: 'echo', image: 'example.invalid/echo:1', ports: [{ containerPort: SERVER_PORT }] }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo', namespace: 'svc' },
        spec: { selector: { app: 'echo' }, ports: [{ name: 'tcp', port: 80, targetPort: SERVER_PORT }] },
      },
    ]);
    // What a kubelet would report: Running, Ready, the address of the namespace the server listens in.
    const now = new Date().toISOString();
    const status = await kubeRequest(
      kubeConfig,
      'PATCH',
      '/api/v1/namespaces/svc/pods/echo/status',
      {
        status: {
          phase: 'Running',
          podIP: testAddress,
          podIPs: [{ ip: testAddress }],
          hostIP: cluster.config.network.bridgeAddress,
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          ],
        },
      },
      'application/merge-patch+json',
    );
    expect(status.status).toBe(200);

    type Slice = { metadata: { labels: Record<string, string> }; endpoints?: { addresses: string[]; conditions: { ready?: boolean } }[] };
    const slice = await poll('EndpointSlice with the Pod', async () => {
      const list = await get<{ items: Slice[] }>(kubeConfig, '/apis/discovery.k8s.io/v1/namespaces/svc/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Decho');
      return list?.items.find((s) => s.endpoints?.some((e) => e.addresses.includes(testAddress) && e.conditions.ready));
    });
    expect(slice.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');

    const service = (await get<Item>(kubeConfig, '/api/v1/namespaces/svc/services/echo'))!;
    const clusterIp = service.spec!.clusterIP!;
    const reply = await poll(`${clusterIp}:80 answering`, () => tcpExchange(clusterIp, 80));
    expect(reply).toBe(`hello from ${testAddress}`);

    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([cluster.config.clusterDns]);
    const answer = await poll('DNS answer', () => resolver.resolve4(`echo.svc.svc.${cluster.config.clusterDomain}`));
    expect(answer).toEqual([clusterIp]);

    // From inside a namespace on the bridge, as a pod would: DNS through the kube-dns ClusterIP, and
    // the API server through the `kubernetes` Service (10.96.0.1:443 → the bridge address).
    const probe = `
      const [dns, name] = process.argv.slice(1);
      const r = new (require('dns').promises.Resolver)({ timeout: 2000, tries: 3 });
      r.setServers([dns]);
      r.resolve4(name).then(async (ips) => {
        const status = await new Promise((ok, fail) => require('https').get({ host: '10.96.0.1', port: 443, path: '/readyz', rejectUnauthorized: false }, (res) => { res.resume(); ok(res.statusCode); }).on('error', fail));
        console.log(JSON.stringify({ ips, status }));
        process.exit(0); // the agent's keep-alive socket would hold the process open
      }).catch((e) => { console.error(String(e)); process.exit(1); });`;
    const fromPod = await poll('DNS and API from the namespace', async () => {
      const { stdout } = await execFileAsync('ip', ['netns', 'exec', TEST_NETNS, process.execPath, '-e', probe, cluster.config.clusterDns, `echo.svc.svc.${cluster.config.clusterDomain}`], { timeout: 20_000 });
      return JSON.parse(stdout) as { ips: string[]; status: number };
    });
    // 200: /readyz is public (system:public-info-viewer), so no credentials are needed to prove the path.
    expect(fromPod).toEqual({ ips: [clusterIp], status: 200 });
    console.log(`service test: ${Date.now() - started} ms`);
  });

  test('a LoadBalancer Service gets an address from the harness range that reaches the server from the host', async () => {
    const started = Date.now();
    await cluster.apply([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo-lb', namespace: 'svc' },
        spec: { type: 'LoadBalancer', selector: { app: 'echo' }, ports: [{ name: 'tcp', port: 81, targetPort: SERVER_PORT }] },
      },
    ]);
    const ip = await poll('LoadBalancer address', async () => (await get<Item>(kubeConfig, '/api/v1/namespaces/svc/services/echo-lb'))?.status?.loadBalancer?.ingress?.[0]?.ip);
    expect(ip).toMatch(/^10\.97\.0\.\d+$/);
    const reply = await poll(`${ip}:81 answering`, () => tcpExchange(ip, 81));
    expect(reply).toBe(`hello from ${testAddress}`);
    console.log(`loadbalancer test: ${Date.now() - started} ms`);
  });

  test('deleting a Namespace deletes what is in it, then the Namespace', async () => {
    const started = Date.now();
    await cluster.createNamespace('doomed');
    await cluster.apply([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'doomed' }, data: { a: '1' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'stuck', namespace: 'doomed' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'stuck' } },
          // Unschedulable: an unbound Pod is deleted at once (a bound one would wait for a kubelet).
          template: { metadata: { labels: { app: 'stuck' } }, spec: { nodeSelector: { nowhere: 'true' }, containers: [{ name: 'c', image: 'example.invalid/c:1' }] } },
        },
      },
    ]);
    await poll('a Pod of stuck', async () => ((await get<{ items: Item[] }>(kubeConfig, '/api/v1/namespaces/doomed/pods'))?.items.length ?? 0) > 0);
    expect((await kubeRequest(kubeConfig, 'DELETE', '/api/v1/namespaces/doomed')).status).toBe(200);
    await poll('Namespace doomed gone', async () => (await kubeRequest(kubeConfig, 'GET', '/api/v1/namespaces/doomed')).status === 404);
    console.log(`namespace test: ${Date.now() - started} ms`);
  });

  test('stop() leaves no process, interface, network namespace, nftables table or state', async () => {
    const { stateDir } = cluster.config;
    server?.kill('SIGKILL');
    const started = Date.now();
    await cluster.stop();
    console.log(`cluster down in ${Date.now() - started} ms`);
    expect(processesMentioning(stateDir)).toEqual([]);
    expect(harnessLeftovers()).toEqual({ links: [], namespaces: [], tables: [] });
    expect(existsSync(stateDir)).toBe(false);
  });
});

describeCluster('cluster CLI (npm run cluster): down after a crash', () => {
  const cli = fileURLToPath(new URL('../../dist/cluster/cli.js', import.meta.url));
  let owner: ChildProcess | undefined;

  afterAll(() => {
    owner?.kill('SIGKILL');
    spawnSync(process.execPath, [cli, 'down']);
  });

  test('SIGKILL of the process running the cluster, then `down`: no process, interface, namespace, table or state left', async () => {
    // The CLI runs compiled (`npm test` and `npm run cluster` build it first with tsc -b).
    expect(existsSync(cli)).toBe(true);
    const started = Date.now();
    owner = spawn(process.execPath, [cli, 'run'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      owner!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('cluster up')) resolve();
      });
      owner!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      owner!.once('exit', (code) => reject(new Error(`cluster run exited ${code}:\n${output}`)));
    });
    console.log(`cluster up through the CLI (no node agent: kube-proxy waits 30 s for a Node) in ${Date.now() - started} ms`);
    const stateDir = /kubeconfig: (.*)\/kubeconfig/.exec(output)![1]!;
    expect(harnessLeftovers().links).toContain('ptc0');

    const exited = new Promise((resolve) => owner!.once('exit', resolve));
    owner.kill('SIGKILL');
    await exited;
    const down = spawnSync(process.execPath, [cli, 'down'], { encoding: 'utf8', timeout: 60_000 });
    expect(down.stdout).toContain('cluster down');
    // Killed processes are reaped by init, not at once: poll (they are gone or zombies before that).
    await poll('no harness process left', async () => processesMentioning(stateDir).length === 0);
    expect(harnessLeftovers()).toEqual({ links: [], namespaces: [], tables: [] });
    expect(existsSync(stateDir)).toBe(false);
  });
});
