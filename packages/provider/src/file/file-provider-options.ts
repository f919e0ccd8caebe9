/** Options of the file provider, and their defaults. */
import type { ProviderSnapshot, ResourceProvider } from '../types.js';
import type { DebounceClock } from './debounce.js';
import type { ResourceFileParser } from './parse-file.js';

/** The structured logger the provider writes to (winston's methods have this shape). */
export interface FileProviderLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** Options of createFileProvider. */
export interface FileProviderOptions {
  /** The folder to watch, read recursively like `portico translate -f DIR`. */
  directory: string;
  /** Quiet time after the last change of a burst before it is published. Default 100 ms. */
  holdOffMs?: number;
  /** Longest wait from the first change of a burst to its publish. Default 1000 ms. */
  maxDelayMs?: number;
  /**
   * How often the folder is stat'ed in case `fs.watch` missed something (network and Docker Desktop
   * volumes, some editors' saves). Default 2000 ms.
   */
  rescanIntervalMs?: number;
  /** Default: silent. */
  logger?: FileProviderLogger;
  /** Wall clock of the `lastGoodAt` / `lastErrorAt` times. Default `new Date()`. */
  now?(): Date;
  /** Timers of the debounce and the rescan loop; for tests. */
  clock?: DebounceClock;
  /**
   * Where the last good objects of every file are kept across restarts (state-store.ts); none by
   * default. With it, a file broken at start serves what it served before.
   */
  stateDirectory?: string;
  /** Files larger than this are refused (their last good objects stay). Default 64 MiB. */
  maxFileBytes?: number;
  /**
   * A read that takes objects away (a file emptied, or cut short by a writer that truncates before
   * writing) is served only once the file has stayed that way this long. Default 1000 ms.
   */
  settleMs?: number;
  /** Default: large files on a worker thread (parse-file.ts). */
  parser?: ResourceFileParser;
}

/** The file provider: the ResourceProvider contract, plus an immediate rescan. */
export interface FileProvider extends ResourceProvider {
  /**
   * Scans the folder now, skipping the debounce, and resolves once any change it found is published
   * (for a reload signal, and for tests that must not depend on the watcher).
   */
  rescan(): Promise<ProviderSnapshot>;
}

export const DEFAULT_HOLD_OFF_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 1000;
export const DEFAULT_RESCAN_INTERVAL_MS = 2000;
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SETTLE_MS = 1000;

export const silentLogger: FileProviderLogger = { info() {}, warn() {}, error() {} };
