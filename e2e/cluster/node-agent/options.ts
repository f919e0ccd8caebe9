/**
 * What the node agent needs to know about the cluster it joins. The cluster harness
 * (e2e/cluster/cluster-config.ts) fills these in; a test can start an agent against just etcd +
 * kube-apiserver with its own values.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ImageTable } from './containers/images.js';

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  nodeName: string;
  /** The node's pod CIDR (IPv4, e.g. 10.244.0.0/24): pods take addresses from it. */
  podCIDR: string;
  /** The bridge's address in podCIDR, the pods' default gateway and the Node's InternalIP (default: the first host address). */
  bridgeAddress?: string;
  /** The host bridge every pod's veth joins (created if missing, removed on stop if the agent made it). */
  bridgeName: string;
  /** Prefix of every network namespace and host veth the agent makes (≤ 6 characters), so a sweep can find them. */
  namePrefix: string;
  /** Per-pod folders (volumes, logs, resolv.conf) live under here. */
  stateDir: string;
  /** Written into each pod's /etc/resolv.conf. */
  clusterDNS: string[];
  clusterDomain: string;
  images: ImageTable;
  /** First restart delay; it doubles per restart up to maxBackoffMs (the kubelet: 10 s, 300 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often Node status / the Lease are renewed (the kubelet: 10 s). */
  heartbeatMs?: number;
  /**
   * The kubelet API's log endpoint (kubelet-log-server.ts): HTTPS on the bridge address, answering only
   * clients whose certificate `clientCaFile` signed (kube-apiserver's --kubelet-client-certificate).
   * Without it nothing serves, and the Node says port 0.
   */
  kubeletApi?: { clientCaFile: string; /** Default DEFAULT_KUBELET_PORT; a free port if that one is taken. */ port?: number };
  /** Structured progress lines (pod started, container exited…); default: none. */
  log?: (message: string) => void;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 10_000;
export const DEFAULT_MAX_BACKOFF_MS = 300_000;
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** The kubelet's API port: what kube-apiserver dials when a Node does not say (it does here, always). */
export const DEFAULT_KUBELET_PORT = 10250;
