/**
 * The cost of /debug dumps, bounded (issue 12 item 6): 10 concurrent YAML dumps of 10,000 routes once
 * held the event loop — xDS and /healthz with it — for minutes. Now:
 * - a printed dump is cached by (path, gateway, format) and the view's version: asking again for the
 *   same snapshot costs nothing, and concurrent requests for one dump share one rendering;
 * - renderings of cacheable views run one at a time, in time slices (document-chunks.ts), so probes,
 *   metrics and xDS answer in between;
 * - at most `maxInFlight` dump requests at once; the next ones are refused at once (503, Retry-After)
 *   rather than queued without bound.
 * The cache is bounded in bytes; the least recently used dumps go first.
 */
import type { DumpFormat } from '@portico/ir';
import type { DebugView } from './debug-views.js';
import { renderDocument } from './document-chunks.js';

export const DEFAULT_MAX_DUMPS_IN_FLIGHT = 4;
export const DEFAULT_DUMP_CACHE_BYTES = 128 * 1024 * 1024;

export interface DebugDumpsOptions {
  /** Dump requests served at once, cached or not (default 4). */
  maxInFlight?: number;
  /** Bytes of printed dumps kept (default 128 MiB); a dump larger than this is served but not kept. */
  cacheBytes?: number;
  /** Longest stretch of rendering between two yields to the event loop (default 10 ms). */
  sliceMs?: number;
}

export type DumpResult = { status: 200; body: Buffer[]; bytes: number } | { status: 404 | 503; error: string };

export interface DebugDumps {
  /** A slot for one dump request, or undefined when `maxInFlight` are being served. Call the release once. */
  acquire(): (() => void) | undefined;
  /** The dump's text: from the cache when the view's version is unchanged, else rendered (one rendering at a time). */
  dump(path: string, view: DebugView, gateway: string | undefined, format: DumpFormat): Promise<DumpResult>;
  figures(): { inFlight: number; renderings: number; cacheHits: number; cachedDumps: number; cachedBytes: number };
}

interface CachedDump {
  version: string;
  body: Buffer[];
  bytes: number;
}

export function createDebugDumps(options: DebugDumpsOptions = {}): DebugDumps {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_DUMPS_IN_FLIGHT;
  const cacheBytes = options.cacheBytes ?? DEFAULT_DUMP_CACHE_BYTES;
  const renderOptions = options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs };
  /** Insertion order is recency: a hit moves its entry to the end. */
  const cache = new Map<string, CachedDump>();
  let cachedBytes = 0;
  const rendering = new Map<string, Promise<DumpResult>>();
  /** The renderings, one after another. */
  let queue: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  let renderings = 0;
  let cacheHits = 0;

  function remember(key: string, entry: CachedDump): void {
    forget(key);
    if (entry.bytes > cacheBytes) return;
    cache.set(key, entry);
    cachedBytes += entry.bytes;
    for (const [oldest, old] of cache) {
      if (cachedBytes <= cacheBytes) break;
      cache.delete(oldest);
      cachedBytes -= old.bytes;
    }
  }

  function forget(key: string): void {
    const old = cache.get(key);
    if (!old) return;
    cache.delete(key);
    cachedBytes -= old.bytes;
  }

  async function render(view: DebugView, gateway: string | undefined, format: DumpFormat): Promise<{ result: DumpResult; version: string | undefined }> {
    // The version is read again when the rendering starts: what is printed is what it names.
    const version = view.version(gateway);
    const result = await view.render(gateway);
    if (result.status !== 200) return { result, version: undefined };
    renderings++;
    const body = await renderDocument(result.chunks(format), renderOptions);
    return { result: { status: 200, body, bytes: body.reduce((sum, b) => sum + b.length, 0) }, version };
  }

  function dump(path: string, view: DebugView, gateway: string | undefined, format: DumpFormat): Promise<DumpResult> {
    const key = `${path}|${gateway ?? '*'}|${format}`;
    const version = view.version(gateway);
    const cached = cache.get(key);
    if (version !== undefined && cached?.version === version) {
      cacheHits++;
      cache.delete(key);
      cache.set(key, cached);
      return Promise.resolve({ status: 200, body: cached.body, bytes: cached.bytes });
    }
    // Views that change all the time (the clients) are small: printed at once, beside the queue.
    if (version === undefined) return render(view, gateway, format).then(({ result }) => result);
    const renderKey = `${key}|${version}`;
    const shared = rendering.get(renderKey);
    if (shared) return shared;
    const done = queue.then(async (): Promise<DumpResult> => {
      // Another request may have printed this very version while this one waited its turn.
      const printedMeanwhile = cache.get(key);
      if (printedMeanwhile && printedMeanwhile.version === view.version(gateway)) return { status: 200, body: printedMeanwhile.body, bytes: printedMeanwhile.bytes };
      const { result, version: printedVersion } = await render(view, gateway, format);
      if (result.status === 200 && printedVersion !== undefined) remember(key, { version: printedVersion, body: result.body, bytes: result.bytes });
      return result;
    });
    queue = done.catch(() => undefined);
    rendering.set(renderKey, done);
    void done.finally(() => rendering.delete(renderKey)).catch(() => undefined);
    return done;
  }

  return {
    acquire() {
      if (inFlight >= maxInFlight) return undefined;
      inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight--;
      };
    },
    dump,
    figures: () => ({ inFlight, renderings, cacheHits, cachedDumps: cache.size, cachedBytes }),
  };
}
