/**
 * `portico serve` stays responsive while it translates 10,000 routes: with translation on the worker
 * (the default) the admin server answers /healthz throughout the first translation. No timing race:
 * what is asserted is an ordering (answers arrive while the server is not ready yet, i.e. before the
 * translation is published) and a generous bound on the median answer time; the latencies measured
 * are printed. The in-process path answers nothing until the translation ends: the same test on it
 * shows the difference (`--translate-in-process` is kept for debugging, not for serving).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import type { Resource } from '@portico/resources';
import { demoObjects, fakeProvider } from './fixtures.test-util.js';
import { createPorticoServer, type PorticoServer } from './portico-server.js';

const ROUTES = 10_000;

function routes(count: number): Resource[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: [`r${i % 500}.test`],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }], backendRefs: [{ name: 'echo', port: 9000 }] }],
    },
  }) as Resource);
}

/** /healthz polled one request at a time until `done`; each answer with its latency and whether the server was ready then. */
async function pollHealthz(port: () => number | undefined, server: PorticoServer, done: () => boolean): Promise<{ ms: number; ready: boolean }[]> {
  const answers: { ms: number; ready: boolean }[] = [];
  while (!done()) {
    const p = port();
    if (p === undefined) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${p}/healthz`).catch(() => undefined);
    if (response?.status === 200) answers.push({ ms: performance.now() - started, ready: server.readiness().ready });
  }
  return answers;
}

let server: PorticoServer | undefined;
afterEach(async () => {
  await server?.shutdown();
  server = undefined;
});

describe('portico serve while 10,000 routes translate', () => {
  it('answers /healthz during the first translation, on the worker', async () => {
    const objects = [...demoObjects(), ...routes(ROUTES)];
    server = createPorticoServer({ provider: fakeProvider(objects), xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', shutdownGraceMs: 200 });
    let started = false;
    const starting = server.start().then((s) => {
      started = true;
      return s;
    });
    // The admin server binds first, then the first snapshot is translated.
    const answers = await pollHealthz(() => server!.adminPort(), server, () => started);
    await starting;
    const during = answers.filter((a) => !a.ready).map((a) => a.ms).sort((a, b) => a - b);
    const at = (q: number) => Math.round(during[Math.min(during.length - 1, Math.floor(q * during.length))] ?? Number.NaN);
    console.log(`/healthz during the first translation of ${ROUTES} routes: ${during.length} answers, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(at(0.5)).toBeLessThan(1_000);
    expect(server.readiness().ready).toBe(true);
  }, 120_000);
});
