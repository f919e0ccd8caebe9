/**
 * The dashboard's HTTP side, mounted by the admin server under /ui (only where it serves /debug,
 * behind the same Host check, GET and HEAD only):
 *   /ui, /ui/          the page (index.html, `cache-control: no-cache`: it names the hashed assets)
 *   /ui/assets/<file>  the built assets, immutable (their names carry a content hash)
 *   /ui/api/graph | object | dataplane | explain | events   the documents of contract.ts
 * The page and assets carry `content-security-policy: default-src 'self'`: no inline script, no CDN.
 * The assets come from @portico/ui (`loadUiAssets`), handed in as `assets`; when they are not built
 * /ui answers 503 saying how to build them, and the API still answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UiAssets } from '@portico/ui';
import { gzipSync } from 'node:zlib';
import type { DebugData } from '../admin/debug-views.js';
import { dataPlaneDocument } from './dataplane-document.js';
import { explainDocument } from './explain-document.js';
import { filterGraph, graphFilterOf } from './graph-filter.js';
import { objectDetails } from './object-details.js';
import { createUiEvents, type ChangeSignal, type UiEvents, type UiEventsOptions } from './ui-events.js';
import { createUiModel, type UiModel, type UiModelOptions } from './ui-model.js';

export interface UiAssetSource {
  /** The built assets; undefined (or a rejection) when they are not built. */
  assets(): Promise<UiAssets | undefined>;
}

export interface UiHttpOptions {
  data: DebugData;
  /** Signalled by the server whenever what the dashboard shows may have changed. */
  changes: ChangeSignal;
  /** Where the page and its assets come from; without it /ui answers 503. */
  ui?: UiAssetSource;
  model?: UiModelOptions;
  events?: Omit<UiEventsOptions, 'versions' | 'changes'>;
}

export interface UiHttp {
  /** Answers a GET or HEAD under /ui; false when the path is not the dashboard's. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>;
  /** Ends the event streams (the admin server is closing). */
  close(): void;
  readonly model: UiModel;
  readonly events: UiEvents;
}

const CSP = "default-src 'self'";
const MIN_EVENT_SPACING_MS = 250;
const BUILD_SPACING_FACTOR = 4;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NOT_BUILT = { error: 'dashboard assets not built: run npm run build:ui' };
const NOT_TRANSLATED = { error: 'no snapshot translated yet' };

