/**
 * One pod bound to this node, from sandbox to deletion: its network namespace and address, its
 * volumes, its init containers in order and then its containers (container-runner.ts), its status
 * written back to the API server, and on deletion the kubelet's shutdown (preStop, SIGTERM, SIGKILL
 * after the grace period), sandbox removal, and the final delete with grace 0.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { containerArgv } from '../containers/command-args.js';
import { containerEnv, type KubernetesService } from '../containers/container-env.js';
import { createContainerLog, type ContainerLog } from '../containers/container-log.js';
import { createContainerRunner, type ContainerRunner } from '../containers/container-runner.js';
import { initialStatus, type ContainerStatus } from '../containers/container-status.js';
import { resolveImage, type ImageTable } from '../containers/images.js';
import type { KubeClient } from '../kube-client.js';
import type { MountPoints } from '../containers/mount-points.js';
import { createObjectSource } from '../object-source.js';
import type { PodCidr } from './pod-cidr.js';
import { ContainerConfigError } from './pod-fields.js';
import { createPodNetwork, deletePodNetwork } from './pod-network.js';
import { buildPodStatus } from './pod-status.js';
import { containerMounts, materialiseVolumes, type VolumePaths } from '../containers/pod-volumes.js';
import { createStatusWriter } from '../status-writer.js';

export interface PodWorkerContext {
  client: KubeClient;
  nodeName: string;
  hostIP: string;
  cidr: PodCidr;
  bridge: string;
  namePrefix: string;
  stateDir: string;
  images: ImageTable;
  clusterDNS: string[];
  clusterDomain: string;
  mountPoints: MountPoints;
  initialBackoffMs: number;
  maxBackoffMs: number;
  kubernetesService(): Promise<KubernetesService | undefined>;
  log(message: string): void;
}

export interface PodWorker {
  /** A newer version of the pod from the watch (a deletionTimestamp starts termination). */
  update(pod: any): void;
  /** Stops every container and removes the sandbox without deleting the Pod object (agent shutdown). */
  shutdown(): Promise<void>;
  /** Resolves once the pod is gone from this node. */
  done: Promise<void>;
  logFile(container: string): string;
  /** A container of the pod's spec (init containers too): its status and its log; undefined if none has that name. */
  container(name: string): { status: ContainerStatus; log: ContainerLog } | undefined;
}

/** Network namespace and host veth name: ≤ 15 bytes, stable per pod UID. */
export function sandboxName(prefix: string, uid: string): string {
  return `${prefix}${createHash('sha256').update(uid).digest('hex').slice(0, 15 - prefix.length)}`;
}

function resolvConf(context: PodWorkerContext, namespace: string): string {
  const domain = context.clusterDomain;
  const lines = context.clusterDNS.map((ip) => `nameserver ${ip}`);
  lines.push(`search ${namespace}.svc.${domain} svc.${domain} ${domain}`, 'options ndots:5');
  return `${lines.join('\n')}\n`;
}

