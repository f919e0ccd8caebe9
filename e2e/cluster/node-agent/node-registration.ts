/**
 * The Node this agent stands for, kept as the kubelet keeps it: registered with its pod CIDR, Ready with
 * capacity and addresses in its status, a heartbeat in both its status conditions and a Lease in
 * kube-node-lease (what the node lifecycle controller reads), and on stop marked NotReady and deleted.
 */
import { cpus, totalmem } from 'node:os';
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface NodeRegistration {
  heartbeat(): Promise<void>;
  /** Marks the node NotReady, drops its Lease and deletes the Node object. */
  unregister(): Promise<void>;
}

const LEASE_DURATION_SECONDS = 40;

function microTime(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

function conditions(ready: boolean, now: string, since: string) {
  const healthy = (type: string, reason: string, message: string) => ({ type, status: 'False', reason, message, lastHeartbeatTime: now, lastTransitionTime: since });
  return [
    healthy('MemoryPressure', 'KubeletHasSufficientMemory', 'node agent has sufficient memory available'),
    healthy('DiskPressure', 'KubeletHasNoDiskPressure', 'node agent has no disk pressure'),
    healthy('PIDPressure', 'KubeletHasSufficientPID', 'node agent has sufficient PID available'),
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'node agent is posting ready status', lastHeartbeatTime: now, lastTransitionTime: since }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'node agent stopped', lastHeartbeatTime: now, lastTransitionTime: now },
  ];
}

const CPU_OVERCOMMIT = 32;

export async function registerNode(client: KubeClient, options: { nodeName: string; podCIDR: string; hostIP: string; maxPods: number; /** 0 when nothing serves the kubelet API. */ kubeletPort: number }): Promise<NodeRegistration> {
  const { nodeName } = options;
  const nodePath = `/api/v1/nodes/${encodeURIComponent(nodeName)}`;
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(nodeName)}`;
  // CPU: nothing here enforces requests (no cgroups; every pod shares the host's cores), so the host's
  // own count would only make the scheduler refuse pods that run fine — a conformance run's dozens of
  // Envoy and echo pods request more than two cores. Reported as 32 per host core.
  const resources = { cpu: String(cpus().length * CPU_OVERCOMMIT), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: String(options.maxPods), 'ephemeral-storage': '100Gi' };

  const node = await client.get<any>(nodePath);
  if (!node) {
    await client.create('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch } },
      spec: { podCIDR: options.podCIDR, podCIDRs: [options.podCIDR] },
    });
  }

  // Conditions change only at start and stop; heartbeats move lastHeartbeatTime alone.
  let since = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const writeStatus = (ready: boolean) => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (!ready) since = now;
    return client.patch(`${nodePath}/status`, {
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: conditions(ready, now, since),
        addresses: [
          { type: 'InternalIP', address: options.hostIP },
          { type: 'Hostname', address: nodeName },
        ],
        // Where kube-apiserver reaches this node's log endpoint (with InternalIP: --kubelet-preferred-address-types).
        daemonEndpoints: { kubeletEndpoint: { Port: options.kubeletPort } },
        nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: 'portico e2e node agent', containerRuntimeVersion: 'nodeagent://processes', kubeletVersion: 'v1.35.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch },
      },
    }, 'strategic');
  };

  const renewLease = async () => {
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime() };
    try {
      await client.patch(leasePath, { spec });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      await client.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: 'kube-node-lease' }, spec });
    }
  };

  await writeStatus(true);
  await renewLease();

  return {
    async heartbeat() {
      await writeStatus(true);
      await renewLease();
    },
    async unregister() {
      await writeStatus(false).catch(() => undefined);
      await client.delete(leasePath);
      await client.delete(nodePath);
    },
  };
}