export function createUiHttp(options: UiHttpOptions): UiHttp {
  const model = createUiModel(options.data, options.model);
  const events = createUiEvents({
    // Every `changed` makes open pages fetch the graph, which the first of them rebuilds (diagnose
    // included: ~0.5 s at 1,000 routes) on the thread that serves xDS. Spacing the events by four times
    // the last build keeps a dashboard left open during an ACK storm of a large fleet to a fifth of
    // that thread, however often proxies change state.
    coalesceMs: () => Math.max(MIN_EVENT_SPACING_MS, BUILD_SPACING_FACTOR * model.figures().lastBuildMs),
    ...options.events,
    changes: options.changes,
    versions: () => ({ graph: model.graphVersion() ?? 'none', dataplane: model.dataPlaneVersion() }),
  });
  let loaded: UiAssets | undefined;
  /** The whole graph, serialised (and compressed) once per version. */
  let graphBody: { version: string; body: Buffer; gzip: Buffer } | undefined;

  async function assets(): Promise<UiAssets | undefined> {
    // Kept once loaded; asked again while missing, so a build made while serving is picked up.
    loaded ??= await options.ui?.assets().catch(() => undefined);
    return loaded;
  }

  async function page(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const built = await assets();
    if (!built) return sendJson(request, response, 503, NOT_BUILT);
    if (path === '/ui' || path === '/ui/') return sendBody(request, response, 200, built.index, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': CSP });
    const file = built.files.get(assetName(path.slice('/ui/assets/'.length)));
    if (!file) return sendJson(request, response, 404, { error: `no asset '${path}'` });
    return sendBody(request, response, 200, file.body, { 'content-type': file.contentType, 'cache-control': IMMUTABLE, 'content-security-policy': CSP });
  }

  async function api(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const endpoint = url.pathname.slice('/ui/api/'.length);
    if (endpoint === 'events') {
      // A HEAD learns what a stream would be without holding one open.
      if (request.method === 'HEAD') return void response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }).end();
      if (!events.open(request, response)) {
        response.setHeader('retry-after', '5');
        sendJson(request, response, 503, { error: 'too many dashboard event streams open; retry later' });
      }
      return;
    }
    if (endpoint === 'dataplane') return sendJson(request, response, 200, dataPlaneDocument(options.data, model.dataPlaneVersion()));
    if (!['graph', 'object', 'explain'].includes(endpoint)) return sendJson(request, response, 404, { error: `no such path '${url.pathname}'`, paths: ['/ui/api/graph', '/ui/api/object', '/ui/api/dataplane', '/ui/api/explain', '/ui/api/events'] });
    const snapshot = await model.snapshot();
    if (!snapshot) return sendJson(request, response, 503, NOT_TRANSLATED);
    if (endpoint === 'graph') {
      const filter = graphFilterOf(url.searchParams);
      const filtered = filterGraph(snapshot.graph, filter);
      if (filtered !== snapshot.graph) return sendJson(request, response, 200, filtered);
      if (graphBody?.version !== snapshot.version) {
        const body = Buffer.from(JSON.stringify(snapshot.graph));
        graphBody = { version: snapshot.version, body, gzip: gzipSync(body) };
      }
      return sendJsonBody(request, response, 200, graphBody.body, graphBody.gzip);
    }
    if (endpoint === 'object') {
      const id = url.searchParams.get('id');
      if (!id) return sendJson(request, response, 400, { error: 'missing id: /ui/api/object?id=<node id>' });
      const details = objectDetails(snapshot, options.data, id);
      return details ? sendJson(request, response, 200, details) : sendJson(request, response, 404, { error: `no node '${id}'` });
    }
    const answer = explainDocument(snapshot, url.searchParams);
    return answer.status === 200 ? sendJson(request, response, 200, answer.document) : sendJson(request, response, 400, { error: answer.error });
  }

  return {
    model,
    events,
    async handle(request, response, url) {
      const path = url.pathname;
      if (path === '/ui' || path === '/ui/' || path.startsWith('/ui/assets/')) {
        await page(request, response, path);
        return true;
      }
      if (path.startsWith('/ui/api/')) {
        await api(request, response, url);
        return true;
      }
      if (path.startsWith('/ui/')) {
        sendJson(request, response, 404, { error: `no such path '${path}'` });
        return true;
      }
      return false;
    },
    close: () => events.closeAll(),
  };
}

/** The asset a path names; a malformed escape names none. */
function assetName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return '';
  }
}

/** Documents larger than this are compressed for clients that accept gzip (the graph of 1,000 routes: 2.8 MB, 120 kB gzipped). */
const GZIP_FROM_BYTES = 16 * 1024;

function sendJson(request: IncomingMessage, response: ServerResponse, status: number, document: unknown): void {
  sendJsonBody(request, response, status, Buffer.from(JSON.stringify(document)));
}

function sendJsonBody(request: IncomingMessage, response: ServerResponse, status: number, body: Buffer, gzipped?: Buffer): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', vary: 'accept-encoding' };
  if (body.length >= GZIP_FROM_BYTES && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    return sendBody(request, response, status, gzipped ?? gzipSync(body), { ...headers, 'content-encoding': 'gzip' });
  }
  sendBody(request, response, status, body, headers);
}

function sendBody(request: IncomingMessage, response: ServerResponse, status: number, body: Buffer, headers: Record<string, string>): void {
  response.writeHead(status, { ...headers, 'content-length': body.length, 'x-content-type-options': 'nosniff' });
  response.end(request.method === 'HEAD' ? undefined : body);
}
