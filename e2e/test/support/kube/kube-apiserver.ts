/**
 * A real Kubernetes API server for the end-to-end tests: etcd and kube-apiserver (built by
 * scripts/install-kube-tools.sh, found through ETCD_BIN and KUBE_APISERVER_BIN) on free loopback
 * ports in a temp dir, with RBAC on and an admin token, so the kubernetes provider, its status writer
 * and the chart's RBAC meet the real thing rather than a mock. No controller-manager, scheduler or
 * kubelet: objects are stored and served, nothing reconciles them (Namespaces are never finalized,
 * Pods never run) — what a control plane that only watches and writes status needs.
 *
 * Start-up takes ~3 s (etcd ~0.15 s; kube-apiserver ~2 s to serve, ~1 s more for the RBAC bootstrap
 * roles /readyz waits on), installCrds ~2.5 s: start one server per test file in beforeAll and share it.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyObjects } from './kube-apply.js';
import { writeAdminKubeConfig, writeKubeCredentials, type KubeCredentials } from './kube-credentials.js';
import { installGatewayApiCrds } from './kube-crds.js';
import { startKubeProcess, startOrphanGuard, type KubeProcess, type OrphanGuard } from './kube-process.js';
import { freePort } from '../serve-process.js';

export interface KubeApiServer {
  /** Admin (system:masters) credentials. */
  kubeConfig: KubeConfig;
  /** The same as a kubeconfig file, for child processes (`portico serve --kubernetes`). */
  kubeconfigPath: string;
  /** https://<bindAddress>:<port> (127.0.0.1 unless options.bindAddress says otherwise) */
  url: string;
  /** The CA bundle that verifies url (kube-apiserver's generated apiserver.crt: serving certificate + CA). */
  caFile: string;
  /** The service-account signing key and admin token (the cluster harness hands them to kube-controller-manager). */
  credentials: KubeCredentials;
  /** The Gateway API v1.7.0 CRDs (experimental channel), waiting until each is Established. */
  installCrds(): Promise<void>;
  /** Create-or-update (server-side apply) of any objects, as admin, in the order given. */
  apply(objects: object[]): Promise<void>;
  /** Stops kube-apiserver and starts it again on the same port; etcd, and so every object, stays. */
  restart(): Promise<void>;
  /** Stops kube-apiserver and etcd and removes the temp dir. */
  stop(): Promise<void>;
}

export const kubeBinaries: { etcd?: string; apiserver?: string; helm?: string } = {
  etcd: process.env.ETCD_BIN || undefined,
  apiserver: process.env.KUBE_APISERVER_BIN || undefined,
  helm: process.env.HELM_BIN || undefined,
};

/** `describe` when etcd and kube-apiserver are at hand (CI always sets them), else `describe.skip`. */
// Read from globalThis: the cluster CLI (e2e/cluster/cli.ts) imports this module outside jest.
const jestDescribe = (globalThis as { describe?: jest.Describe }).describe;
export const describeWithKube = (kubeBinaries.etcd && kubeBinaries.apiserver ? jestDescribe : jestDescribe?.skip) as jest.Describe;

const START_TIMEOUT_MS = 90_000;
/** Free ports are found by binding port 0 and closing it; another process may take one before ours binds it. */
const PORT_ATTEMPTS = 3;

function isPortClash(proc: KubeProcess): boolean {
  return /address already in use/i.test(proc.tail(400));
}

/** Polls `probe` until it answers true; fails early, with the process's output, if the process exits. */
async function waitReady(proc: KubeProcess, what: string, probe: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exit()) throw new Error(`${what} exited (${JSON.stringify(proc.exit())}) before ready:\n${proc.tail()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startEtcd(bin: string, dataDir: string, guard: OrphanGuard): Promise<{ etcd: KubeProcess; clientUrl: string }> {
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = startKubeProcess('etcd', bin, [
      '--name=portico-e2e',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=portico-e2e=${peerUrl}`,
      // Throwaway data: durability buys nothing and fsync is most of etcd's write latency.
      '--unsafe-no-fsync',
      // A single member elects itself after one election timeout: 1 s by default, 0.1 s here (no peers
      // whose heartbeats could be late, so a short timeout risks nothing). Start-up ~900 → ~130 ms.
      '--heartbeat-interval=10',
      '--election-timeout=100',
      '--log-level=warn',
    ]);
    guard.track(etcd);
    try {
      await waitReady(etcd, 'etcd', async () => (await fetch(`${clientUrl}/health`)).ok);
      return { etcd, clientUrl };
    } catch (error) {
      await etcd.stop();
      if (attempt >= PORT_ATTEMPTS || !isPortClash(etcd)) throw error;
    }
  }
}

