/**
 * The process node agent (e2e/cluster/node-agent/) against a real etcd + kube-apiserver, as root: Pods
 * bound to its Node run as processes in their own network namespaces on a test bridge, and everything
 * a test checks is read back through the API server (status) or over the pod's address from the host.
 * Names (bridge, namespaces, veths) start with `ptcna`; afterAll sweeps whatever a failed test left.
 */
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runNodeAgent, sweepNodeAgentLeftovers, sandboxName, type NodeAgent } from '../../cluster/node-agent/index.js';
import { cidrContains } from '../../cluster/node-agent/pods/pod-cidr.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { containerStatus, isReady, NODE_TEST_IMAGE, podLog, podPoller, testImageTable, type PodPoller } from '../support/kube/node-agent-pods.js';
import { pollUntil } from '../support/wait.js';

jest.setTimeout(120_000);

const PREFIX = 'ptcna';
const BRIDGE = 'ptcnabr0';
const POD_CIDR = '10.251.7.0/24';
const NS = 'na-test';
const NODE = 'ptcna-node';
const CONFIG_MOUNT = '/etc/ptcna-test-config';
const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Whether the host had the service-account mount point before this test: the agent removes only what it made. */
const serviceAccountMountPreexisted = existsSync(SERVICE_ACCOUNT_MOUNT);
const ENVOY = process.env.ENVOY_BIN;
const ECHO_BASIC = process.env.ECHO_BASIC_BIN;
const isRoot = process.getuid?.() === 0;
const describeAsRoot = isRoot ? describeWithKube : describe.skip;

function removeBridge(): void {
  try {
    execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
  } catch {
    // Not there: nothing to remove.
  }
}

function clusterCa(kube: KubeApiServer): string {
  const cluster = kube.kubeConfig.getCurrentCluster()!;
  return cluster.caFile ? readFileSync(cluster.caFile, 'utf8') : Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
}

function pod(name: string, spec: object, metadata: object = {}): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ...metadata }, spec: { nodeName: NODE, ...spec } };
}

