/**
 * The control-plane processes beside etcd and kube-apiserver: kube-controller-manager, kube-scheduler,
 * kube-proxy (nftables mode, on the host) and CoreDNS (on the bridge address), each started with the
 * admin kubeconfig and awaited until its health endpoint answers. Binaries come from the environment
 * (scripts/install-kube-tools.sh prints the exports).
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startKubeProcess, type KubeProcess } from '../test/support/kube/kube-process.js';
import { freePort } from '../test/support/serve-process.js';
import type { ClusterConfig } from './cluster-config.js';

export const clusterBinaries = {
  etcd: process.env.ETCD_BIN || undefined,
  apiserver: process.env.KUBE_APISERVER_BIN || undefined,
  controllerManager: process.env.KUBE_CONTROLLER_MANAGER_BIN || undefined,
  scheduler: process.env.KUBE_SCHEDULER_BIN || undefined,
  proxy: process.env.KUBE_PROXY_BIN || undefined,
  coredns: process.env.COREDNS_BIN || undefined,
};

/** The env variables of clusterBinaries that are unset (empty when a cluster can start). */
export function missingBinaries(): string[] {
  const names: Record<keyof typeof clusterBinaries, string> = {
    etcd: 'ETCD_BIN',
    apiserver: 'KUBE_APISERVER_BIN',
    controllerManager: 'KUBE_CONTROLLER_MANAGER_BIN',
    scheduler: 'KUBE_SCHEDULER_BIN',
    proxy: 'KUBE_PROXY_BIN',
    coredns: 'COREDNS_BIN',
  };
  return (Object.keys(names) as (keyof typeof clusterBinaries)[]).filter((key) => !clusterBinaries[key]).map((key) => names[key]);
}

function binary(key: keyof typeof clusterBinaries): string {
  const bin = clusterBinaries[key];
  if (!bin) throw new Error(`missing ${missingBinaries().join(', ')} (eval "$(bash scripts/install-kube-tools.sh)")`);
  return bin;
}

/**
 * The controllers the issue asks for, plus what they need to be useful: `serviceaccount-controller`
 * (the `default` ServiceAccount the ServiceAccount admission plugin requires of every Pod),
 * `root-ca-certificate-publisher-controller` (kube-root-ca.crt, which projected service-account volumes
 * read), `endpoints-controller` (Endpoints for clients that still read them), `ttl-after-finished-controller`
 * (Jobs such as a chart's hook that clean themselves up) and `pod-garbage-collector-controller`. No node-lifecycle
 * controller: the node agent's heartbeats are not this harness's business, and a taint would evict pods.
 */
export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'endpointslice-controller',
  'endpoints-controller',
  'job-controller',
  'ttl-after-finished-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-token-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'pod-garbage-collector-controller',
];

const READY_TIMEOUT_MS = 120_000;

/** Polls `probe` until true; fails early, with the output, if the process exits. */
export async function awaitReady(proc: KubeProcess, probe: () => Promise<boolean>, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exit()) throw new Error(`${proc.name} exited (${JSON.stringify(proc.exit())}) before ready:\n${proc.tail()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} not ready after ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET https://127.0.0.1:<port><path> (self-signed serving certificate; only "up yet?" is asked). */
function httpsOk(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function httpOk(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
}

export interface ComponentContext {
  config: ClusterConfig;
  /** Called with each process as soon as it is spawned (before it is ready), so a failed start-up still stops it. */
  onStart(proc: KubeProcess): void;
  /** The service-account signing key kube-apiserver verifies with. */
  serviceAccountKeyFile: string;
}

function servingArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    // One instance per cluster: leader election only adds a lease round-trip to start-up.
    '--leader-elect=false',
  ];
}

export async function startControllerManager(context: ComponentContext): Promise<KubeProcess> {
  const { config } = context;
  const port = await freePort();
  const proc = startKubeProcess('kube-controller-manager', binary('controllerManager'), [
    ...servingArgs(config.kubeconfigPath, port),
    `--controllers=${CONTROLLERS.join(',')}`,
    `--service-account-private-key-file=${context.serviceAccountKeyFile}`,
    // Published as ca.crt in service-account token secrets and kube-root-ca.crt: what pods verify the API server with.
    `--root-ca-file=${config.apiServerCaFile}`,
    // The admin credentials for every controller (no per-controller ServiceAccounts to bootstrap).
    '--use-service-account-credentials=false',
    `--cluster-cidr=${config.network.clusterCidr}`,
    // The node agent writes Node.spec.podCIDR itself (ClusterConfig.network.podCidr).
    '--allocate-node-cidrs=false',
    `--service-cluster-ip-range=${config.network.serviceCidr}`,
  ]);
  context.onStart(proc);
  await awaitReady(proc, () => httpsOk(port, '/healthz'));
  return proc;
}

export async function startScheduler(context: ComponentContext): Promise<KubeProcess> {
  const port = await freePort();
  const proc = startKubeProcess('kube-scheduler', binary('scheduler'), servingArgs(context.config.kubeconfigPath, port));
  context.onStart(proc);
  await awaitReady(proc, () => httpsOk(port, '/healthz'));
  return proc;
}

/**
 * kube-proxy in nftables mode (its own `kube-proxy` tables, removable whole; iptables is not even
 * installed here). NodePorts only on the bridge address, never on the host's other interfaces;
 * conntrack sysctls left as they are (0 = do not touch).
 */
export async function startKubeProxy(context: ComponentContext): Promise<KubeProcess> {
  const { config } = context;
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const proc = startKubeProcess('kube-proxy', binary('proxy'), [
    `--kubeconfig=${config.kubeconfigPath}`,
    '--proxy-mode=nftables',
    `--hostname-override=${config.nodeName}`,
    // The node IP kube-proxy assumes (it would otherwise look it up on a Node that may not exist yet).
    `--bind-address=${config.network.bridgeAddress}`,
    `--cluster-cidr=${config.network.clusterCidr}`,
    `--nodeport-addresses=${config.network.bridgeAddress}/32`,
    `--healthz-bind-address=127.0.0.1:${healthPort}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    '--conntrack-max-per-core=0',
    '--conntrack-tcp-timeout-established=0',
    '--conntrack-tcp-timeout-close-wait=0',
  ]);
  context.onStart(proc);
  await awaitReady(proc, () => httpOk(`http://127.0.0.1:${healthPort}/livez`));
  return proc;
}

/**
 * CoreDNS on <bridgeAddress>:53, answering `<clusterDomain>` (and reverse lookups) from the API
 * through its kubernetes plugin; nothing else (no forwarding: pods only ever reach harness addresses).
 * The kube-dns Service (ClusterConfig.clusterDns) points at it (cluster.ts).
 */
export async function startCoreDns(context: ComponentContext): Promise<KubeProcess> {
  const { config } = context;
  const [healthPort, readyPort] = [await freePort(), await freePort()];
  const corefile = join(config.stateDir, 'Corefile');
  writeFileSync(
    corefile,
    `.:53 {
    bind ${config.network.bridgeAddress}
    errors
    health 127.0.0.1:${healthPort}
    ready 127.0.0.1:${readyPort}
    kubernetes ${config.clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${config.kubeconfigPath} portico-e2e
        pods insecure
        ttl 5
    }
}
`,
  );
  const proc = startKubeProcess('coredns', binary('coredns'), ['-conf', corefile]);
  context.onStart(proc);
  await awaitReady(proc, () => httpOk(`http://127.0.0.1:${readyPort}/ready`));
  return proc;
}
