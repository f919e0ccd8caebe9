/**
 * The long-running binaries behind the Kubernetes test harness (etcd, kube-apiserver) as child
 * processes: their output kept (the last lines, for failure messages), a clean stop, and a guard that
 * kills them even when the test process itself dies without cleaning up (a crash, jest killing a
 * worker, SIGKILL): orphan API servers would pile up on a shared CI machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** How many output lines each process keeps: enough to explain a failed start-up. */
const KEPT_LINES = 300;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KubeProcess {
  name: string;
  child: ChildProcess;
  /** Set once the process has exited. */
  exit(): ExitInfo | undefined;
  /** Resolves when the process exits. */
  exited: Promise<ExitInfo>;
  /** The last output lines (stdout and stderr interleaved), for failure messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/**
 * Starts `bin args`. The process is unref'd, so a test that forgets stop() does not keep jest alive;
 * the guard (see startOrphanGuard) then kills it when this process exits.
 */
export function startKubeProcess(name: string, bin: string, args: string[]): KubeProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
    });
  };
  keep(child.stdout!);
  keep(child.stderr!);
  child.unref();
  (child.stdout as unknown as Socket).unref();
  (child.stderr as unknown as Socket).unref();

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve((exitInfo = { code, signal })));
    // A binary that cannot be spawned at all (wrong path) never emits 'exit'.
    child.once('error', (error) => {
      lines.push(`spawn ${bin}: ${error.message}`);
      resolve((exitInfo = { code: null, signal: null }));
    });
  });

  return {
    name,
    child,
    exit: () => exitInfo,
    exited,
    tail: (n = 60) => lines.slice(-n).join('\n'),
    async stop(graceMs = 10_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface OrphanGuard {
  /** Adds a process to those the guard kills; it drops out again when it exits. */
  track(proc: KubeProcess): void;
  /** Ends the guard without it doing anything (after a normal stop). */
  dismiss(): void;
}

/**
 * A `sh` that blocks reading a pipe from this process. The pipe closes however this process ends,
 * even on SIGKILL, and `read` returns; the guard then kills the PIDs listed in `dir/pids` and removes
 * `dir`. Node cannot set PR_SET_PDEATHSIG on its children, so this is the portable way to tie their
 * lifetime to ours.
 */
export function startOrphanGuard(dir: string): OrphanGuard {
  const pidsFile = join(dir, 'pids');
  const tracked = new Set<KubeProcess>();
  const writePids = () => writeFileSync(pidsFile, [...tracked].map((p) => p.child.pid).filter((pid) => pid !== undefined).join(' '));
  writePids();
  const script = 'read -r _ignored; kill -KILL $(cat "$1/pids") 2>/dev/null; rm -rf "$1"';
  const guard = spawn('sh', ['-c', script, 'portico-kube-guard', dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return {
    track(proc) {
      tracked.add(proc);
      writePids();
      void proc.exited.then(() => {
        tracked.delete(proc);
        try {
          writePids();
        } catch {
          // After stop() the dir is gone: nothing left to record.
        }
      });
    },
    dismiss() {
      guard.kill('SIGKILL');
    },
  };
}
