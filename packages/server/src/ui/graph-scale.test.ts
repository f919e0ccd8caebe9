/**
 * The dashboard at 1,000 routes (bench/generate-input.mjs, issue 7's shape: one Gateway, 1,000 HTTPRoutes
 * with two weighted backends each, 1,000 Services with an EndpointSlice each): the whole graph is drawn,
 * and the figures are printed (never asserted: the machine's load decides them): diagnose + graph build,
 * the first /ui/api/graph (which builds) and a second (cached), the document's size.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ALL_CHECKS, offlineInput, runChecks } from '@portico/diagnose';
import type { Resource } from '@portico/resources';
import { buildGraph } from './build-graph.js';
import type { GraphDocument } from '@portico/ui';
import { request, ROOT, startServer } from './ui.test-util.js';

const ROUTES = 1_000;

async function benchObjects(): Promise<Resource[]> {
  const module = (await import(pathToFileURL(join(ROOT, 'bench/generate-input.mjs')).href)) as { generateObjects(routes: number): Resource[] };
  return module.generateObjects(ROUTES);
}

it(`draws ${ROUTES} routes, and prints how long it takes`, async () => {
  const objects = await benchObjects();
  const input = offlineInput(objects, new Date());
  let started = performance.now();
  const report = runChecks(input, ALL_CHECKS);
  const diagnoseMs = performance.now() - started;
  started = performance.now();
  const offline = buildGraph(input, report, { version: 'v', translatedAt: '' });
  const graphMs = performance.now() - started;
  const count = (graph: GraphDocument, kind: string) => graph.nodes.filter((n) => n.kind === kind).length;
  expect([count(offline, 'HTTPRoute'), count(offline, 'Service'), count(offline, 'Listener')]).toEqual([ROUTES, ROUTES, 1]);
  expect(offline.totals.error + offline.totals.warning).toBe(0);
  expect(offline.edges.filter((e) => e.kind === 'backend')).toHaveLength(2 * ROUTES);

  const running = await startServer(objects);
  try {
    started = performance.now();
    const first = await request(running.adminPort, '/ui/api/graph');
    const firstMs = performance.now() - started;
    started = performance.now();
    const second = await request(running.adminPort, '/ui/api/graph');
    const cachedMs = performance.now() - started;
    expect(first.status).toBe(200);
    expect(second.body).toBe(first.body);
    const live = JSON.parse(first.body) as GraphDocument;
    expect(live.nodes.map((n) => n.id)).toEqual(offline.nodes.map((n) => n.id));
    // What a browser does: ask for gzip (fetch does), get the same document in a fraction of the bytes.
    started = performance.now();
    const compressed = await fetch(`${running.base}/ui/api/graph`);
    const text = await compressed.text();
    const gzipMs = performance.now() - started;
    expect(compressed.headers.get('content-encoding')).toBe('gzip');
    expect(text).toBe(first.body);
    const figures = {
      routes: ROUTES,
      nodes: live.nodes.length,
      edges: live.edges.length,
      offlineDiagnoseMs: Math.round(diagnoseMs),
      offlineGraphBuildMs: Math.round(graphMs),
      liveFirstGraphRequestMs: Math.round(firstMs),
      liveCachedGraphRequestMs: Math.round(cachedMs),
      documentBytes: Buffer.byteLength(first.body),
      liveCachedGzipRequestMs: Math.round(gzipMs),
      documentGzipBytes: Number(compressed.headers.get('content-length')),
    };
    process.stdout.write(`dashboard graph at ${ROUTES} routes: ${JSON.stringify(figures)}\n`);
  } finally {
    await running.server.shutdown();
  }
}, 60_000);
