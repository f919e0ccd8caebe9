/**
 * A pod's status from its containers' (core/v1 PodStatus, the kubelet's getPhase and
 * generateAPIPodStatus): phase, the Initialized / ContainersReady / Ready / PodScheduled conditions
 * with stable transition times, the pod's and host's addresses.
 */
import type { ContainerStatus } from '../containers/container-status.js';

export interface PodStatusInput {
  pod: any;
  hostIP: string;
  podIP?: string;
  startTime: string;
  initialized: boolean;
  /** Set when an init container failed for good (restartPolicy Never). */
  initFailed: boolean;
  initContainers: ContainerStatus[];
  containers: ContainerStatus[];
  /** The status last written, for conditions' lastTransitionTime. */
  previous?: any;
}

function phase(input: PodStatusInput): string {
  if (input.initFailed) return 'Failed';
  if (!input.initialized) return 'Pending';
  const policy = input.pod.spec.restartPolicy ?? 'Always';
  const states = input.containers.map((c) => c.state);
  const running = states.filter((s) => 'running' in s).length;
  const terminated = input.containers.filter((c) => 'terminated' in c.state);
  const waitingNeverRan = input.containers.filter((c) => 'waiting' in c.state && !('terminated' in c.lastState)).length;
  if (waitingNeverRan > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (terminated.length === input.containers.length) {
    const failed = terminated.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    if (policy === 'Always') return 'Running';
    if (policy === 'OnFailure' && failed) return 'Running';
    return failed ? 'Failed' : 'Succeeded';
  }
  // Waiting to restart (CrashLoopBackOff) counts as running, as the kubelet reports it.
  return 'Running';
}

function condition(type: string, value: boolean, previous: any, reason?: string) {
  const status = value ? 'True' : 'False';
  const before = (previous?.conditions ?? []).find((c: any) => c.type === type);
  const lastTransitionTime = before?.status === status ? before.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(value || !reason ? {} : { reason }) };
}

export function buildPodStatus(input: PodStatusInput): any {
  const containersReady = input.containers.every((c) => c.ready);
  const gates = (input.pod.spec.readinessGates ?? []).map((g: any) => g.conditionType);
  const gatesReady = gates.every((type: string) => (input.pod.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True'));
  const previous = input.previous;
  const sandbox = input.podIP !== undefined;
  return {
    phase: phase(input),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    startTime: input.startTime,
    conditions: [
      condition('PodReadyToStartContainers', sandbox, previous),
      condition('Initialized', input.initialized, previous, 'ContainersNotInitialized'),
      condition('Ready', containersReady && gatesReady && input.initialized, previous, containersReady ? 'ReadinessGatesNotReady' : 'ContainersNotReady'),
      condition('ContainersReady', containersReady && input.initialized, previous, 'ContainersNotReady'),
      condition('PodScheduled', true, previous),
    ],
    initContainerStatuses: input.initContainers,
    containerStatuses: input.containers,
  };
}
