/**
 * Structured logs (STYLE.md "Ours"): winston, one JSON object per line when the output is not a
 * terminal (what a log collector parses), a short coloured line on a terminal (what a person reads).
 * Every entry about an object carries `kind`, `namespace` and `name`; about a gateway, `gateway`;
 * about a file, `source`. Logs go to standard error, so standard output stays free for data.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { RecentLogs } from './recent-logs.js';

export type Logger = winston.Logger;

/** The levels `--log-level` accepts, most severe first (winston's npm levels, without the rarely useful ones). */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Entries below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Where entries go: standard error by default. */
  stream?: Writable & { isTTY?: boolean };
  /** `json` (default when the stream is not a terminal) or `pretty` (default on a terminal). */
  format?: 'json' | 'pretty';
  /** Also keep the latest entries here, as JSON whatever `format` is (`/debug/logs`). */
  recent?: RecentLogs;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (stream.isTTY ? 'pretty' : 'json');
  // Each transport formats a copy of the entry (winston-transport), so the pretty one's colours never
  // reach the JSON one.
  const recent = options.recent ? [new winston.transports.Stream({ stream: options.recent.writable(), format: winston.format.json() })] : [];
  return winston.createLogger({
    level: options.level ?? 'info',
    // `errors` first: an Error given as metadata or message keeps its stack in the entry.
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp()),
    transports: [new winston.transports.Stream({ stream, format: format === 'json' ? winston.format.json() : prettyFormat() }), ...recent],
  });
}

/** A logger that drops everything (tests, embedding). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Fields printed first and in this order on a terminal; the rest follow as `key=value`. */
const LEADING_FIELDS = ['kind', 'namespace', 'name'] as const;
const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['level', 'message', 'timestamp', 'stack', ...LEADING_FIELDS]);

/** `12:00:01.234 warn  route not accepted HTTPRoute default/shop reason=NotAllowedByListeners`. */
function prettyFormat(): winston.Logform.Format {
  return winston.format.combine(
    winston.format.colorize({ level: true }),
    winston.format.printf((info) => {
      const time = String(info.timestamp ?? '').slice(11, 23);
      const object = objectRef(info);
      const fields = Object.entries(info)
        .filter(([key, value]) => !HIDDEN_FIELDS.has(key) && value !== undefined && typeof key === 'string')
        .map(([key, value]) => `${key}=${formatValue(value)}`);
      const line = [time, padLevel(String(info.level)), String(info.message), object, ...fields].filter(Boolean).join(' ');
      return typeof info.stack === 'string' ? `${line}\n${info.stack}` : line;
    }),
  );
}

function objectRef(info: Record<string, unknown>): string {
  const { kind, namespace, name } = info;
  if (typeof name !== 'string') return '';
  const path = typeof namespace === 'string' && namespace ? `${namespace}/${name}` : name;
  return typeof kind === 'string' ? `${kind} ${path}` : path;
}

/** Colour codes make the level longer than it looks: pad by the visible length. */
function padLevel(level: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = level.replace(/\u001b\[[0-9;]*m/g, '').length;
  return level + ' '.repeat(Math.max(0, 5 - visible));
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value);
}

/** Log fields of a caught exception: its message, and its stack (a programming error must be traceable). */
export function errorFields(error: unknown): { error: string; stack?: string } {
  if (error instanceof Error) return { error: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { error: String(error) };
}
