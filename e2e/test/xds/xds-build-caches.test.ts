/**
 * A build without a cache of its own (`buildXds(ir)`: a one-build, transient cache whose memos are
 * Maps, which keeps no IR route's or backend's JSON and walks routes straight into their host for
 * the consistency check) gives exactly what a build with a kept cache gives, fresh and warm: the same
 * resources, the same bytes and versions (constant sub-messages included), the same references and
 * consistency problems. Checked on every translator and xDS golden case and on the benchmark's
 * generated inputs (bench/generate-input.mjs, generate-mixed.mjs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, consistencyProblems, createXdsBuildCache, encodeResources, referencedNames, type EncodedResources, type XdsResources } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const LISTS = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;

/** What a build gives, in a form `toEqual` compares whole: JSON, bytes, versions, references, problems. */
function outcome(xds: XdsResources, encoded: EncodedResources, problems: string[]): unknown {
  const names = referencedNames(xds);
  return {
    lists: LISTS.map((list) => encoded[list].map((r) => [r.name, r.version, Buffer.from(r.bytes).toString('base64'), JSON.stringify(r.resource)])),
    references: Object.fromEntries(Object.entries(names).map(([kind, set]) => [kind, [...(set as Set<string>)].sort()])),
    problems: [...problems].sort(),
  };
}

function compareCaches(ir: GatewayIR, what: string): void {
  const transient = buildXds(ir, { proxyless: true });
  const expected = outcome(transient, encodeResources(transient), consistencyProblems(transient));
  const cache = createXdsBuildCache();
  const encodeCache = new WeakMap<object, Uint8Array>();
  for (const round of ['fresh', 'warm']) {
    const kept = buildXds(ir, { proxyless: true, cache });
    const got = outcome(kept, encodeResources(kept, encodeCache), consistencyProblems(kept, cache));
    try {
      expect(got).toEqual(expected);
    } catch (error) {
      throw new Error(`${what} (${round} kept cache): ${(error as Error).message}`);
    }
  }
}

function goldenIrs(dir: string): [string, GatewayIR][] {
  const out: [string, GatewayIR][] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort()) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const first = parse(text.split(/^---$/m)[0]!) as { ir?: Record<string, GatewayIR> } | null;
    if (first && typeof first === 'object' && first.ir) {
      for (const [name, ir] of Object.entries(first.ir)) out.push([`${file} ${name}`, ir]);
      continue;
    }
    // Golden inputs may hold objects the API server refuses (the goldens load them the same way).
    const { objects } = parseResources(text, path, { kubernetesRules: 'warn' });
    for (const [name, ir] of translate(ResourceSet.from(objects), { now: new Date(0) }).gateways) out.push([`${file} ${name}`, ir]);
  }
  return out;
}

describe('one-build cache = kept cache', () => {
  it.each(['translator', 'xds'])('every %s golden case', (dir) => {
    const irs = goldenIrs(join(ROOT, 'testdata', dir));
    expect(irs.length).toBeGreaterThan(20);
    for (const [what, ir] of irs) compareCaches(ir, what);
  });

  it('the generated benchmark inputs', async () => {
    const { CONTROLLER_NAME } = (await import(pathToFileURL(join(ROOT, 'bench/objects.mjs')).href)) as { CONTROLLER_NAME: string };
    for (const [file, exported] of [
      ['generate-input.mjs', 'httpWorkload'],
      ['generate-mixed.mjs', 'mixedWorkload'],
    ] as const) {
      const module = (await import(pathToFileURL(join(ROOT, 'bench', file)).href)) as Record<string, (routes: number) => { objects: unknown[] }>;
      const resourceSet = ResourceSet.from(module[exported]!(300).objects as Parameters<typeof ResourceSet.from>[0]);
      for (const [gateway, ir] of translate(resourceSet, { controllerName: CONTROLLER_NAME, now: new Date(0) }).gateways) compareCaches(ir, `${file} ${gateway}`);
    }
  });
});
