/**
 * The server's most recent log entries, kept in memory for `/debug/logs` (and so for `portico diagnose
 * --admin --bundle`): the lines someone debugging needs next to the statuses, without access to where
 * standard error goes. Bounded by entries and by bytes, oldest dropped first, so a log storm costs a
 * fixed amount of memory. Entries are the JSON the logger writes (whatever format standard error gets);
 * they hold what the log holds, and the log never holds secret material (STYLE.md).
 */
import { Writable } from 'node:stream';

export interface RecentLogsOptions {
  /** Entries kept at most. Default 1,000. */
  maxEntries?: number;
  /** Bytes of entries kept at most (UTF-16 length, a close enough bound). Default 512 KiB. */
  maxBytes?: number;
}

export interface RecentLogsView {
  /** Oldest first, each the JSON object the logger wrote. */
  entries: unknown[];
  /** Entries dropped since the start to stay within the bounds. */
  dropped: number;
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_RECENT_LOG_ENTRIES = 1_000;
export const DEFAULT_RECENT_LOG_BYTES = 512 * 1024;

export class RecentLogs {
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly lines: string[] = [];
  private bytes = 0;
  private droppedCount = 0;

  constructor(options: RecentLogsOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_RECENT_LOG_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_RECENT_LOG_BYTES;
  }

  /** Keeps one entry (a JSON line); one longer than maxBytes is cut to it, so the newest entry is always there. */
  add(line: string): void {
    const kept = line.length > this.maxBytes ? JSON.stringify({ truncated: line.slice(0, this.maxBytes - 64) }) : line;
    this.lines.push(kept);
    this.bytes += kept.length;
    while (this.lines.length > this.maxEntries || (this.bytes > this.maxBytes && this.lines.length > 1)) {
      this.bytes -= this.lines.shift()!.length;
      this.droppedCount++;
    }
  }

  /** The stream a logger transport writes to: one entry per line. */
  writable(): Writable {
    return new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, done) => {
        for (const line of String(chunk).split('\n')) if (line !== '') this.add(line);
        done();
      },
    });
  }

  view(): RecentLogsView {
    return { entries: this.lines.map(parsed), dropped: this.droppedCount, maxEntries: this.maxEntries, maxBytes: this.maxBytes };
  }
}

function parsed(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return { message: line };
  }
}
