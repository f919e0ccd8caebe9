/**
 * One container's log: every run's stdout and stderr as CRI log records (cri-log-format.ts) appended
 * to <pod dir>/logs/<container>.log, and where in that file each run (container ID) begins and ends,
 * so the log endpoint can serve the current run, the previous one, or follow the live one.
 * One write stream per container, written in order: each write is one whole record, so every
 * offset the log reports as written ends a record.
 */
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createRecordSplitter, formatRecord, nowNs, type LogRecord } from '../logs/cri-log-format.js';
import type { ContainerStatus } from './container-status.js';

/** Where one run's output goes (container-process.ts feeds it the child's pipes). */
export interface RunOutput {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** A line of the agent's own about this run (e.g. why it could not start), as stderr. */
  note(line: string): void;
  /** The run's pipes are closed: a last line without newline is recorded, and the run ends here. */
  end(): void;
}

export interface LogRun {
  /** First byte of the run's records in the file. */
  start: number;
  /** First byte after them; undefined while the run may still write. */
  end?: number;
}

export interface ContainerLog {
  file: string;
  beginRun(containerId: string): RunOutput;
  run(containerId: string): LogRun | undefined;
  /** Bytes of the file that are on disk (always a record boundary). */
  written(): number;
  /** Resolves at the next write or run end: take it before reading, then await it if there was nothing new. */
  changed(): Promise<void>;
  /** Stops writing (pod teardown); output that still arrives is dropped. */
  close(): void;
}

/** `clock` stamps the records (tests pin it). */
export function createContainerLog(file: string, clock: () => bigint = nowNs): ContainerLog {
  const runs = new Map<string, LogRun>();
  let stream: WriteStream | undefined;
  let queued = 0;
  let written = 0;
  let closed = false;
  let waiters: (() => void)[] = [];
  const notify = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  function open(): WriteStream {
    if (stream) return stream;
    mkdirSync(dirname(file), { recursive: true });
    // Appended to, as before: a file already there (an earlier agent's) keeps its lines ahead of ours.
    queued = written = (() => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    })();
    stream = createWriteStream(file, { flags: 'a' });
    return stream;
  }

  function append(record: LogRecord): void {
    if (closed) return;
    const bytes = formatRecord(record);
    queued += bytes.length;
    open().write(bytes, (error) => {
      if (error) return;
      written += bytes.length;
      notify();
    });
  }

  return {
    file,
    beginRun(containerId) {
      open();
      // A run that has not said it ended (a child of it still holds its pipes) ends where the next begins.
      for (const run of runs.values()) run.end ??= queued;
      const run: LogRun = { start: queued };
      runs.set(containerId, run);
      const stdout = createRecordSplitter('stdout', append, clock);
      const stderr = createRecordSplitter('stderr', append, clock);
      let ended = false;
      return {
        stdout: (chunk) => !ended && stdout.push(chunk),
        stderr: (chunk) => !ended && stderr.push(chunk),
        note: (line) => !ended && stderr.push(Buffer.from(`${line}\n`)),
        end() {
          if (ended) return;
          ended = true;
          stdout.end();
          stderr.end();
          run.end ??= queued;
          notify();
        },
      };
    },
    run: (containerId) => runs.get(containerId),
    written: () => written,
    changed: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close() {
      if (closed) return;
      closed = true;
      for (const run of runs.values()) run.end ??= queued;
      stream?.end();
      notify();
    },
  };
}

export type LogRunChoice = { ok: true; containerId: string } | { ok: false; message: string };

/**
 * Which run a request reads, as the kubelet decides it (kubelet_pods.go validateContainerLogStatus):
 * `previous` reads the last terminated run; otherwise the running one, else the one that terminated
 * last; a container that never ran has no log and the reason says why.
 */
export function chooseLogRun(status: ContainerStatus, pod: string, previous: boolean): LogRunChoice {
  const name = status.name;
  const last = 'terminated' in status.lastState ? status.lastState.terminated : undefined;
  const state = status.state;
  if (previous) {
    if (!last?.containerID) return { ok: false, message: `previous terminated container "${name}" in pod "${pod}" not found` };
    return { ok: true, containerId: last.containerID };
  }
  if ('running' in state && status.containerID) return { ok: true, containerId: status.containerID };
  if ('terminated' in state) {
    const id = state.terminated.containerID || last?.containerID;
    return id ? { ok: true, containerId: id } : { ok: false, message: `container "${name}" in pod "${pod}" is terminated` };
  }
  if (last?.containerID) return { ok: true, containerId: last.containerID };
  if ('waiting' in state) return { ok: false, message: `container "${name}" in pod "${pod}" is waiting to start: ${state.waiting.reason}` };
  return { ok: false, message: `container "${name}" in pod "${pod}" is waiting to start - no logs yet` };
}
