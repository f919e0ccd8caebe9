/**
 * A real Kubernetes cluster without containers, for e2e tests and by hand (cli.ts): etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy (nftables) and CoreDNS as host
 * processes, a bridge for pods, the kube-dns Service, a LoadBalancer stub, and an optional node agent
 * (the kubelet stand-in, cluster-config.ts's NodeAgentStarter) started once the control plane is ready.
 *
 * One cluster per host: kube-proxy's nftables tables and the bridge have fixed names. Everything lives
 * in one state folder (ClusterConfig.stateDir) and every host object starts with HARNESS_PREFIX, so
 * cleanupCluster() removes a crashed cluster's leftovers as well as a stopped one's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../test/support/kube/kube-apply.js';
import { startKubeApiServer, type KubeApiServer } from '../test/support/kube/kube-apiserver.js';
import { startOrphanGuard, type KubeProcess } from '../test/support/kube/kube-process.js';
import {
  DEFAULT_CLUSTER_DNS,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_NETWORK,
  DEFAULT_NODE_NAME,
  HARNESS_PREFIX,
  type ClusterConfig,
  type ClusterNetwork,
  type NodeAgentHandle,
  type NodeAgentStarter,
} from './cluster-config.js';
import { missingBinaries, startControllerManager, startCoreDns, startKubeProxy, startScheduler, type ComponentContext } from './components.js';
import { commandExists, createHostNetwork, removeHostNetwork } from './host-network.js';
import { startLoadBalancerStub, type LoadBalancerStub } from './load-balancer-stub.js';

export interface ClusterOptions {
  /** Default: $PORTICO_CLUSTER_DIR or <tmpdir>/ptc-cluster. */
  stateDir?: string;
  network?: Partial<ClusterNetwork>;
  nodeName?: string;
  clusterDns?: string;
  clusterDomain?: string;
  /** Started last, with the ready control plane; stopped first. */
  nodeAgent?: NodeAgentStarter;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface Cluster {
  config: ClusterConfig;
  /** Admin client configuration. */
  kubeConfig: KubeConfig;
  /** Create-or-update (server-side apply) as admin, in the order given. */
  apply(objects: object[]): Promise<void>;
  /** Creates a namespace and waits for its `default` ServiceAccount (Pods are refused until it exists). */
  createNamespace(name: string): Promise<void>;
  /** Stops everything and removes every process, rule, interface and file the cluster made. */
  stop(): Promise<void>;
}

export function defaultStateDir(): string {
  return process.env.PORTICO_CLUSTER_DIR || join(tmpdir(), `${HARNESS_PREFIX}-cluster`);
}

/**
 * Host-wide, beside any state folder: `<pid> <stateDir>` of the process that owns the one cluster a
 * host can have (the bridge and kube-proxy's tables have fixed names), so a second start — another
 * jest worker, another engineer's run — refuses instead of cleaning the running cluster away.
 */
const HOST_OWNER_FILE = join(tmpdir(), `${HARNESS_PREFIX}-cluster.owner`);
/** Files in the state folder (which outlive a crash; the control plane's own folder does not). */
const PIDS_FILE = 'all.pids';
const FORWARD_FILE = 'ip_forward.saved';
export const CONFIG_FILE = 'cluster.json';
const KUBE_BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'coredns'];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process recorded as owning this host's cluster, and its state folder, whether it still runs or crashed. */
export function recordedOwner(): { pid: number; stateDir: string } | undefined {
  if (!existsSync(HOST_OWNER_FILE)) return undefined;
  const [pid, stateDir] = readFileSync(HOST_OWNER_FILE, 'utf8').trim().split(' ') as [string, string];
  return { pid: Number(pid), stateDir };
}

/** recordedOwner(), if that process still runs. */
export function runningOwner(): { pid: number; stateDir: string } | undefined {
  const owner = recordedOwner();
  return owner && owner.pid > 0 && isAlive(owner.pid) ? owner : undefined;
}

/** The config of the cluster in `stateDir`, once it is up. */
export function readClusterConfig(stateDir = defaultStateDir()): ClusterConfig | undefined {
  const file = join(stateDir, CONFIG_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterConfig) : undefined;
}

/**
 * Kills every process a cluster in `stateDir` started that still runs (checked by name, so a reused
 * pid is never killed) and removes the host network objects and the folder. For `down` after a crash.
 */
