/**
 * Determinism of the whole pipeline (resources → IR → xDS): the same input always gives the same
 * config dump, byte for byte, version hashes included. Envoy is re-sent (and re-warms) whatever
 * changes version, so an unstable order or a hash over unstable bytes would make every resync
 * drain listeners and clusters for nothing. Checked on every xDS golden input, translated twice from
 * scratch and once with its documents in reverse order (the order objects come from the API server
 * or from files must not matter), and on random resource sets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { formatDocument, type GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet, type KubeObject } from '@portico/resources';
import { translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import { resourceSetObjects } from '../../../packages/translator/src/arbitraries.test-util.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/xds');
const NOW = new Date('2026-01-01T00:00:00Z');
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);

const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

/** The IR document of a case, or undefined when the case is Gateway API / Ingress resources. */
function irOf(text: string): Record<string, GatewayIR> | undefined {
  const first = parse(text.split(/^---$/m)[0]!) as { ir?: Record<string, GatewayIR> } | null;
  return first && typeof first === 'object' && first.ir ? first.ir : undefined;
}

function dumpAll(gateways: Iterable<[string, GatewayIR]>): string {
  const xds: Record<string, unknown> = {};
  for (const [name, ir] of gateways) xds[name] = gatewayConfigDump(ir).dump;
  return formatDocument({ xds }, 'yaml');
}

function translateObjects(objects: KubeObject[]): Map<string, GatewayIR> {
  return translate(ResourceSet.from(objects as never), { now: NOW }).gateways;
}

/**
 * The objects a ResourceSet keeps (the last of each kind and key, as an API server has only one),
 * in input order: generated sets may repeat a key, and which copy wins is not an ordering question.
 */
function distinct(objects: KubeObject[]): KubeObject[] {
  const last = new Map<string, number>();
  objects.forEach((o, i) => last.set(`${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`, i));
  return objects.filter((o, i) => last.get(`${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`) === i);
}

describe('xDS determinism', () => {
  it.each(cases)('%s: same input, same dump', (name) => {
    const path = join(DIR, `${name}.in.yaml`);
    const text = readFileSync(path, 'utf8');
    const ir = irOf(text);
    if (ir) {
      // Two fresh copies of the IR; building xDS must not modify its input either.
      const before = JSON.stringify(ir);
      const first = dumpAll(Object.entries(structuredClone(ir)));
      const input = structuredClone(ir);
      const second = dumpAll(Object.entries(input));
      expect(second).toEqual(first);
      expect(JSON.stringify(input)).toEqual(before);
      return;
    }
    // Golden inputs may hold objects the API server refuses (the xDS goldens load them the same way).
    const first = dumpAll(translateObjects(parseResources(text, path, { kubernetesRules: 'warn' }).objects));
    const second = dumpAll(translateObjects(parseResources(text, path, { kubernetesRules: 'warn' }).objects));
    expect(second).toEqual(first);
    const reversed = dumpAll(translateObjects([...parseResources(text, path, { kubernetesRules: 'warn' }).objects].reverse()));
    expect(reversed).toEqual(first);
  });

  it('random resource sets give the same dump twice and in any document order', () => {
    fc.assert(
      fc.property(resourceSetObjects, (objects) => {
        const list = distinct(objects);
        const first = dumpAll(translateObjects(structuredClone(list)));
        expect(dumpAll(translateObjects(structuredClone(list)))).toEqual(first);
        expect(dumpAll(translateObjects(structuredClone(list).reverse()))).toEqual(first);
      }),
      { numRuns: RUNS },
    );
  });
});
