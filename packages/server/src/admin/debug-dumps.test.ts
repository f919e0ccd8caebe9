import { documentChunks } from './document-chunks.js';
import { createDebugDumps } from './debug-dumps.js';
import type { DebugView } from './debug-views.js';

/** A view over a document the test swaps, counting how often it is printed. */
function fakeView(initial: { version: string | undefined; document: unknown }) {
  const state = { ...initial, renders: 0 };
  const view: DebugView = {
    version: () => state.version,
    render: () => {
      state.renders++;
      const document = state.document;
      return { status: 200, chunks: (format) => documentChunks(document, format) };
    },
  };
  return { view, state };
}

const text = (result: Awaited<ReturnType<ReturnType<typeof createDebugDumps>['dump']>>) => {
  if (result.status !== 200) throw new Error(result.error);
  return Buffer.concat(result.body).toString('utf8');
};

describe('createDebugDumps', () => {
  it('serves the same bytes for the same version, and prints again for a new one', async () => {
    const dumps = createDebugDumps();
    const { view, state } = fakeView({ version: 'v1', document: { routes: ['a', 'b'] } });
    const first = await dumps.dump('/debug/xds', view, undefined, 'yaml');
    const again = await dumps.dump('/debug/xds', view, undefined, 'yaml');
    expect(text(first)).toBe('routes:\n- a\n- b\n');
    // The very same buffers: nothing printed twice.
    expect(again.status === 200 && first.status === 200 && again.body[0] === first.body[0]).toBe(true);
    expect(state.renders).toBe(1);
    // Another format or gateway is another dump.
    expect(text(await dumps.dump('/debug/xds', view, undefined, 'json'))).toBe('{\n  "routes": [\n    "a",\n    "b"\n  ]\n}\n');
    expect(state.renders).toBe(2);

    state.version = 'v2';
    state.document = { routes: ['c'] };
    expect(text(await dumps.dump('/debug/xds', view, undefined, 'yaml'))).toBe('routes:\n- c\n');
    expect(state.renders).toBe(3);
    expect(dumps.figures()).toMatchObject({ renderings: 3, cacheHits: 1, cachedDumps: 2 });
  });

  it('shares one rendering between concurrent requests for the same dump', async () => {
    const dumps = createDebugDumps();
    const { view, state } = fakeView({ version: 'v1', document: { list: Array.from({ length: 500 }, (_, i) => ({ i })) } });
    const results = await Promise.all(Array.from({ length: 10 }, () => dumps.dump('/debug/ir', view, 'default/gw', 'yaml')));
    expect(state.renders).toBe(1);
    expect(new Set(results.map(text)).size).toBe(1);
  });

  it('prints views without a version every time, never caching them', async () => {
    const dumps = createDebugDumps();
    const { view, state } = fakeView({ version: undefined, document: { clients: [] } });
    await dumps.dump('/debug/clients', view, undefined, 'json');
    await dumps.dump('/debug/clients', view, undefined, 'json');
    expect(state.renders).toBe(2);
    expect(dumps.figures().cachedDumps).toBe(0);
  });

  it('limits the dumps in flight; a released slot is free again', () => {
    const dumps = createDebugDumps({ maxInFlight: 2 });
    const a = dumps.acquire();
    const b = dumps.acquire();
    expect(a && b).toBeDefined();
    expect(dumps.acquire()).toBeUndefined();
    a!();
    a!(); // released once only
    const c = dumps.acquire();
    expect(c).toBeDefined();
    expect(dumps.acquire()).toBeUndefined();
    expect(dumps.figures().inFlight).toBe(2);
  });

  it('keeps at most cacheBytes of dumps, the least recently used going first', async () => {
    const dumps = createDebugDumps({ cacheBytes: 40 });
    const views = ['a', 'b', 'c'].map((name) => fakeView({ version: 'v1', document: { name: name.repeat(10) } }));
    for (const [i, { view }] of views.entries()) await dumps.dump(`/debug/${i}`, view, undefined, 'yaml');
    // Each dump is 17 bytes ("name: aaaaaaaaaa\n"): two fit.
    expect(dumps.figures()).toMatchObject({ cachedDumps: 2, cachedBytes: 34 });
    await dumps.dump('/debug/0', views[0]!.view, undefined, 'yaml');
    expect(views[0]!.state.renders).toBe(2);
    await dumps.dump('/debug/2', views[2]!.view, undefined, 'yaml');
    expect(views[2]!.state.renders).toBe(1);
    // A dump larger than the whole cache is served, not kept.
    const huge = fakeView({ version: 'v1', document: { name: 'x'.repeat(100) } });
    expect(text(await dumps.dump('/debug/huge', huge.view, undefined, 'yaml'))).toContain('xxx');
    expect(dumps.figures().cachedBytes).toBeLessThanOrEqual(40);
  });
});
