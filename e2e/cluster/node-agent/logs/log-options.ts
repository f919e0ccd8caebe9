/**
 * The kubelet's /containerLogs query (core/v1 PodLogOptions as query parameters, the way
 * kube-apiserver's LogLocation sends them) and what each option does to the recorded lines, after
 * k8s.io/cri-client pkg/logs (NewLogOptions, logWriter.write): tailLines picks where reading starts,
 * sinceTime/sinceSeconds drop older lines, timestamps prefixes each line with its time, stream keeps
 * stdout or stderr, and limitBytes cuts the output off once that many bytes went out.
 */
import { formatTimestamp, parseTimestamp, type LogRecord } from './cri-log-format.js';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Lines stamped before this (ns since the epoch) are left out. */
  sinceNs?: bigint;
  tailLines?: number;
  limitBytes?: number;
  stream: 'All' | 'Stdout' | 'Stderr';
}

export type ParsedLogOptions = { ok: true; options: LogOptions } | { ok: false; status: number; message: string };

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * kubelet server.go getContainerLogs: undecodable values are 400, invalid ones 422 (validation of
 * PodLogOptions: tailLines ≥ 0, limitBytes ≥ 1, sinceSeconds ≥ 1, not both sinceSeconds and sinceTime).
 */
export function parseLogOptions(query: URLSearchParams, now: bigint): ParsedLogOptions {
  const bad = (message: string): ParsedLogOptions => ({ ok: false, status: 400, message });
  const invalid = (message: string): ParsedLogOptions => ({ ok: false, status: 422, message });
  const flags: Record<string, boolean> = {};
  for (const name of ['follow', 'previous', 'timestamps']) {
    const value = query.get(name);
    if (value === null || value === '') flags[name] = false;
    else if (TRUE.has(value) || FALSE.has(value)) flags[name] = TRUE.has(value);
    else return bad(`${name}=${value}: not a boolean`);
  }
  const integers: Record<string, number | undefined> = {};
  // The old `tail` parameter, which the kubelet still maps to tailLines ("all" = no limit).
  const tail = query.get('tail');
  for (const name of ['tailLines', 'limitBytes', 'sinceSeconds']) {
    const value = name === 'tailLines' && tail !== null ? (tail === 'all' ? null : tail) : query.get(name);
    if (value === null || value === '') continue;
    if (!/^-?\d+$/.test(value)) return bad(`${name}=${value}: not an integer`);
    integers[name] = Number(value);
  }
  const sinceTimeText = query.get('sinceTime');
  const sinceTime = sinceTimeText ? parseTimestamp(sinceTimeText) : undefined;
  if (sinceTimeText && sinceTime === undefined) return bad(`sinceTime=${sinceTimeText}: not an RFC 3339 time`);
  const streamText = query.get('stream') || 'All';
  if (streamText !== 'All' && streamText !== 'Stdout' && streamText !== 'Stderr') return bad(`invalid stream type "${streamText}"`);

  const { tailLines, limitBytes, sinceSeconds } = integers;
  if (tailLines !== undefined && tailLines < 0) return invalid('tailLines: must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) return invalid('limitBytes: must be greater than 0');
  if (sinceSeconds !== undefined && sinceSeconds < 1) return invalid('sinceSeconds: must be greater than 0');
  if (sinceSeconds !== undefined && sinceTime !== undefined) return invalid('at most one of sinceTime or sinceSeconds may be specified');

  // NewLogOptions: sinceSeconds counts back from now; a later sinceTime wins.
  let sinceNs = sinceSeconds !== undefined ? now - BigInt(sinceSeconds) * 1_000_000_000n : undefined;
  if (sinceTime !== undefined && (sinceNs === undefined || sinceTime > sinceNs)) sinceNs = sinceTime;
  return {
    ok: true,
    options: { follow: flags.follow!, previous: flags.previous!, timestamps: flags.timestamps!, sinceNs, tailLines, limitBytes, stream: streamText },
  };
}

export interface LogOutput {
  /** Writes what `record` contributes; returns false once limitBytes is used up (stop reading). */
  write(record: LogRecord): boolean;
}

/**
 * logWriter.write: an F record's content goes out with its newline, a P record's without; the time
 * prefix goes only before the first piece of a line; limitBytes truncates mid-line if it must.
 */
export function createLogOutput(options: LogOptions, send: (bytes: Buffer) => void): LogOutput {
  let remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
  let atLineStart = true;
  const wanted = (record: LogRecord) => options.stream === 'All' || (options.stream === 'Stdout') === (record.stream === 'stdout');
  return {
    write(record) {
      if (remaining <= 0) return false;
      const startsLine = atLineStart;
      atLineStart = !record.partial;
      if (options.sinceNs !== undefined && record.timeNs < options.sinceNs) return true;
      if (!wanted(record)) return true;
      const parts = [record.content];
      if (options.timestamps && startsLine) parts.unshift(Buffer.from(`${formatTimestamp(record.timeNs)} `));
      if (!record.partial) parts.push(Buffer.from('\n'));
      let bytes = Buffer.concat(parts);
      if (bytes.length > remaining) bytes = bytes.subarray(0, remaining);
      send(bytes);
      remaining -= bytes.length;
      return remaining > 0;
    },
  };
}
