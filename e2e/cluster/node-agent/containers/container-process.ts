/**
 * One run of a container: its argv in the pod's network namespace (`ip netns exec`, which also gives
 * it a private mount namespace with the pod's resolv.conf and hosts), its volumeMounts bind-mounted
 * there before the program is exec'd, its own process group (signals reach every process it starts),
 * output recorded line by line in its container's log (container-log.ts).
 */
import { spawn } from 'node:child_process';
import type { RunOutput } from './container-log.js';
import type { BindMount } from './pod-volumes.js';

export interface ContainerRun {
  pid: number;
  /** Resolves with the exit code (128 + signal number when killed by a signal, as runtimes report). */
  exited: Promise<{ exitCode: number; signal?: string }>;
  signal(signal: NodeJS.Signals): void;
}

export interface ContainerRunSpec {
  netns: string;
  argv: string[];
  env: Map<string, string>;
  cwd: string;
  mounts: BindMount[];
  /** The image's own folders on the host (images.ts imagePaths): bound back if a mount hid them. */
  imagePaths?: string[];
  output: RunOutput;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/**
 * bash -c script: a private /dev/shm (a runtime gives each pod its own; Envoys' hot-restart shared memory
 * would otherwise meet on the host's), each mount bound (read-only when asked), then exec the argv ("$@").
 * Every source is opened first and bound through /proc/self/fd: a source reached by its path would be
 * gone once an earlier mount covers a folder above it (an emptyDir on /tmp hides every volume of the
 * agent's state folder under /tmp). `--no-canonicalize` keeps mount(8) from turning the descriptor back
 * into that path. The descriptors are closed before the exec.
 */
function mountScript(mounts: BindMount[], imagePaths: string[]): { script: string; args: string[] } {
  const lines: string[] = ['set -e', 'mount -t tmpfs -o mode=1777,size=64m shm /dev/shm'];
  const args: string[] = [];
  const binds: string[] = [];
  mounts.forEach((mount, index) => {
    args.push(mount.source, mount.target);
    const source = `"$${args.length - 1}"`;
    const target = `"$${args.length}"`;
    lines.push(`exec {source${index}}<${source}`);
    binds.push(`mount --no-canonicalize --bind "/proc/self/fd/$source${index}" ${target}`);
    if (mount.readOnly) binds.push(`mount -o remount,bind,ro ${target}`);
    binds.push(`exec {source${index}}<&-`);
  });
  // The image's own folders, opened before any mount too: one a volume hid (the folder above it is now
  // the volume's) is made again inside that volume and bound back, as an image's files stay in place.
  imagePaths.forEach((path, index) => {
    args.push(path);
    const target = `"$${args.length}"`;
    lines.push(`exec {image${index}}<${target}`);
    binds.push(`if [ ! -d ${target} ]; then mkdir -p ${target} && mount --no-canonicalize --bind "/proc/self/fd/$image${index}" ${target}; fi`);
    binds.push(`exec {image${index}}<&-`);
  });
  lines.push(...binds, `shift ${args.length}`, 'exec "$@"');
  return { script: lines.join('\n'), args };
}

export function startContainerRun(spec: ContainerRunSpec): ContainerRun {
  const { output } = spec;
  const { script, args } = mountScript(spec.mounts, spec.imagePaths ?? []);
  const child = spawn('ip', ['netns', 'exec', spec.netns, 'bash', '-c', script, 'container', ...args, ...spec.argv], {
    cwd: spec.cwd,
    env: Object.fromEntries(spec.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (chunk: Buffer) => output.stdout(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.stderr(chunk));
  const exited = new Promise<{ exitCode: number; signal?: string }>((resolve) => {
    child.once('error', (error) => {
      output.note(`node-agent: cannot start: ${error.message}`);
      output.end();
      resolve({ exitCode: 128 });
    });
    // 'exit', not 'close': a container's own children may hold its output pipes open after it is gone.
    child.once('close', () => output.end());
    child.once('exit', (code, signal) => {
      resolve(signal ? { exitCode: 128 + (SIGNAL_NUMBERS[signal] ?? 0), signal } : { exitCode: code ?? 0 });
    });
  });
  return {
    pid: child.pid ?? -1,
    exited,
    signal(signal) {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}