export function cleanupCluster(stateDir = defaultStateDir()): void {
  const pidsFile = join(stateDir, PIDS_FILE);
  if (existsSync(pidsFile)) {
    for (const pid of readFileSync(pidsFile, 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      // comm is the binary name cut to 15 bytes (kube-controller-manager → kube-controller).
      if (comm.length >= 4 && KUBE_BINARY_NAMES.some((name) => name.startsWith(comm))) process.kill(pid, 'SIGKILL');
    }
  }
  removeHostNetwork(join(stateDir, FORWARD_FILE), readClusterConfig(stateDir)?.network.bridge);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(HOST_OWNER_FILE, { force: true });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The kube-dns Service: a ClusterIP without selector whose EndpointSlice names CoreDNS on the bridge. */
function kubeDnsObjects(config: ClusterConfig): object[] {
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ];
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { clusterIP: config.clusterDns, ports: ports.map((p) => ({ ...p, targetPort: 53 })) },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-host',
        namespace: 'kube-system',
        labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'portico-cluster-harness' },
      },
      addressType: 'IPv4',
      ports,
      endpoints: [{ addresses: [config.network.bridgeAddress], conditions: { ready: true } }],
    },
  ];
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')} (eval "$(bash scripts/install-kube-tools.sh)")`);
  if (!commandExists('nft')) throw new Error('kube-proxy (nftables mode) needs the nft command: apt-get install nftables');
  const log = options.log ?? (() => {});
  const stateDir = options.stateDir ?? defaultStateDir();
  const owner = runningOwner();
  if (owner !== undefined) throw new Error(`a cluster is already running on this host (pid ${owner.pid}, ${owner.stateDir}): stop it first (npm run cluster -- down)`);
  // A crashed cluster's leftovers (the bridge, kube-proxy's tables) would break this one.
  cleanupCluster(stateDir);
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(HOST_OWNER_FILE, `${process.pid} ${stateDir}`);

  const network = { ...DEFAULT_NETWORK, ...options.network };
  const processes: KubeProcess[] = [];
  let apiServer: KubeApiServer | undefined;
  let loadBalancer: LoadBalancerStub | undefined;
  let nodeAgent: NodeAgentHandle | undefined;
  mkdirSync(join(stateDir, 'components'));
  // Kills the components if this process dies without stop(); etcd and kube-apiserver have their own.
  const guard = startOrphanGuard(join(stateDir, 'components'));
  const recordPid = (proc: { child: { pid?: number } }) => appendFileSync(join(stateDir, PIDS_FILE), `${proc.child.pid ?? ''}\n`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await nodeAgent?.stop().catch((error: unknown) => log(`node agent stop: ${String(error)}`));
    loadBalancer?.stop();
    for (const proc of processes.reverse()) await proc.stop();
    guard.dismiss();
    await apiServer?.stop();
    cleanupCluster(stateDir);
  };

  try {
    const started = Date.now();
    createHostNetwork(network, join(stateDir, FORWARD_FILE));
    apiServer = await startKubeApiServer({ dir: join(stateDir, 'control-plane'), bindAddress: network.bridgeAddress, serviceCidr: network.serviceCidr, clusterMode: true });
    // etcd's and kube-apiserver's pids, for cleanupCluster after a crash.
    appendFileSync(join(stateDir, PIDS_FILE), `${readFileSync(join(stateDir, 'control-plane', 'pids'), 'utf8').split(' ').join('\n')}\n`);
    log(`kube-apiserver ready at ${apiServer.url} (${Date.now() - started} ms)`);
    const kubeconfigPath = join(stateDir, 'kubeconfig');
    copyFileSync(apiServer.kubeconfigPath, kubeconfigPath);
    const config: ClusterConfig = {
      nodeName: options.nodeName ?? DEFAULT_NODE_NAME,
      kubeconfigPath,
      apiServerUrl: apiServer.url,
      apiServerCaFile: apiServer.caFile,
      kubeletClientCaFile: apiServer.credentials.kubeletClient.caFile,
      network,
      clusterDns: options.clusterDns ?? DEFAULT_CLUSTER_DNS,
      clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      stateDir,
    };
    const context: ComponentContext = {
      config,
      serviceAccountKeyFile: apiServer.credentials.serviceAccountKeyFile,
      onStart(proc) {
        guard.track(proc);
        processes.push(proc);
        recordPid(proc);
      },
    };
    // Promise.allSettled: a failed start must not leave its sibling starting after stop() ran.
    const settled = (results: PromiseSettledResult<unknown>[]) => {
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    };
    const timed = async <T>(what: string, start: Promise<T>) => {
      const value = await start;
      log(`${what} ready (${Date.now() - started} ms)`);
      return value;
    };
    settled(await Promise.allSettled([timed('kube-controller-manager', startControllerManager(context)), timed('kube-scheduler', startScheduler(context))]));
    await apiServer.apply(kubeDnsObjects(config));
    await timed('coredns', startCoreDns(context));
    loadBalancer = startLoadBalancerStub(apiServer.kubeConfig, network.loadBalancerCidr, log);
    const kubeConfig = apiServer.kubeConfig;
    if (options.nodeAgent) {
      nodeAgent = await options.nodeAgent({ config, kubeConfig });
      log(`node agent started (${Date.now() - started} ms)`);
    }
    // Last: kube-proxy waits up to 30 s for its Node object (the node agent registers it) before it
    // programs anything. Without a node agent that wait is spent, then it uses --bind-address.
    await timed('kube-proxy', startKubeProxy(context));
    writeFileSync(join(stateDir, CONFIG_FILE), JSON.stringify(config, null, 2));
    const server = apiServer;
    return {
      config,
      kubeConfig,
      apply: (objects) => server.apply(objects),
      async createNamespace(name) {
        await server.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }]);
        await waitFor(`ServiceAccount ${name}/default`, async () => (await kubeRequest(kubeConfig, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
