/**
 * Container output in the CRI log format, as containerd writes it and the kubelet reads it back
 * (k8s.io/cri-client pkg/logs/logs.go): one record per output line,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <content>\n`, where `P` marks a piece of a line longer
 * than the runtime's buffer and `F` the piece that ends it. The time and stream of each line are what
 * the kubelet's log endpoint filters on (sinceTime, sinceSeconds, timestamps, stream).
 * Content stays bytes throughout: a program's output need not be UTF-8.
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** Nanoseconds since the epoch (wall clock, as the runtime stamps lines). */
  timeNs: bigint;
  stream: LogStream;
  /** True for a `P` record: the line goes on in the next record of the stream. */
  partial: boolean;
  /** The line's bytes, without the newline. */
  content: Buffer;
}

/** containerd's line buffer (pkg/cri/io: 16 KiB): longer lines are split into P records. */
export const MAX_RECORD_CONTENT = 16 * 1024;

const NEWLINE = 0x0a;
const NS_PER_MS = 1_000_000n;

export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

/** The kubelet's output format (RFC3339NanoFixed): always nine fraction digits, UTC. */
export function formatTimestamp(timeNs: bigint): string {
  const ms = timeNs / NS_PER_MS;
  const seconds = new Date(Number(ms)).toISOString().slice(0, 19);
  const fraction = (timeNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with or without a fraction (Go's RFC3339NanoLenient, and RFC3339 as sinceTime comes); undefined if not one. */
export function parseTimestamp(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * NS_PER_MS + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export function formatRecord(record: LogRecord): Buffer {
  const head = `${formatTimestamp(record.timeNs)} ${record.stream} ${record.partial ? 'P' : 'F'} `;
  return Buffer.concat([Buffer.from(head), record.content, Buffer.from('\n')]);
}

/** One record without its newline; undefined for anything else (the kubelet skips such lines too). */
export function parseRecord(line: Buffer): LogRecord | undefined {
  const first = line.indexOf(0x20);
  const second = first < 0 ? -1 : line.indexOf(0x20, first + 1);
  const third = second < 0 ? -1 : line.indexOf(0x20, second + 1);
  if (third < 0) return undefined;
  const timeNs = parseTimestamp(line.subarray(0, first).toString('latin1'));
  const stream = line.subarray(first + 1, second).toString('latin1');
  // Tags are `:`-separated and only the first counts (forward compatible, as the kubelet reads them).
  const tag = line.subarray(second + 1, third).toString('latin1').split(':')[0];
  if (timeNs === undefined || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  return { timeNs, stream, partial: tag === 'P', content: line.subarray(third + 1) };
}

/**
 * Cuts one stream's output into records: a record per newline-ended line (stamped when its end
 * arrives), P records for every MAX_RECORD_CONTENT bytes of a longer line, and on end() whatever is
 * left as an F record, as containerd ends a stream whose last line has no newline.
 */
export function createRecordSplitter(stream: LogStream, emit: (record: LogRecord) => void, clock: () => bigint = nowNs): { push(chunk: Buffer): void; end(): void } {
  let pending: Buffer = Buffer.alloc(0);
  const record = (content: Buffer, partial: boolean) => emit({ timeNs: clock(), stream, partial, content });
  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (let newline = pending.indexOf(NEWLINE); newline >= 0; newline = pending.indexOf(NEWLINE)) {
        let line = pending.subarray(0, newline);
        for (; line.length > MAX_RECORD_CONTENT; line = line.subarray(MAX_RECORD_CONTENT)) record(line.subarray(0, MAX_RECORD_CONTENT), true);
        record(line, false);
        pending = pending.subarray(newline + 1);
      }
      for (; pending.length >= MAX_RECORD_CONTENT; pending = pending.subarray(MAX_RECORD_CONTENT)) record(pending.subarray(0, MAX_RECORD_CONTENT), true);
      // A copy: the chunk's buffer may be reused by its reader.
      pending = Buffer.from(pending);
    },
    end() {
      if (pending.length > 0) record(pending, false);
      pending = Buffer.alloc(0);
    },
  };
}
