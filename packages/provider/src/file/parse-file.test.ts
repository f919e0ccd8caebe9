/**
 * The worker thread parser. It runs the compiled worker (dist/file/parse-worker.js): `npm test` builds
 * first; run `npx tsc -b` before running this file alone.
 */
import { existsSync } from 'node:fs';
import { jest } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { ResourceLoadError } from '@portico/resources';
import { createWorkerParser, OBJECTS_PER_SLICE, parseText } from './parse-file.js';

const script = new URL('../../dist/file/parse-worker.js', import.meta.url);
const route = (i: number) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-${i}, namespace: default}
spec:
  parentRefs: [{name: eg}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /r${i}}}]
    backendRefs: [{name: backend, port: 80}]
`;

// Parsing hundreds of documents twice (worker, then inline to compare) takes seconds on a loaded machine.
jest.setTimeout(30_000);

describe('the worker parser', () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(script))) throw new Error(`${fileURLToPath(script)} is missing: run npx tsc -b first`);
  });

  it('parses large texts on its thread to the same objects, and keeps the event loop free', async () => {
    // More objects than one slice of the answer: this thread reads them over several turns.
    const text = Array.from({ length: 2 * OBJECTS_PER_SLICE + 1 }, (_, i) => route(i)).join('');
    const parser = createWorkerParser({ script, minLength: 1000 });
    try {
      await parser.parse(route(0), 'warm-up.yaml'); // worker start and schema compile
      // Timers keep firing while the worker parses; an inline parse would let none run until it is done.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      let parsed;
      try {
        parsed = await parser.parse(text, 'routes.yaml');
      } finally {
        clearInterval(ticker);
      }
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect(parsed).toEqual(parseText(text, 'routes.yaml'));
      expect(parsed.objects).toHaveLength(2 * OBJECTS_PER_SLICE + 1);
    } finally {
      await parser.close();
    }
  });

  it('rejects with the ResourceLoadError the inline parse would throw', async () => {
    const parser = createWorkerParser({ script, minLength: 0 });
    try {
      const text = route(1).replace('port: 80', 'port: "80"');
      const error = await parser.parse(text, 'bad.yaml').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceLoadError);
      expect((error as ResourceLoadError).message).toBe(
        'bad.yaml: document 1 (HTTPRoute default/route-1): spec.rules[0].backendRefs[0].port: must be integer (got string "80")',
      );
    } finally {
      await parser.close();
    }
  });

  it('a parse that runs out of the worker heap fails alone; the next one gets a new worker', async () => {
    // A fresh worker needs ~18 MiB to parse one route (the schemas, ajv, the CEL evaluator and rules).
    const parser = createWorkerParser({ script, minLength: 0, maxHeapMiB: 24 });
    try {
      // 20k small documents: far more than 24 MiB of parsed YAML.
      const huge = Array.from({ length: 20_000 }, (_, i) => route(i)).join('');
      await expect(parser.parse(huge, 'huge.yaml')).rejects.toThrow(/^huge\.yaml: /);
      await expect(parser.parse(route(2), 'small.yaml')).resolves.toMatchObject({ objects: [{ metadata: { name: 'route-2' } }] });
    } finally {
      await parser.close();
    }
  });

  it('ends an idle worker (its heap would keep the garbage of the parses it did) and starts another for the next large file', async () => {
    const events: string[] = [];
    let ended!: () => void;
    const endedOnce = new Promise<void>((resolve) => (ended = resolve));
    const parser = createWorkerParser({ script, minLength: 0, idleMs: 50, onWorker: (event) => { events.push(event); if (event === 'ended') ended(); } });
    try {
      await parser.parse(route(1), 'one.yaml');
      await parser.parse(route(2), 'two.yaml');
      expect(events).toEqual(['started']);
      await endedOnce;
      await expect(parser.parse(route(3), 'three.yaml')).resolves.toMatchObject({ objects: [{ metadata: { name: 'route-3' } }] });
      expect(events).toEqual(['started', 'ended', 'started']);
    } finally {
      await parser.close();
    }
  });
});
