/**
 * The admin HTTP server (DESIGN.md §3): probes, Prometheus metrics and the debug views, on node:http.
 * Bound to 127.0.0.1 by default: the debug views describe the whole configuration, so reaching them
 * from elsewhere is a choice the operator makes with --admin-address.
 *
 * `?gateway=ns/name` selects one gateway, `?format=yaml` switches from JSON. Every answer other than
 * /metrics is a JSON (or YAML) document; unknown paths and methods get a JSON error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDocument } from '@portico/ir';
import { errorFields, type Logger } from './logger.js';
import { parseListenAddress } from './listen-address.js';
import type { ViewResult } from './debug-views.js';

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
  views: Readonly<Record<string, (gateway: string | undefined) => ViewResult>>;
}

export interface AdminServerOptions {
  /** `host:port`; port 0 picks a free one. Default `127.0.0.1:19000`. */
  address?: string;
  handlers: AdminHandlers;
  logger: Logger;
}

export interface AdminServer {
  /** Binds; resolves to the bound port. */
  start(): Promise<number>;
  /** Stops accepting, ends idle keep-alive connections, and resolves once every connection is closed. */
  close(): Promise<void>;
}

type Format = 'json' | 'yaml';

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const { host, port } = parseListenAddress(options.address ?? DEFAULT_ADMIN_ADDRESS);
  const { handlers, logger } = options;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error('admin request failed', { path: request.url, ...errorFields(error) });
      if (!response.headersSent) send(response, 500, { error: 'internal error' }, 'json');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://admin');
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
    const view = handlers.views[url.pathname];
    if (!view) return send(response, 404, { error: `no such path '${url.pathname}'`, paths: paths(handlers) }, format);
    const result = view(gateway);
    if (result.status === 200) return send(response, 200, result.document, format);
    return send(response, result.status, { error: result.error }, format);
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
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold close() open until it times out.
        server.closeIdleConnections();
      }),
  };
}

function paths(handlers: AdminHandlers): string[] {
  return ['/healthz', '/readyz', '/metrics', ...Object.keys(handlers.views)];
}

function send(response: ServerResponse, status: number, document: unknown, format: Format): void {
  const body = formatDocument(document, format);
  response.writeHead(status, { 'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8' });
  response.end(body);
}