function hostsFile(pod: any, podIP: string): string {
  const hostname = pod.spec.hostname ?? pod.metadata.name;
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${hostname}\n`;
}

export function startPodWorker(initialPod: any, context: PodWorkerContext): PodWorker {
  let pod = initialPod;
  const uid: string = pod.metadata.uid;
  const ns: string = pod.metadata.namespace;
  const name: string = pod.metadata.name;
  const where = `${ns}/${name}`;
  const podDir = join(context.stateDir, 'pods', uid);
  const netns = sandboxName(context.namePrefix, uid);
  const podPath = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;
  const log = (message: string) => context.log(`pod ${where}: ${message}`);
  const startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const restartPolicy: string = pod.spec.restartPolicy ?? 'Always';
  const graceMs = () => 1000 * (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);

  let podIP: string | undefined;
  let initialized = (pod.spec.initContainers ?? []).length === 0;
  let initFailed = false;
  let terminating: Promise<void> | undefined;
  const initRunners: ContainerRunner[] = [];
  const runners: ContainerRunner[] = [];
  const initStatuses = (pod.spec.initContainers ?? []).map(initialStatus);
  const statuses = (pod.spec.containers ?? []).map(initialStatus);
  const logFile = (container: string) => join(podDir, 'logs', `${container}.log`);
  const containerLogs = new Map<string, ContainerLog>([...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c: any) => [c.name, createContainerLog(logFile(c.name))]));
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const writer = createStatusWriter(
    context.client,
    podPath,
    uid,
    () =>
      buildPodStatus({ pod, hostIP: context.hostIP, podIP, startTime, initialized, initFailed, initContainers: initStatuses, containers: statuses, previous: pod.status }),
    log,
  );

  function runner(container: any, kind: 'init' | 'regular', index: number, volumes: VolumePaths): ContainerRunner | undefined {
    const statusList = kind === 'init' ? initStatuses : statuses;
    const image = resolveImage(context.images, container.image);
    if (!image.ok) {
      statusList[index].state = { waiting: { reason: image.reason, message: image.message } };
      log(`container ${container.name}: ${image.message}`);
      writer.changed();
      return undefined;
    }
    const created = createContainerRunner({
      container,
      kind,
      restartPolicy,
      netns,
      podIP: podIP!,
      containerLog: containerLogs.get(container.name)!,
      containerIdPrefix: `nodeagent://${uid}-${container.name}`,
      killGraceMs: graceMs(),
      initialBackoffMs: context.initialBackoffMs,
      maxBackoffMs: context.maxBackoffMs,
      async prepare() {
        const env = await containerEnv(pod, container, createObjectSource(context.client, ns), { podIP: podIP!, hostIP: context.hostIP }, await context.kubernetesService());
        const mounts = containerMounts(container, volumes);
        const releases = mounts.map((mount) => context.mountPoints.acquire(mount.source, mount.target));
        return {
          argv: containerArgv(image.entry, container.command, container.args, env),
          env,
          cwd: container.workingDir ?? image.entry.workingDir ?? podDir,
          mounts,
          imagePaths: image.entry.imagePaths ?? [],
          release: () => releases.forEach((release) => release()),
        };
      },
      onChange: () => writer.changed(),
      log,
    });
    // The runner keeps its own status object; the pod's status lists show it.
    statusList[index] = created.status;
    return created;
  }

  async function setUp(): Promise<VolumePaths | undefined> {
    mkdirSync(podDir, { recursive: true });
    podIP = context.cidr.allocate(uid);
    await createPodNetwork({ name: netns, bridge: context.bridge, ip: podIP, gateway: context.cidr.gateway, prefixLength: context.cidr.prefixLength, resolvConf: resolvConf(context, ns), hosts: hostsFile(pod, podIP), sysctls: pod.spec.securityContext?.sysctls ?? [] });
    log(`sandbox ${netns} at ${podIP}`);
    writer.changed();
    for (let delay = context.initialBackoffMs; ; delay = Math.min(delay * 2, context.maxBackoffMs)) {
      try {
        return await materialiseVolumes(context.client, pod, podDir, createObjectSource(context.client, ns), { podIP, hostIP: context.hostIP });
      } catch (error) {
        if (!(error instanceof ContainerConfigError)) throw error;
        log(`volumes: ${error.message}`);
        for (const status of [...initStatuses, ...statuses]) status.state = { waiting: { reason: 'CreateContainerConfigError', message: error.message } };
        writer.changed();
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (terminating) return undefined;
      }
    }
  }

  async function runPod(): Promise<void> {
    const volumes = await setUp();
    if (!volumes || terminating) return;
    for (const [index, container] of (pod.spec.initContainers ?? []).entries()) {
      const init = runner(container, 'init', index, volumes);
      if (!init) return;
      initRunners.push(init);
      const succeeded = await init.run();
      if (terminating) return;
      if (!succeeded) {
        initFailed = true;
        writer.changed();
        return;
      }
    }
    initialized = true;
    writer.changed();
    for (const [index, container] of (pod.spec.containers ?? []).entries()) {
      if (terminating) return;
      const regular = runner(container, 'regular', index, volumes);
      if (!regular) continue;
      runners.push(regular);
      void regular.run().then(() => writer.changed());
    }
  }

  async function tearDown(): Promise<void> {
    const deadline = Date.now() + graceMs();
    // Stop first: runPod may be waiting on an init container, and checks `terminating` before starting more.
    await Promise.all([...initRunners, ...runners].map((r) => r.stop(deadline)));
    await started;
    await Promise.all([...initRunners, ...runners].map((r) => r.stop(deadline)));
    await deletePodNetwork(netns).catch((error: Error) => log(`sandbox removal: ${error.message}`));
    context.cidr.release(uid);
    rmSync(join(podDir, 'volumes'), { recursive: true, force: true });
    for (const containerLog of containerLogs.values()) containerLog.close();
  }

  const started = runPod().catch((error: Error) => {
    log(`failed: ${error.stack ?? error.message}`);
    // Said in the pod's status too, so whoever waits on the pod sees why (the kubelet's event reason).
    for (const status of [...initStatuses, ...statuses]) status.state = { waiting: { reason: 'FailedCreatePodSandBox', message: error.message } };
    writer.changed();
  });

  async function terminate(): Promise<void> {
    log(`terminating (grace ${graceMs()} ms)`);
    await tearDown();
    await writer.flush();
    writer.close();
    // The kubelet's last word: the pod is gone from the node, so the object may go (grace 0, this UID only).
    await context.client.delete(podPath, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } }).catch((error: Error) => log(`final delete: ${error.message}`));
    log('deleted');
    resolveDone();
  }

  return {
    update(next) {
      if (next.metadata.uid !== uid) return;
      pod = next;
      if (pod.metadata.deletionTimestamp && !terminating) terminating = terminate();
    },
    async shutdown() {
      if (!terminating) {
        terminating = (async () => {
          await tearDown();
          writer.close();
          resolveDone();
        })();
      }
      await terminating;
    },
    done,
    logFile,
    container(name) {
      const log = containerLogs.get(name);
      const status = [...initStatuses, ...statuses].find((candidate) => candidate.name === name);
      return log && status ? { status, log } : undefined;
    },
  };
}
