/**
 * The process node agent: a kubelet stand-in for the e2e cluster. It registers a Ready Node, runs every
 * Pod bound to it as processes in a network namespace of its own (pod-worker.ts), and keeps Node and
 * Pod status current, and serves the kubelet API's container logs to kube-apiserver (kubelet-log-server.ts)
 * when told the CA of its client certificate. `stop()` stops every pod's processes, removes their sandboxes and the Node.
 * What it does not do is listed in README.md beside this file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKubeClient } from './kube-client.js';
import type { KubernetesService } from './containers/container-env.js';
import { startKubeletLogServer, type KubeletLogServer } from './logs/kubelet-log-server.js';
import { issueKubeletServingCertificate } from './logs/kubelet-serving-certificate.js';
import { createMountPoints } from './containers/mount-points.js';
import { registerNode, type NodeRegistration } from './node-registration.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_INITIAL_BACKOFF_MS, DEFAULT_KUBELET_PORT, DEFAULT_MAX_BACKOFF_MS, type NodeAgentOptions } from './options.js';
import { parsePodCidr } from './pods/pod-cidr.js';
import { ensureBridge, removeBridge } from './pods/pod-network.js';
import { watchNodePods } from './pods/pod-watch.js';
import { startPodWorker, type PodWorker, type PodWorkerContext } from './pods/pod-worker.js';

export interface NodeAgent {
  nodeName: string;
  /** The node's address on the bridge (Node InternalIP, pods' gateway). */
  hostIP: string;
  /** The kubelet API's port on hostIP (0 when options.kubeletApi is not given). */
  kubeletPort: number;
  /** Where a running pod's container output goes: CRI log records (cri-log-format.ts), appended across restarts. */
  containerLogFile(namespace: string, pod: string, container: string): string | undefined;
  stop(): Promise<void>;
}

export async function runNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  if (options.namePrefix.length > 6) throw new Error(`namePrefix ${options.namePrefix}: at most 6 characters (interface names are ≤ 15 bytes)`);
  const log = options.log ?? (() => undefined);
  const client = createKubeClient(options.kubeConfig);
  const cidr = parsePodCidr(options.podCIDR, options.bridgeAddress);
  const hostIP = cidr.gateway;
  mkdirSync(join(options.stateDir, 'pods'), { recursive: true });
  const madeBridge = await ensureBridge(options.bridgeName, cidr.gateway, cidr.prefixLength);

  let kubernetesService: Promise<KubernetesService | undefined> | undefined;
  const context: PodWorkerContext = {
    client,
    nodeName: options.nodeName,
    hostIP,
    cidr,
    bridge: options.bridgeName,
    namePrefix: options.namePrefix,
    stateDir: options.stateDir,
    images: options.images,
    clusterDNS: options.clusterDNS,
    clusterDomain: options.clusterDomain,
    mountPoints: createMountPoints(),
    initialBackoffMs: options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    // The kubelet's KUBERNETES_SERVICE_* env comes from the `kubernetes` Service in `default`.
    kubernetesService: () =>
      (kubernetesService ??= client.get<any>('/api/v1/namespaces/default/services/kubernetes').then(
        (service) => (service?.spec?.clusterIP ? { host: service.spec.clusterIP, port: service.spec.ports?.[0]?.port ?? 443 } : undefined),
        () => undefined,
      )),
    log,
  };

  const workers = new Map<string, { worker: PodWorker; namespace: string; name: string }>();
  const findPod = (namespace: string, name: string) => [...workers.values()].find((entry) => entry.namespace === namespace && entry.name === name)?.worker;

  let registration: NodeRegistration;
  let kubeletApi: KubeletLogServer | undefined;
  try {
    // Before the Node is registered: its status says the port.
    if (options.kubeletApi) {
      const serving = issueKubeletServingCertificate(options.nodeName, hostIP);
      kubeletApi = await startKubeletLogServer({
        host: hostIP,
        port: options.kubeletApi.port ?? DEFAULT_KUBELET_PORT,
        cert: serving.cert,
        key: serving.key,
        clientCa: readFileSync(options.kubeletApi.clientCaFile, 'utf8'),
        findPod,
        log,
      });
    }
    registration = await registerNode(client, { nodeName: options.nodeName, podCIDR: options.podCIDR, hostIP, maxPods: 110, kubeletPort: kubeletApi?.port ?? 0 });
  } catch (error) {
    await kubeletApi?.close();
    if (madeBridge) await removeBridge(options.bridgeName);
    throw error;
  }
  log(`node ${options.nodeName} registered, Ready (InternalIP ${hostIP}, pod CIDR ${options.podCIDR}, kubelet API port ${kubeletApi?.port ?? 'none'})`);

  // Pods this agent finished (terminated and deleted) whose DELETED event has not arrived yet: events
  // still in flight for them (our own status writes, the final delete) must not start them again.
  const finished = new Set<string>();
  const podWatch = watchNodePods(
    client,
    options.nodeName,
    {
      upsert(pod) {
        const uid = pod.metadata.uid;
        const known = workers.get(uid);
        if (known) return known.worker.update(pod);
        if (finished.has(uid)) return;
        if (pod.metadata.deletionTimestamp) {
          // Being deleted and never started here: nothing runs, so the kubelet's last step alone.
          finished.add(uid);
          const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}`;
          void client.delete(path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } }).catch((error: Error) => log(`final delete of ${pod.metadata.name}: ${error.message}`));
          return;
        }
        // A pod already finished before a relist is not run again: only pods this agent has not seen start.
        if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
        const worker = startPodWorker(pod, context);
        workers.set(uid, { worker, namespace: pod.metadata.namespace, name: pod.metadata.name });
        worker.update(pod);
        void worker.done.then(() => {
          finished.add(uid);
          workers.delete(uid);
        });
      },
      gone(uid) {
        // Deleted without waiting for us (grace 0 by someone else), or our own final delete: the last event for this UID.
        finished.delete(uid);
        const entry = workers.get(uid);
        if (!entry) return;
        finished.add(uid);
        void entry.worker.shutdown().then(() => finished.delete(uid));
      },
    },
    log,
  );

  const heartbeat = setInterval(() => {
    registration.heartbeat().catch((error: Error) => log(`heartbeat: ${error.message}`));
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  let stopping: Promise<void> | undefined;
  return {
    nodeName: options.nodeName,
    hostIP,
    kubeletPort: kubeletApi?.port ?? 0,
    containerLogFile: (namespace, pod, container) => findPod(namespace, pod)?.logFile(container),
    stop() {
      stopping ??= (async () => {
        clearInterval(heartbeat);
        podWatch.stop();
        await kubeletApi?.close();
        await Promise.all([...workers.values()].map((entry) => entry.worker.shutdown()));
        await registration.unregister().catch((error: Error) => log(`unregister: ${error.message}`));
        if (madeBridge) await removeBridge(options.bridgeName);
        log(`node ${options.nodeName} stopped`);
      })();
      return stopping;
    },
  };
}
