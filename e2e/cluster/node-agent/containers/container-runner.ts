/**
 * One container of a pod for its whole life: start it, probe it (startup, then liveness and
 * readiness), restart it per the pod's restartPolicy with the kubelet's exponential back-off
 * (CrashLoopBackOff), and stop it (preStop, SIGTERM, SIGKILL at the grace deadline) when the pod goes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerLog } from './container-log.js';
import { startContainerRun, type ContainerRun } from './container-process.js';
import { initialStatus, type ContainerStatus } from './container-status.js';
import { ContainerConfigError } from '../pods/pod-fields.js';
import type { BindMount } from './pod-volumes.js';
import { runProbeWorker } from '../pods/probe-worker.js';
import { execInContainer, runProbe, type ProbeTarget } from '../pods/probes.js';

/** What a container start needs, computed afresh for each start (env may name objects that change). */
export interface PreparedContainer {
  argv: string[];
  env: Map<string, string>;
  cwd: string;
  mounts: BindMount[];
  /** The image's own folders on the host, kept visible over the mounts (images.ts imagePaths). */
  imagePaths: string[];
  /** Releases the mount points made for this start. */
  release(): void;
}

export interface ContainerRunnerOptions {
  container: any;
  /** 'Always' | 'OnFailure' | 'Never'; init containers run to completion. */
  restartPolicy: string;
  kind: 'init' | 'regular';
  netns: string;
  podIP: string;
  /** Each run's output goes here, under its container ID. */
  containerLog: ContainerLog;
  containerIdPrefix: string;
  /** The pod's grace period for a liveness/startup kill (terminationGracePeriodSeconds). */
  killGraceMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  prepare(): Promise<PreparedContainer>;
  onChange(): void;
  log(message: string): void;
}

export interface ContainerRunner {
  status: ContainerStatus;
  /** Runs until the container is done for good (init: succeeded, or failed under Never) or stopped; resolves true on success. */
  run(): Promise<boolean>;
  /** preStop, SIGTERM, then SIGKILL at `deadline` (ms since epoch); resolves once the process is gone. */
  stop(deadline: number): Promise<void>;
}

