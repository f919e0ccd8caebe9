/**
 * Reading one run's records back from its container's log file: where `tailLines` says to start
 * (counting lines back from the run's end, as the kubelet's findTailLineStartIndex does), then every
 * record up to what is written, and with `follow` on as more is written, until the run ends.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ContainerLog, LogRun } from '../containers/container-log.js';
import { parseRecord, type LogRecord } from './cri-log-format.js';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** The offset of the `lines`-th line from the end of [start, end) (every line there ends with a newline). */
async function tailStart(file: FileHandle, start: number, end: number, lines: number): Promise<number> {
  if (lines === 0) return end;
  // The newline that ends the range ends the last line, not one to count.
  let seen = -1;
  const buffer = Buffer.alloc(CHUNK);
  for (let position = end; position > start; ) {
    const size = Math.min(CHUNK, position - start);
    position -= size;
    await file.read(buffer, 0, size, position);
    for (let index = size - 1; index >= 0; index--) {
      if (buffer[index] !== NEWLINE) continue;
      if (++seen === lines) return position + index + 1;
    }
  }
  return start;
}

/**
 * Calls `onRecord` for each record in [from, to), and `pace` after each chunk read; returns where it
 * stopped (after the last whole line), or -1 if told to stop.
 */
async function readRecords(file: FileHandle, from: number, to: number, onRecord: (record: LogRecord) => boolean, pace: () => Promise<void>): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let position = from;
  const buffer = Buffer.alloc(CHUNK);
  while (position < to) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, to - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let data: Buffer = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
    for (let newline = data.indexOf(NEWLINE); newline >= 0; newline = data.indexOf(NEWLINE)) {
      const record = parseRecord(data.subarray(0, newline));
      data = data.subarray(newline + 1);
      if (record && !onRecord(record)) return -1;
    }
    carry = Buffer.from(data);
    await pace();
  }
  return position - carry.length;
}

export interface ReadRunOptions {
  tailLines?: number;
  follow: boolean;
  /** Aborted when the client goes away: a follow stops waiting. */
  signal: AbortSignal;
  /** Awaited after each chunk: resolves when the client can take more (backpressure). */
  pace?(): Promise<void>;
}

/**
 * Feeds `onRecord` the run's records; returns when the run's records are all read (or, without
 * follow, all that are written now), when `onRecord` returns false, or when the signal aborts.
 */
export async function readRun(log: ContainerLog, run: LogRun, options: ReadRunOptions, onRecord: (record: LogRecord) => boolean): Promise<void> {
  const file = await open(log.file, 'r');
  const aborted = new Promise<void>((resolve) => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true })));
  try {
    const limit = () => Math.min(run.end ?? Number.POSITIVE_INFINITY, log.written());
    let position = options.tailLines === undefined ? run.start : await tailStart(file, run.start, limit(), options.tailLines);
    // Without follow, tailLines also bounds how many lines go out (cri-client ReadLogs' limitedMode).
    const until = options.follow ? Number.POSITIVE_INFINITY : limit();
    for (;;) {
      const changed = log.changed();
      const to = Math.min(limit(), until);
      const reached = await readRecords(file, position, to, onRecord, options.pace ?? (async () => undefined));
      if (reached < 0) return;
      position = reached;
      const finished = run.end !== undefined && position >= run.end;
      if (!options.follow || finished || options.signal.aborted) return;
      await Promise.race([changed, aborted]);
    }
  } finally {
    await file.close();
  }
}
