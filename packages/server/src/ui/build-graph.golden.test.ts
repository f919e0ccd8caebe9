/**
 * Golden tests of the dashboard's graph: the examples (`examples/*.yaml`, what `portico serve` loads by
 * default) and every `testdata/ui/<case>.in.yaml`, translated and diagnosed offline, drawn as
 * `<case>.graph.json`. `UPDATE_GOLDEN=1` rewrites the outputs and deletes those whose input is gone.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CHECKS, offlineInput, runChecks } from '@portico/diagnose';
import { parseResources, type Resource } from '@portico/resources';
import { buildGraph } from './build-graph.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DIR = join(ROOT, 'testdata/ui');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
/** After the examples' certificate's notBefore (2026-11-22), long before its notAfter. */
const NOW = new Date('2027-01-01T00:00:00Z');

function load(paths: string[]): Resource[] {
  return paths.flatMap((path) => parseResources(readFileSync(path, 'utf8'), path, { kubernetesRules: 'warn' }).objects);
}

export function goldenGraph(objects: Resource[]): string {
  const input = offlineInput(objects, NOW);
  const graph = buildGraph(input, runChecks(input, ALL_CHECKS), { version: 'golden', translatedAt: NOW.toISOString() });
  return `${JSON.stringify(graph, null, 2)}\n`;
}

const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(ROOT, 'examples', f));
const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();
const inputs: [string, string[]][] = [['examples', examples], ...cases.map((name): [string, string[]] => [name, [join(DIR, `${name}.in.yaml`)]])];

describe('dashboard graph golden files', () => {
  it.each(inputs)('%s', (name, paths) => {
    const actual = goldenGraph(load(paths));
    const outPath = join(DIR, `${name}.graph.json`);
    if (UPDATE) writeFileSync(outPath, actual);
    expect(existsSync(outPath)).toBe(true);
    expect(actual).toEqual(readFileSync(outPath, 'utf8'));
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      const names = new Set(inputs.map(([name]) => name));
      for (const f of readdirSync(DIR).filter((f) => f.endsWith('.graph.json'))) {
        if (!names.has(f.slice(0, -'.graph.json'.length))) unlinkSync(join(DIR, f));
      }
    });
  }
});
