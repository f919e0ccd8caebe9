/**
 * The admin HTTP server (DESIGN.md §3): probes, Prometheus metrics and the debug views, on node:http.
 * Bound to 127.0.0.1 by default: the debug views describe the whole configuration, so reaching them
 * from elsewhere is a choice the operator makes with --admin-address. A second instance serving only
 * the probes and /metrics (`serves: 'probes-and-metrics'`, `--metrics-address`) can listen on the pod
 * IP while /debug stays on loopback (the Helm chart's default).
 *
 * `?gateway=ns/name` selects one gateway, `?format=yaml` switches from JSON. Every answer other than
 * /metrics is a JSON (or YAML) document; unknown paths and methods get a JSON error. Requests whose
 * Host header is not one of the server's names are refused (admin-host-check.ts). The dashboard (/ui,
 * ui/ui-http.ts) is served beside /debug, read-only, behind the same check. Dumps are cached,
 * rendered in time slices and limited in number (debug-dumps.ts); the probes and /metrics never wait
 * behind them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDocument } from '@portico/ir';
import { createHostCheck } from './admin-host-check.js';
import { createDebugDumps, type DebugDumps, type DebugDumpsOptions } from './debug-dumps.js';
import type { DebugView } from './debug-views.js';
import { errorFields, type Logger } from '../logger.js';
import type { UiHttp } from '../ui/ui-http.js';
import { parseListenAddress } from '../listen-address.js';

export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:19000';

export interface Readiness {
  ready: boolean;
  /** Why not ready, for the 503 body. */
  waitingFor: string[];
}

export interface AdminHandlers {
  readiness(): Readiness;
  /** The Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** The debug views by path (`/debug/ir` …). */
  views: Readonly<Record<string, DebugView>>;
}

export interface AdminServerOptions {
  /** `host:port`; port 0 picks a free one. Default `127.0.0.1:19000`. */
  address?: string;
  handlers: AdminHandlers;
  logger: Logger;
  /** `all` (default): probes, metrics and /debug; `probes-and-metrics`: /healthz, /readyz and /metrics only. */
  serves?: 'all' | 'probes-and-metrics';
  /** Host names or IPs answered besides the server's own (admin-host-check.ts); `*` answers any. */
  allowedHosts?: readonly string[];
  /** Limits and cache of the dumps (debug-dumps.ts). */
  dumps?: DebugDumpsOptions;
  /** A dump response that makes no progress this long (a client that stopped reading) is cut (default 30 s). */
  dumpIdleTimeoutMs?: number;
  /** The dashboard under /ui (ui/ui-http.ts): served only with /debug, behind the same Host check. */
  ui?: Pick<UiHttp, 'handle' | 'close'>;
}

export interface AdminServer {
  /** Binds; resolves to the bound port. */
  start(): Promise<number>;
  /** Stops accepting, ends idle keep-alive connections, and resolves once every connection is closed. */
  close(): Promise<void>;
  /** Dumps served, rendered and cached (for tests and the flood benchmark). */
  dumpFigures(): ReturnType<DebugDumps['figures']>;
}

const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'];
/** What a refused dump request is told to wait before asking again, in seconds. */
const DUMP_RETRY_AFTER_S = 1;

type Format = 'json' | 'yaml';

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const { host, port } = parseListenAddress(options.address ?? DEFAULT_ADMIN_ADDRESS);
  const { handlers, logger } = options;
  const servesDebug = (options.serves ?? 'all') === 'all';
  const hostAllowed = createHostCheck({ boundHost: host, allowedHosts: options.allowedHosts ?? [] });
  const dumps = createDebugDumps(options.dumps);
  const dumpIdleTimeoutMs = options.dumpIdleTimeoutMs ?? 30_000;
  /** Dump responses being written: a client reading slowly must not hold close() open. */
  const writing = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error('admin request failed', { path: request.url, ...errorFields(error) });
      if (!response.headersSent) send(response, 500, { error: 'internal error' }, 'json');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request.headers.host)) {
      return send(response, 403, { error: `host '${String(request.headers.host).slice(0, 100)}' is not one of this server's names; allow it with --admin-allowed-hosts` }, 'json');
    }
    const url = new URL(request.url ?? '/', 'http://admin');
    const ui = servesDebug && (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) ? options.ui : undefined;
    if (ui) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', 'GET, HEAD');
        return send(response, 405, { error: `method ${request.method} not allowed: the dashboard is read-only` }, 'json');
      }
      if (await ui.handle(request, response, url)) return;
    }
    const format = url.searchParams.get('format') ?? 'json';
    if (format !== 'json' && format !== 'yaml') return send(response, 400, { error: `invalid format '${format}': expected json or yaml` }, 'json');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, { error: `method ${request.method} not allowed` }, format);
    }
    const gateway = url.searchParams.get('gateway') ?? undefined;
    if (gateway !== undefined && !/^[^/]+\/[^/]+$/.test(gateway)) {
      return send(response, 400, { error: `invalid gateway '${gateway}': expected namespace/name` }, format);
    }
    switch (url.pathname) {
      case '/healthz':
        return send(response, 200, { status: 'ok' }, format);
      case '/readyz': {
        const { ready, waitingFor } = handlers.readiness();
        return send(response, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not ready', waitingFor }, format);
      }
      case '/metrics': {
        const { contentType, text } = await handlers.metrics();
        response.writeHead(200, { 'content-type': contentType });
        response.end(text);
        return;
      }
    }
    const view = servesDebug ? handlers.views[url.pathname] : undefined;
    if (!view) return send(response, 404, { error: `no such path '${url.pathname}'`, paths: servesDebug ? paths(handlers) : PROBE_PATHS }, format);
    const release = dumps.acquire();
    if (!release) {
      response.setHeader('retry-after', String(DUMP_RETRY_AFTER_S));
      return send(response, 503, { error: 'too many debug dumps in progress; retry later' }, format);
    }
    try {
      const result = await dumps.dump(url.pathname, view, gateway, format);
      if (result.status !== 200) return send(response, result.status, { error: result.error }, format);
      response.setTimeout(dumpIdleTimeoutMs, () => response.destroy());
      response.writeHead(200, { 'content-type': contentType(format), 'content-length': result.bytes });
      if (request.method === 'HEAD') return void response.end();
      writing.add(response);
      await writeWithBackPressure(response, result.body);
    } finally {
      writing.delete(response);
      release();
    }
  }

  return {
    start: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        // Event streams never end by themselves: they would hold close() open.
        options.ui?.close();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold close() open until it times out.
        server.closeIdleConnections();
        for (const response of writing) response.destroy();
      }),
    dumpFigures: () => dumps.figures(),
  };
}

function paths(handlers: AdminHandlers): string[] {
  return [...PROBE_PATHS, ...Object.keys(handlers.views)];
}

function contentType(format: Format): string {
  return format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8';
}

function send(response: ServerResponse, status: number, document: unknown, format: Format): void {
  const body = formatDocument(document, format);
  response.writeHead(status, { 'content-type': contentType(format) });
  response.end(body);
}

/** Writes the buffers as the client reads them: never more than the socket's buffer ahead of it. */
async function writeWithBackPressure(response: ServerResponse, body: Buffer[]): Promise<void> {
  for (const chunk of body) {
    if (response.destroyed) return;
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
    }
  }
  response.end();
}