/** kube-apiserver's /readyz (every post-start hook done: RBAC bootstrap roles, CRD informers…). */
function apiServerReady(host: string, port: number, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    // Certificate checks are the KubeConfig's job; this only asks "up yet?", before the CA file exists.
    const req = request({ host, port, path: '/readyz', headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** How startKubeApiServer may differ from its defaults (a bare API server on loopback). */
export interface KubeApiServerOptions {
  /** Namespaces created once it is ready. */
  namespaces?: string[];
  /** The folder for etcd data, certificates and credentials (default: a new temp dir); removed by stop(). */
  dir?: string;
  /** The one address it binds and advertises (default 127.0.0.1); the cluster harness uses its bridge address so pods reach it. */
  bindAddress?: string;
  /** --service-cluster-ip-range (default 10.96.0.0/16). */
  serviceCidr?: string;
  /**
   * A full cluster's API server (e2e/cluster): kube-controller-manager creates ServiceAccounts, so the
   * ServiceAccount admission plugin stays on, and the `kubernetes` Service gets its endpoints; new
   * Nodes are not tainted not-ready (no node-lifecycle controller would ever lift it).
   */
  clusterMode?: boolean;
}

function apiServerArgs(options: { etcdUrl: string; port: number; certDir: string; credentials: KubeCredentials; bindAddress: string; serviceCidr: string; clusterMode: boolean }): string[] {
  const { credentials } = options;
  // A bare API server: no controller-manager creates default ServiceAccounts (the admission check for
  // them would refuse Pods), and no endpoint reconciler writing the `kubernetes` Endpoints (start-up speed).
  // A cluster (e2e/cluster) runs no node-lifecycle controller, which is what lifts the not-ready taint
  // TaintNodesByCondition puts on every new Node: without the plugin a Node is schedulable once registered.
  const modeArgs = options.clusterMode
    ? ['--disable-admission-plugins=TaintNodesByCondition']
    : ['--disable-admission-plugins=ServiceAccount', '--endpoint-reconciler-type=none'];
  return [
    `--etcd-servers=${options.etcdUrl}`,
    `--secure-port=${options.port}`,
    `--bind-address=${options.bindAddress}`,
    // Without it kube-apiserver looks for a non-loopback interface to advertise, and a sandbox may have none.
    `--advertise-address=${options.bindAddress}`,
    // Generates a self-signed CA and serving certificate (valid for 127.0.0.1) here once; a restart reuses them.
    `--cert-dir=${options.certDir}`,
    `--token-auth-file=${credentials.tokenAuthFile}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${credentials.serviceAccountKeyFile}`,
    `--service-account-signing-key-file=${credentials.serviceAccountKeyFile}`,
    `--service-cluster-ip-range=${options.serviceCidr}`,
    // pods/log through a node's kubelet API (the node agent's log endpoint): the API server proves itself
    // with this certificate, and dials the Node's InternalIP (the default tries Hostname first, which
    // nothing here resolves). No --kubelet-certificate-authority: the agent's serving certificate is
    // self-signed, which kube-apiserver then accepts unverified, as it does real kubelets' by default.
    `--kubelet-client-certificate=${credentials.kubeletClient.certFile}`,
    `--kubelet-client-key=${credentials.kubeletClient.keyFile}`,
    '--kubelet-preferred-address-types=InternalIP',
    ...modeArgs,
    // Start-up speed: no APF bootstrap objects.
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--allow-privileged=true',
  ];
}

type ApiServerOptions = Omit<Parameters<typeof apiServerArgs>[0], 'port'> & { port?: number; guard: OrphanGuard };

async function startApiServer(bin: string, options: ApiServerOptions): Promise<{ apiserver: KubeProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const apiserver = startKubeProcess('kube-apiserver', bin, apiServerArgs({ ...options, port }));
    options.guard.track(apiserver);
    try {
      await waitReady(apiserver, 'kube-apiserver', () => apiServerReady(options.bindAddress, port, options.credentials.adminToken));
      return { apiserver, port };
    } catch (error) {
      await apiserver.stop();
      // A restart must keep its port (clients hold the URL): only a first start may pick another.
      if (options.port !== undefined || attempt >= PORT_ATTEMPTS || !isPortClash(apiserver)) throw error;
    }
  }
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const { etcd: etcdBin, apiserver: apiserverBin } = kubeBinaries;
  if (!etcdBin || !apiserverBin) throw new Error('ETCD_BIN and KUBE_APISERVER_BIN must name the binaries (bash scripts/install-kube-tools.sh prints them)');
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'portico-kube-'));
  mkdirSync(dir, { recursive: true });
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  const guard = startOrphanGuard(dir);
  const certDir = join(dir, 'apiserver-certs');
  mkdirSync(certDir);
  let etcd: KubeProcess | undefined;
  let apiserver: KubeProcess | undefined;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    guard.dismiss();
    await apiserver?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const credentials = writeKubeCredentials(dir);
    const started = await startEtcd(etcdBin, join(dir, 'etcd'), guard);
    etcd = started.etcd;
    const apiserverOptions = { etcdUrl: started.clientUrl, certDir, credentials, guard, bindAddress, serviceCidr: options.serviceCidr ?? '10.96.0.0/16', clusterMode: options.clusterMode ?? false };
    const first = await startApiServer(apiserverBin, apiserverOptions);
    apiserver = first.apiserver;
    const url = `https://${bindAddress}:${first.port}`;
    const kubeconfigPath = join(dir, 'kubeconfig');
    const caFile = join(certDir, 'apiserver.crt');
    const kubeConfig = writeAdminKubeConfig({ url, caFile, token: credentials.adminToken, kubeconfigPath });

    const server: KubeApiServer = {
      kubeConfig,
      kubeconfigPath,
      url,
      caFile,
      credentials,
      installCrds: () => installGatewayApiCrds(kubeConfig),
      apply: (objects) => applyObjects(kubeConfig, objects),
      async restart() {
        await apiserver!.stop();
        apiserver = (await startApiServer(apiserverBin, { ...apiserverOptions, port: first.port })).apiserver;
      },
      stop,
    };
    const namespaces = options.namespaces ?? [];
    await server.apply(namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
    return server;
  } catch (error) {
    await stop();
    throw error;
  }
}