async function httpGetText(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

/** A node one-liner HTTP server on :8080: `/healthz` → ok, anything else → what the container sees. */
const WEB_SERVER = `
const http = require('http'), fs = require('fs');
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return 'ERR ' + e.code; } };
http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount/';
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(POD_|NODE_|SA_|CM_|SECRET_|FROM_|EXPANDED)/.test(k))),
    argv: process.argv.slice(1),
    greeting: read('${CONFIG_MOUNT}/greeting'),
    resolv: read('/etc/resolv.conf'),
    unprivilegedPortStart: read('/proc/sys/net/ipv4/ip_unprivileged_port_start').trim(),
    token: read(sa + 'token'), namespace: read(sa + 'namespace'), ca: read(sa + 'ca.crt'),
  }));
}).listen(8080);
`;

describeAsRoot('process node agent', () => {
  let kube: KubeApiServer;
  let agent: NodeAgent;
  let pods: PodPoller;
  let stateDir: string;
  const agentLog: string[] = [];
  const figures: Record<string, number> = {};

  const create = (object: object) => pods.client.create(`/api/v1/namespaces/${NS}/pods`, object);
  const remove = (name: string) => pods.client.delete(`/api/v1/namespaces/${NS}/pods/${name}`);

  beforeAll(async () => {
    // A previous run that was killed may have left its sandboxes and bridge.
    await sweepNodeAgentLeftovers(PREFIX);
    removeBridge();
    stateDir = mkdtempSync(join(tmpdir(), 'ptcna-state-'));
    kube = await startKubeApiServer({ namespaces: [NS] });
    pods = podPoller(kube.kubeConfig, NS);
    await kube.apply([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
      // What kube-controller-manager's root-ca-cert-publisher would write in every namespace.
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NS }, data: { 'ca.crt': clusterCa(kube) } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: NS }, data: { greeting: 'hello from a ConfigMap', color: 'blue' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: NS }, stringData: { password: 's3cret' } },
    ]);
    agent = await runNodeAgent({
      kubeConfig: kube.kubeConfig,
      nodeName: NODE,
      podCIDR: POD_CIDR,
      bridgeName: BRIDGE,
      namePrefix: PREFIX,
      stateDir,
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      images: testImageTable(),
      initialBackoffMs: 300,
      maxBackoffMs: 1_200,
      heartbeatMs: 2_000,
      // The API server started above holds the client certificate this CA signed.
      kubeletApi: { clientCaFile: kube.credentials.kubeletClient.caFile },
      log: (line) => agentLog.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    const left = await sweepNodeAgentLeftovers(PREFIX);
    removeBridge();
    await kube?.stop();
    if (process.env.NODE_AGENT_LOG) console.log(`agent log:\n${agentLog.join('\n')}`);
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`node agent figures: ${JSON.stringify(figures)}; netns left for the sweep: ${left.length}`);
  }, 120_000);


  it('registers a Ready Node with its pod CIDR, address and a Lease', async () => {
    const node = await pods.client.get<any>(`/api/v1/nodes/${NODE}`);
    expect(node.spec.podCIDR).toBe(POD_CIDR);
    expect(node.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '10.251.7.1' });
    expect(Number(node.status.allocatable.pods)).toBeGreaterThan(0);
    expect(agent.kubeletPort).toBeGreaterThan(0);
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.kubeletPort);
    const lease = await pods.client.get<any>(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`);
    expect(lease.spec.holderIdentity).toBe(NODE);
  });

  it('runs a pod in its own netns: podIP in the CIDR, Ready via httpGet, env, volumes and resolv.conf as the pod sees them', async () => {
    const created = Date.now();
    await create(
      pod('web', {
        serviceAccountName: 'default',
        // A namespaced sysctl, as Portico's Envoy pods set one: applied inside the pod's netns only.
        securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }] },
        containers: [
          {
            name: 'web',
            image: NODE_TEST_IMAGE,
            command: ['node', '-e', WEB_SERVER],
            args: ['$(POD_NAME)-arg', '$$(POD_NAME)'],
            ports: [{ name: 'http', containerPort: 8080 }],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'SA_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
              { name: 'CM_COLOR', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'color' } } },
              { name: 'SECRET_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'password' } } },
              { name: 'EXPANDED', value: 'name=$(POD_NAME)' },
            ],
            envFrom: [{ prefix: 'FROM_', configMapRef: { name: 'web-config' } }],
            volumeMounts: [
              { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
              { name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
            ],
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
            // Runs inside the container's mount namespace: the ConfigMap file is where the pod mounted it.
            livenessProbe: { exec: { command: ['cat', `${CONFIG_MOUNT}/greeting`] }, periodSeconds: 1 },
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'web-config' } },
          {
            name: 'sa',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
      }),
    );
    const ready = await pods.until('web', 'Ready', isReady);
    figures.createToReadyMs = Date.now() - created;
    const { podIP, hostIP, phase } = ready.status;
    expect(phase).toBe('Running');
    expect(cidrContains(POD_CIDR, podIP)).toBe(true);
    expect(ready.status.podIPs).toEqual([{ ip: podIP }]);
    expect(hostIP).toBe(agent.hostIP);
    const types = Object.fromEntries(ready.status.conditions.map((c: any) => [c.type, c.status]));
    expect(types).toMatchObject({ Initialized: 'True', ContainersReady: 'True', Ready: 'True', PodScheduled: 'True' });
    expect(containerStatus(ready, 'web')).toMatchObject({ ready: true, started: true, restartCount: 0, state: { running: {} } });

    const { status, text } = await httpGetText(`http://${podIP}:8080/`);
    expect(status).toBe(200);
    const seen = JSON.parse(text);
    expect(seen.env).toEqual({
      POD_NAME: 'web',
      POD_NAMESPACE: NS,
      POD_UID: ready.metadata.uid,
      POD_IP: podIP,
      NODE_NAME: NODE,
      SA_NAME: 'default',
      CM_COLOR: 'blue',
      SECRET_PASSWORD: 's3cret',
      EXPANDED: 'name=web',
      FROM_greeting: 'hello from a ConfigMap',
      FROM_color: 'blue',
    });
    expect(seen.argv).toEqual(['web-arg', '$(POD_NAME)']);
    expect(seen.greeting).toBe('hello from a ConfigMap');
    expect(seen.unprivilegedPortStart).toBe('80');
    expect(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()).not.toBe('80');
    expect(seen.resolv).toContain('nameserver 10.96.0.10');
    expect(seen.resolv).toContain(`search ${NS}.svc.cluster.local svc.cluster.local cluster.local`);
    expect(seen.token.split('.')).toHaveLength(3);
    expect(seen.namespace).toBe(NS);
    expect(seen.ca).toContain('BEGIN CERTIFICATE');
    // The mount lives in the container's mount namespace only; the host sees an empty mount point.
    expect(readFileSync('/etc/resolv.conf', 'utf8')).not.toContain(`${NS}.svc.cluster.local`);
    expect(existsSync(`${CONFIG_MOUNT}/greeting`)).toBe(false);

    await remove('web');
    await pods.untilGone('web');
    expect(existsSync(CONFIG_MOUNT)).toBe(false);
    // Another cluster user (a crashed agent, a real kubelet) may have made it: then it is not ours to remove.
    if (!serviceAccountMountPreexisted) expect(existsSync(SERVICE_ACCOUNT_MOUNT)).toBe(false);
  });

  it('restarts a crashing container with back-off, counting restarts', async () => {
    await create(pod('crash', { containers: [{ name: 'crash', image: NODE_TEST_IMAGE, command: ['node', '-e', 'process.exit(3)'] }] }));
    const crashed = await pods.until('crash', 'restartCount ≥ 2', (p) => (containerStatus(p, 'crash')?.restartCount ?? 0) >= 2);
    expect(containerStatus(crashed, 'crash').lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await pods.until('crash', 'CrashLoopBackOff', (p) => containerStatus(p, 'crash')?.state.waiting?.reason === 'CrashLoopBackOff');
    await remove('crash');
    await pods.untilGone('crash');
  });

  it('restarts a container whose liveness probe fails', async () => {
    await create(
      pod('unlive', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'unlive',
            image: NODE_TEST_IMAGE,
            command: ['node', '-e', 'setInterval(() => {}, 1000)'],
            // Nothing listens on 9: the probe fails from the start.
            livenessProbe: { tcpSocket: { port: 9 }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    const restarted = await pods.until('unlive', 'a liveness restart', (p) => (containerStatus(p, 'unlive')?.restartCount ?? 0) >= 1);
    expect(containerStatus(restarted, 'unlive').lastState.terminated.message).toMatch(/^Liveness probe failed/);
    await remove('unlive');
    await pods.untilGone('unlive');
  });

  it('on delete runs preStop, sends SIGTERM, SIGKILLs after the grace period, removes the netns and the Pod', async () => {
    const script = `
      const http = require('http');
      console.log('pid ' + process.pid);
      process.on('SIGTERM', () => console.log('got SIGTERM'));
      http.createServer((req, res) => { if (req.url === '/prestop') console.log('preStop called'); res.end('ok'); }).listen(8080);
    `;
    await create(
      pod('term', {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'term',
            image: NODE_TEST_IMAGE,
            command: ['node', '-e', script],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            lifecycle: { preStop: { httpGet: { path: '/prestop', port: 8080 } } },
          },
        ],
      }),
    );
    const ready = await pods.until('term', 'Ready', isReady);
    const netns = sandboxName(PREFIX, ready.metadata.uid);
    expect(execFileSync('ip', ['netns', 'list']).toString()).toContain(netns);
    const logFile = agent.containerLogFile(NS, 'term', 'term')!;
    const started = Date.now();
    await remove('term');
    await pods.untilGone('term');
    const tookMs = Date.now() - started;
    figures.deleteWithIgnoredSigtermMs = tookMs;
    const output = readFileSync(logFile, 'utf8');
    expect(output.indexOf('preStop called')).toBeGreaterThanOrEqual(0);
    expect(output.indexOf('got SIGTERM')).toBeGreaterThan(output.indexOf('preStop called'));
    // It ignored SIGTERM: only SIGKILL, at the 2 s deadline, ended it.
    expect(tookMs).toBeGreaterThanOrEqual(2_000);
    const pid = Number(/pid (\d+)/.exec(output)![1]);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(netns);
    expect(execFileSync('ip', ['link', 'show']).toString()).not.toContain(netns);
  });

  it('serves container logs through the API server (pods/log): current and previous run, sinceTime, tailLines, limitBytes, timestamps, follow', async () => {
    // Run 0 fails at once; run 1 serves :8080 and prints what /say asks, until /exit.
    const script = `
      const fs = require('fs'), http = require('http');
      const file = '/var/lib/ptcna-talk/runs';
      const run = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0;
      fs.writeFileSync(file, String(run + 1));
      console.log('run ' + run);
      if (run === 0) { console.error('run 0 fails'); process.exit(1); }
      http.createServer((req, res) => {
        const url = new URL(req.url, 'http://pod');
        if (url.pathname === '/say') console.log(url.searchParams.get('text'));
        if (url.pathname === '/exit') { console.log('bye'); res.end('ok'); setTimeout(() => process.exit(0), 10); return; }
        res.end('ok');
      }).listen(8080);
    `;
    await create(
      pod('talk', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'talk',
            image: NODE_TEST_IMAGE,
            command: ['node', '-e', script],
            volumeMounts: [{ name: 'state', mountPath: '/var/lib/ptcna-talk' }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
          },
        ],
        volumes: [{ name: 'state', emptyDir: {} }],
      }),
    );
    const ready = await pods.until('talk', 'Ready after one restart', (p) => isReady(p) && containerStatus(p, 'talk')?.restartCount === 1);
    const say = async (text: string) => expect((await httpGetText(`http://${ready.status.podIP}:8080/say?text=${text}`)).status).toBe(200);
    const logs = (query: Record<string, string> = {}) => podLog(kube.kubeConfig, NS, 'talk', { container: 'talk', ...query });
    const logHas = (text: string) => pollUntil(`"${text}" in the talk log`, async () => (await logs()).text.includes(text), 10_000, 100);

    await logHas('run 1');
    expect(await logs()).toEqual({ status: 200, text: 'run 1\n' });
    const previous = await logs({ previous: 'true' });
    expect(previous.status).toBe(200);
    expect(previous.text.split('\n').sort()).toEqual(['', 'run 0', 'run 0 fails']);

    await say('before');
    await logHas('before');
    const stamped = (await logs({ timestamps: 'true', tailLines: '1' })).text;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z before\n$/);
    // sinceTime has whole seconds (kube-apiserver sends RFC 3339): the next second after "before".
    const since = Math.floor(Date.parse(stamped.split(' ')[0]!) / 1000) * 1000 + 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since - Date.now())));
    await say('after');
    await logHas('after');
    expect((await logs({ sinceTime: new Date(since).toISOString().replace(/\.\d+Z$/, 'Z') })).text).toBe('after\n');
    expect((await logs({ tailLines: '2' })).text).toBe('before\nafter\n');
    expect((await logs({ limitBytes: '3' })).text).toBe('run');

    // follow: the stream shows what comes and ends when the container's run ends.
    let sawHello!: () => void;
    const helloSeen = new Promise<void>((resolve) => (sawHello = resolve));
    let streamed = '';
    const followed = podLog(kube.kubeConfig, NS, 'talk', { container: 'talk', follow: 'true', sinceTime: new Date(since).toISOString().replace(/\.\d+Z$/, 'Z') }, (chunk) => {
      streamed += chunk;
      if (streamed.includes('hello')) sawHello();
    });
    await say('hello');
    await helloSeen;
    expect((await httpGetText(`http://${ready.status.podIP}:8080/exit`)).status).toBe(200);
    expect(await followed).toEqual({ status: 200, text: 'after\nhello\nbye\n' });

    // The node's file holds CRI records (time, stream, tag): what the endpoint reads the times from.
    expect(readFileSync(agent.containerLogFile(NS, 'talk', 'talk')!, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z stdout F run 0$/m);
    await remove('talk');
    await pods.untilGone('talk');
  });

  it('leaves a pod with an unknown image waiting with ErrImagePull, and says why', async () => {
    await create(pod('unknown', { containers: [{ name: 'c', image: 'example.com/not-in-the-table:1.0' }] }));
    const waiting = await pods.until('unknown', 'ErrImagePull', (p) => containerStatus(p, 'c')?.state.waiting?.reason === 'ErrImagePull');
    expect(containerStatus(waiting, 'c').state.waiting.message).toContain('not in the node agent');
    expect(waiting.status.phase).toBe('Pending');
    await remove('unknown');
    await pods.untilGone('unknown');
  });

  it('runs init containers in order before the containers, sharing an emptyDir', async () => {
    const volumeMounts = [{ name: 'work', mountPath: '/var/lib/ptcna-work' }];
    const append = (line: string) => `require('fs').appendFileSync('/var/lib/ptcna-work/order', '${line}\\n')`;
    await create(
      pod('init', {
        restartPolicy: 'Never',
        initContainers: [
          { name: 'first', image: NODE_TEST_IMAGE, command: ['node', '-e', append('first')], volumeMounts },
          { name: 'second', image: NODE_TEST_IMAGE, command: ['node', '-e', append('second')], volumeMounts },
        ],
        containers: [{ name: 'main', image: NODE_TEST_IMAGE, command: ['node', '-e', `${append('main')}; process.exit(require('fs').readFileSync('/var/lib/ptcna-work/order', 'utf8') === 'first\\nsecond\\nmain\\n' ? 0 : 7)`], volumeMounts }],
        volumes: [{ name: 'work', emptyDir: {} }],
      }),
    );
    const done = await pods.until('init', 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.initContainerStatuses.map((c: any) => c.state.terminated?.exitCode)).toEqual([0, 0]);
    expect(containerStatus(done, 'main').state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    await remove('init');
    await pods.untilGone('init');
    expect(existsSync('/var/lib/ptcna-work')).toBe(false);
  });

  it('reports Failed for a restartPolicy Never pod whose container fails, and does not restart it', async () => {
    await create(pod('never', { restartPolicy: 'Never', containers: [{ name: 'c', image: NODE_TEST_IMAGE, command: ['node', '-e', 'process.exit(5)'] }] }));
    const failed = await pods.until('never', 'Failed', (p) => p.status?.phase === 'Failed');
    expect(containerStatus(failed, 'c')).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 5, reason: 'Error' } } });
    await remove('never');
    await pods.untilGone('never');
  });

  (ENVOY ? it : it.skip)('runs Envoy (ENVOY_BIN) with its bootstrap from a ConfigMap; admin /ready answers', async () => {
    const bootstrap = ['admin:', '  address:', '    socket_address: { address: 0.0.0.0, port_value: 9901 }', 'static_resources: {}', ''].join('\n');
    await kube.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envoy-bootstrap', namespace: NS }, data: { 'envoy.yaml': bootstrap } }]);
    const created = Date.now();
    await create(
      pod('envoy', {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'envoy',
            image: 'envoyproxy/envoy:v1.40.0',
            // The image's CMD: -c /etc/envoy/envoy.yaml; only the base id is ours (several Envoys on one host).
            args: ['-c', '/etc/envoy/envoy.yaml', '--base-id', '47'],
            volumeMounts: [{ name: 'bootstrap', mountPath: '/etc/envoy', readOnly: true }],
            readinessProbe: { httpGet: { path: '/ready', port: 9901 }, periodSeconds: 1 },
          },
        ],
        volumes: [{ name: 'bootstrap', configMap: { name: 'envoy-bootstrap' } }],
      }),
    );
    const ready = await pods.until('envoy', 'Ready', isReady, 90_000);
    figures.envoyCreateToReadyMs = Date.now() - created;
    const { status, text } = await httpGetText(`http://${ready.status.podIP}:9901/ready`);
    expect(status).toBe(200);
    expect(text.trim()).toBe('LIVE');
    await remove('envoy');
    await pods.untilGone('envoy');
    expect(existsSync('/etc/envoy')).toBe(false);
  });

  (ECHO_BASIC ? it : it.skip)('runs the Gateway API echo-basic image (ECHO_BASIC_BIN), which reports its pod', async () => {
    await create(
      pod('echo', {
        containers: [
          {
            name: 'echo',
            image: 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0',
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
            readinessProbe: { httpGet: { path: '/', port: 3000 }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const ready = await pods.until('echo', 'Ready', isReady);
    const { status, text } = await httpGetText(`http://${ready.status.podIP}:3000/some/path`);
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ path: '/some/path', namespace: NS, pod: 'echo' });
    await remove('echo');
    await pods.untilGone('echo');
  });

  it('on stop ends every pod, removes its sandbox and deletes the Node and its Lease', async () => {
    await create(pod('last', { containers: [{ name: 'c', image: NODE_TEST_IMAGE, command: ['node', '-e', 'setInterval(() => {}, 1000)'] }] }));
    const running = await pods.until('last', 'Running', (p) => p.status?.phase === 'Running');
    const netns = sandboxName(PREFIX, running.metadata.uid);
    await agent.stop();
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(netns);
    expect(await pods.client.get(`/api/v1/nodes/${NODE}`)).toBeUndefined();
    expect(await pods.client.get(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).toBeUndefined();
    expect(execFileSync('ip', ['link', 'show']).toString()).not.toContain(BRIDGE);
  });
});
