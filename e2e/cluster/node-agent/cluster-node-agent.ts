/**
 * The node agent as the cluster harness starts it (e2e/cluster/cluster-config.ts: NodeAgentStarter):
 * the harness's network, DNS and state folder in, the image table from the binaries the environment
 * names (ENVOY_BIN, ECHO_BASIC_BIN; node for Portico), a log file beside the harness's own, and the
 * kubelet API's log endpoint for kube-apiserver's client certificate (`kubectl logs`).
 * The context is typed structurally here, field for field the harness's NodeAgentContext.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { defaultImageTable } from './containers/images.js';
import { runNodeAgent, type NodeAgent } from './node-agent.js';

export interface ClusterNodeAgentContext {
  config: {
    nodeName: string;
    network: { bridge: string; bridgeAddress: string; podCidr: string };
    clusterDns: string;
    clusterDomain: string;
    stateDir: string;
    kubeletClientCaFile: string;
  };
  kubeConfig: KubeConfig;
}

/** Pod sandboxes (netns, host veth) are named `ptcp<hash>`: inside the harness's `ptc` prefix, apart from its own names. */
export const CLUSTER_POD_PREFIX = 'ptcp';

export async function startNodeAgent(context: ClusterNodeAgentContext): Promise<NodeAgent> {
  const { config } = context;
  const stateDir = join(config.stateDir, 'node-agent');
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'node-agent.log');
  return runNodeAgent({
    kubeConfig: context.kubeConfig,
    nodeName: config.nodeName,
    podCIDR: config.network.podCidr,
    bridgeAddress: config.network.bridgeAddress,
    bridgeName: config.network.bridge,
    namePrefix: CLUSTER_POD_PREFIX,
    stateDir,
    clusterDNS: [config.clusterDns],
    clusterDomain: config.clusterDomain,
    images: defaultImageTable(),
    kubeletApi: { clientCaFile: config.kubeletClientCaFile },
    log: (line) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`),
  });
}
