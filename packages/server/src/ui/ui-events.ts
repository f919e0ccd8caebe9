/**
 * `GET /ui/api/events`: server-sent events telling open pages that the graph or the data plane moved
 * (contract.ts `ChangedEvent`), so pages refetch on change and never poll. The server signals "something
 * may have changed" (a reconcile, an xDS stream event); the signals are coalesced (one check at most
 * every 250 ms, or longer when asked), and a stream is sent `changed` only when the versions it last saw differ. Each stream
 * gets `changed` once on connect, and a comment every 15 s so proxies in between keep it open.
 * Streams are bounded (32 by default: the next is refused with 503) and all closed on shutdown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChangedEvent } from '@portico/ui';

/** "Something the dashboard shows may have changed": emitted by the server, read by the event streams. */
export interface ChangeSignal {
  emit(): void;
  subscribe(listener: () => void): () => void;
}

export function createChangeSignal(): ChangeSignal {
  const listeners = new Set<() => void>();
  return {
    emit: () => {
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface UiEventsOptions {
  versions(): ChangedEvent;
  changes: ChangeSignal;
  /** Concurrent streams (default 32). */
  maxStreams?: number;
  /**
   * At most one check for changes per this many milliseconds (default 250); a function is asked at
   * each signal, so the spacing can follow what a change costs the pages (ui-http.ts).
   */
  coalesceMs?: number | (() => number);
  /** A comment line this often (default 15 s). */
  keepAliveMs?: number;
  /** For tests: the clock and timers the coalescing uses. */
  now?: () => number;
  timers?: Timers;
}

export interface UiEvents {
  /** Starts a stream on the response; false when the limit is reached (the caller answers 503). */
  open(request: IncomingMessage, response: ServerResponse): boolean;
  /** Ends every stream and stops the timers (the admin server is closing). */
  closeAll(): void;
  streams(): number;
}

export const DEFAULT_MAX_EVENT_STREAMS = 32;

const REAL_TIMERS: Timers = {
  set: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function createUiEvents(options: UiEventsOptions): UiEvents {
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_EVENT_STREAMS;
  const { coalesceMs = 250 } = options;
  const spacing = typeof coalesceMs === 'function' ? coalesceMs : () => coalesceMs;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const now = options.now ?? (() => performance.now());
  const timers = options.timers ?? REAL_TIMERS;
  /** Each open stream and the versions it was last sent. */
  const streams = new Map<ServerResponse, string>();
  let pending: unknown;
  let lastCheck = -Infinity;
  let keepAlive: NodeJS.Timeout | undefined;
  let closed = false;

  const unsubscribe = options.changes.subscribe(() => {
    if (pending !== undefined || streams.size === 0 || closed) return;
    pending = timers.set(check, Math.max(0, lastCheck + spacing() - now()));
  });

  function check(): void {
    pending = undefined;
    lastCheck = now();
    const key = JSON.stringify(options.versions());
    for (const [response, seen] of streams) {
      if (seen !== key) send(response, key);
    }
  }

  /** `key` is the versions as JSON: the event's data, and what the stream has seen. */
  function send(response: ServerResponse, key: string): void {
    streams.set(response, key);
    response.write(`event: changed\ndata: ${key}\n\n`);
  }

  function startKeepAlive(): void {
    if (keepAlive) return;
    keepAlive = setInterval(() => {
      for (const response of streams.keys()) response.write(': keep-alive\n\n');
    }, keepAliveMs);
    keepAlive.unref();
  }

  function remove(response: ServerResponse): void {
    streams.delete(response);
    if (streams.size === 0 && keepAlive) {
      clearInterval(keepAlive);
      keepAlive = undefined;
    }
  }

  return {
    open(request, response) {
      if (closed || streams.size >= maxStreams) return false;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // nginx and friends buffer responses by default; events must go out as they happen.
        'x-accel-buffering': 'no',
      });
      // The browser's EventSource reconnects after this long when the stream drops.
      response.write('retry: 2000\n\n');
      send(response, JSON.stringify(options.versions()));
      request.on('close', () => remove(response));
      response.on('close', () => remove(response));
      startKeepAlive();
      return true;
    },
    closeAll() {
      closed = true;
      unsubscribe();
      if (pending !== undefined) timers.clear(pending);
      pending = undefined;
      for (const response of [...streams.keys()]) {
        response.end();
        remove(response);
      }
    },
    streams: () => streams.size,
  };
}