/** How long a container may take to be reaped after SIGKILL before the agent stops waiting. */
const KILL_WAIT_MS = 10_000;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function shouldRestart(policy: string, kind: 'init' | 'regular', exitCode: number): boolean {
  if (kind === 'init') return exitCode !== 0 && policy !== 'Never';
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

export function createContainerRunner(options: ContainerRunnerOptions): ContainerRunner {
  const { container } = options;
  const status = initialStatus(container);
  const stopping = new AbortController();
  let current: { run: ContainerRun; prepared: PreparedContainer } | undefined;
  let backoffMs = options.initialBackoffMs;
  const ports = new Map<string, number>((container.ports ?? []).filter((p: any) => p.name).map((p: any) => [p.name, p.containerPort]));

  const probeTarget = (): ProbeTarget => ({ podIP: options.podIP, ports, pid: current?.run.pid, env: current?.prepared.env ?? new Map(), cwd: current?.prepared.cwd ?? '/' });
  const changed = () => options.onChange();

  async function kill(run: ContainerRun, deadline: number): Promise<void> {
    run.signal('SIGTERM');
    const remaining = Math.max(0, deadline - Date.now());
    const timer = setTimeout(() => run.signal('SIGKILL'), remaining);
    // A process stuck in the kernel (uninterruptible sleep) outlives SIGKILL: say so and go on, so one
    // such process cannot hold its pod's deletion (and the agent's stop) forever.
    let giveUp: NodeJS.Timeout | undefined;
    const exited = await Promise.race([run.exited.then(() => true), new Promise<boolean>((resolve) => (giveUp = setTimeout(() => resolve(false), remaining + KILL_WAIT_MS)))]);
    clearTimeout(giveUp);
    clearTimeout(timer);
    if (!exited) options.log(`container ${container.name}: pid ${run.pid} still there ${KILL_WAIT_MS} ms after SIGKILL; going on without it`);
  }

  /** Probes one run; resolves with a message when a startup/liveness verdict says to kill it. */
  function probe(run: ContainerRun, signal: AbortSignal): Promise<string> {
    return new Promise((resolveKill) => {
      const watchers = async () => {
        if (container.startupProbe) {
          const outcome = await new Promise<string | undefined>((resolve) => {
            const local = new AbortController();
            signal.addEventListener('abort', () => local.abort(), { once: true });
            void runProbeWorker(container.startupProbe, probeTarget, local.signal, (verdict) => {
              local.abort();
              resolve(verdict.ok ? undefined : `Startup probe failed: ${verdict.message}`);
            }).then(() => resolve('aborted'));
          });
          if (outcome) {
            if (outcome !== 'aborted') resolveKill(outcome);
            return;
          }
        }
        if (signal.aborted) return;
        status.started = true;
        if (!container.readinessProbe) status.ready = true;
        changed();
        if (container.livenessProbe) {
          void runProbeWorker(container.livenessProbe, probeTarget, signal, (verdict) => {
            if (!verdict.ok) resolveKill(`Liveness probe failed: ${verdict.message}`);
          });
        }
        if (container.readinessProbe) {
          void runProbeWorker(container.readinessProbe, probeTarget, signal, (verdict) => {
            status.ready = verdict.ok;
            changed();
          });
        }
      };
      void watchers();
    });
  }

  async function runOnce(): Promise<number | undefined> {
    let prepared: PreparedContainer;
    try {
      prepared = await options.prepare();
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      status.state = { waiting: { reason: 'CreateContainerConfigError', message: error.message } };
      changed();
      return undefined;
    }
    // stop() came while the start was being prepared: nothing runs yet, so nothing is started.
    if (stopping.signal.aborted) {
      prepared.release();
      return undefined;
    }
    const containerID = `${options.containerIdPrefix}-${status.restartCount}`;
    const output = options.containerLog.beginRun(containerID);
    const run = startContainerRun({ netns: options.netns, argv: prepared.argv, env: prepared.env, cwd: prepared.cwd, mounts: prepared.mounts, imagePaths: prepared.imagePaths, output });
    current = { run, prepared };
    const startedAt = now();
    const started = Date.now();
    status.containerID = containerID;
    status.state = { running: { startedAt } };
    status.started = false;
    status.ready = false;
    changed();
    options.log(`container ${container.name} started (pid ${run.pid}): ${prepared.argv.join(' ')}`);
    const probing = new AbortController();
    const killReason = options.kind === 'regular' ? probe(run, probing.signal) : new Promise<string>(() => undefined);
    const outcome = await Promise.race([run.exited.then((exit) => ({ exit })), killReason.then((reason) => ({ reason }))]);
    if ('reason' in outcome) {
      options.log(`container ${container.name}: ${outcome.reason}; killing it`);
      await kill(run, Date.now() + options.killGraceMs);
    }
    probing.abort();
    const exit = await run.exited;
    prepared.release();
    current = undefined;
    status.ready = false;
    status.started = false;
    status.state = {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.exitCode === 0 ? 'Completed' : 'Error',
        ...('reason' in outcome ? { message: outcome.reason } : {}),
        startedAt,
        finishedAt: now(),
        containerID: status.containerID,
      },
    };
    changed();
    options.log(`container ${container.name} exited with ${exit.exitCode}`);
    // A run that lasted twice the longest back-off resets it, as the kubelet's back-off GC does.
    if (Date.now() - started > 2 * options.maxBackoffMs) backoffMs = options.initialBackoffMs;
    return exit.exitCode;
  }

  return {
    status,
    async run() {
      for (;;) {
        if (stopping.signal.aborted) return false;
        const exitCode = await runOnce();
        if (stopping.signal.aborted) return false;
        if (exitCode !== undefined && !shouldRestart(options.restartPolicy, options.kind, exitCode)) return exitCode === 0;
        const delay = backoffMs;
        backoffMs = Math.min(backoffMs * 2, options.maxBackoffMs);
        if (exitCode !== undefined) {
          status.lastState = status.state;
          status.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${container.name}` } };
          changed();
        }
        try {
          await sleep(delay, undefined, { signal: stopping.signal });
        } catch {
          return false;
        }
        if (exitCode !== undefined) status.restartCount++;
      }
    },
    async stop(deadline) {
      stopping.abort();
      const active = current;
      if (!active) return;
      const preStop = container.lifecycle?.preStop;
      if (preStop) {
        const budget = Math.max(0, deadline - Date.now());
        const hook = preStop.exec
          ? execInContainer(preStop.exec.command ?? [], probeTarget(), budget)
          : runProbe({ ...preStop, timeoutSeconds: budget / 1000 }, probeTarget());
        const result = await Promise.race([hook, sleep(budget).then(() => ({ ok: false as const, message: 'grace period over' }))]);
        if (!result.ok) options.log(`container ${container.name}: preStop hook: ${result.message}`);
      }
      await kill(active.run, deadline);
    },
  };
}
