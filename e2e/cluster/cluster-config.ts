/**
 * What the cluster harness (e2e/cluster/cluster.ts) tells the components it starts beside the control
 * plane — above all the node agent (e2e/cluster/node-agent/, the kubelet stand-in): where the API
 * server is, the network the harness made on the host, and the kubelet-like DNS settings pods get.
 *
 * Network layout (all of it harness-owned, removed by `down`, names starting with HARNESS_PREFIX):
 *   - bridge `network.bridge` on the host holds `network.bridgeAddress` (the pods' default gateway)
 *     inside `network.podCidr`, and `network.harnessAddress` inside `network.harnessCidr` for network
 *     namespaces the harness and tests make themselves (so they never take a pod's address);
 *   - Service ClusterIPs come from `network.serviceCidr`, LoadBalancer addresses from
 *     `network.loadBalancerCidr`; both are routed to the bridge and programmed by kube-proxy (nftables).
 */
import type { KubeConfig } from '@kubernetes/client-node';

/** Every interface, network namespace and state file of the harness starts with this (Linux interface names: ≤ 15 bytes). */
export const HARNESS_PREFIX = 'ptc';

/**
 * The interfaces and network namespaces a cluster owns, which `down` removes even after a crash: its
 * bridge, `ptc-*` (the harness's and tests' own namespaces and veths) and `ptcp*` (the node agent's pod
 * sandboxes). Other `ptc…` names (e.g. the node agent's standalone tests, `ptcna*`) are not touched.
 */
export function isClusterOwnedName(name: string, bridge: string): boolean {
  return name === bridge || name.startsWith(`${HARNESS_PREFIX}-`) || name.startsWith(`${HARNESS_PREFIX}p`);
}

export interface ClusterNetwork {
  /** The host bridge pods' veths attach to, e.g. `ptc0`. */
  bridge: string;
  /** The bridge's address in the pod CIDR: pods' default gateway, e.g. `10.244.0.1`. */
  bridgeAddress: string;
  /** The Node's pod CIDR (the node agent writes it to Node.spec.podCIDR and allocates pod IPs from it, skipping bridgeAddress), e.g. `10.244.0.0/24`. */
  podCidr: string;
  /** All pod addresses in the cluster (kube-proxy's --cluster-cidr), e.g. `10.244.0.0/16`. */
  clusterCidr: string;
  /** The bridge's second address, for namespaces the harness/tests make (not pods), e.g. `10.244.255.1`. */
  harnessAddress: string;
  /** Where those namespaces take addresses, e.g. `10.244.255.0/24`. */
  harnessCidr: string;
  /** Service ClusterIPs (kube-apiserver --service-cluster-ip-range), e.g. `10.96.0.0/16`. */
  serviceCidr: string;
  /** Addresses the LoadBalancer stub hands out, e.g. `10.97.0.0/24`. */
  loadBalancerCidr: string;
}

export interface ClusterConfig {
  /** The one Node of this cluster; the node agent registers it under this name. */
  nodeName: string;
  /** Admin (system:masters) kubeconfig file, usable from the host (kubectl, the node agent). */
  kubeconfigPath: string;
  /** https://<bridgeAddress>:<port>: reachable from the host and from inside pods. */
  apiServerUrl: string;
  /** The PEM CA bundle that verifies apiServerUrl (for pods' service-account volumes: ca.crt). */
  apiServerCaFile: string;
  /** The PEM CA of kube-apiserver's kubelet client certificate: the node agent's log endpoint accepts only what it signed. */
  kubeletClientCaFile: string;
  network: ClusterNetwork;
  /** kubelet's clusterDNS: the `kube-dns` Service ClusterIP pods' /etc/resolv.conf names as nameserver. */
  clusterDns: string;
  /** kubelet's clusterDomain, e.g. `cluster.local` (resolv.conf search: <ns>.svc.<domain> svc.<domain> <domain>). */
  clusterDomain: string;
  /** The harness's state folder (pids, logs, kubeconfig); a node agent may keep its own files under it. */
  stateDir: string;
}

/**
 * What the harness hands the node agent when it starts it (after the control plane is ready; kube-proxy
 * starts after the agent's start resolves, and finds the Node at once if the agent registered it by then).
 * There is no node-lifecycle controller and no not-ready taint on new Nodes: a registered Node is
 * schedulable at once, and nothing marks it NotReady if the agent stops heartbeating.
 */
export interface NodeAgentContext {
  config: ClusterConfig;
  /** Admin client configuration (the same credentials as config.kubeconfigPath). */
  kubeConfig: KubeConfig;
}

/** A running node agent; stop() must end every pod process and remove every pod namespace/veth it made. */
export interface NodeAgentHandle {
  stop(): Promise<void>;
}

/** Starts a node agent: `startCluster({ nodeAgent: (ctx) => startNodeAgent(ctx) })`. */
export type NodeAgentStarter = (context: NodeAgentContext) => Promise<NodeAgentHandle>;

/** The defaults; ranges chosen to avoid common host, docker (172.17/16) and kind (10.244/16 inside kind only) addresses. */
export const DEFAULT_NETWORK: ClusterNetwork = {
  bridge: `${HARNESS_PREFIX}0`,
  bridgeAddress: '10.244.0.1',
  podCidr: '10.244.0.0/24',
  clusterCidr: '10.244.0.0/16',
  harnessAddress: '10.244.255.1',
  harnessCidr: '10.244.255.0/24',
  serviceCidr: '10.96.0.0/16',
  loadBalancerCidr: '10.97.0.0/24',
};

export const DEFAULT_CLUSTER_DNS = '10.96.0.10';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_NODE_NAME = `${HARNESS_PREFIX}-node`;
