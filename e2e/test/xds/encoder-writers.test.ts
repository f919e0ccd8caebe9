/**
 * The encoder's own buffer writer (packages/envoy/src/buffer-writer.ts) gives the very bytes protobufjs's
 * Writer gives, for every resource of every translator golden case and of the benchmark's generated
 * inputs (bench/generate-input.mjs, generate-mixed.mjs: the shapes the encoder's fast paths were tuned
 * on): the same versions, the same config.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';
import { encodeMessage, RESOURCE_TYPES, type EncodeOptions } from '@portico/envoy';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const INPUTS = join(ROOT, 'testdata/translator');
const KIND = { listeners: 'listener', routes: 'route', clusters: 'cluster', endpoints: 'endpoint', secrets: 'secret' } as const;
const protobufjsWriter: EncodeOptions = { createWriter: () => protobuf.Writer.create() };

type XdsLists = ReturnType<typeof buildXds>;

/** Throws naming the first resource whose two encodings differ; the number of resources compared. */
function compareWriters(xds: XdsLists, what: string): number {
  let resources = 0;
  for (const [list, kind] of Object.entries(KIND) as [keyof typeof KIND, (typeof KIND)[keyof typeof KIND]][]) {
    for (const { name, resource } of xds[list]) {
      const ours = Buffer.from(encodeMessage(RESOURCE_TYPES[kind], resource));
      const theirs = Buffer.from(encodeMessage(RESOURCE_TYPES[kind], resource, protobufjsWriter));
      if (!ours.equals(theirs)) throw new Error(`${what}: ${kind} ${name} differs`);
      resources++;
    }
  }
  return resources;
}

interface Workload {
  objects: unknown[];
}

/** A benchmark generator (bench/*.mjs, plain JavaScript: imported by URL). */
async function benchWorkload(file: string, exported: string): Promise<(routes: number) => Workload> {
  const module = (await import(pathToFileURL(join(ROOT, 'bench', file)).href)) as Record<string, (routes: number) => Workload>;
  return module[exported]!;
}

describe('buffer writer = protobufjs Writer', () => {
  it('encodes every resource of the generated benchmark inputs to the same bytes', async () => {
    const { CONTROLLER_NAME } = (await import(pathToFileURL(join(ROOT, 'bench/objects.mjs')).href)) as { CONTROLLER_NAME: string };
    const inputs = [
      ['http', await benchWorkload('generate-input.mjs', 'httpWorkload')],
      ['mixed', await benchWorkload('generate-mixed.mjs', 'mixedWorkload')],
    ] as const;
    let resources = 0;
    for (const [scenario, workload] of inputs) {
      const resourceSet = ResourceSet.from(workload(300).objects as Parameters<typeof ResourceSet.from>[0]);
      for (const [gateway, ir] of translate(resourceSet, { controllerName: CONTROLLER_NAME, now: new Date(0) }).gateways) {
        resources += compareWriters(buildXds(ir, { proxyless: true }), `${scenario} ${gateway}`);
      }
    }
    expect(resources).toBeGreaterThan(600);
  });

  it('encodes every resource of every translator case to the same bytes', () => {
    let resources = 0;
    for (const file of readdirSync(INPUTS).filter((f) => f.endsWith('.in.yaml')).sort()) {
      const path = join(INPUTS, file);
      // Translator cases include objects the API server refuses (CEL rules, duplicate list keys): their translation is tested.
      const { objects } = parseResources(readFileSync(path, 'utf8'), path, { kubernetesRules: 'warn' });
      for (const ir of translate(ResourceSet.from(objects), { now: new Date(0) }).gateways.values()) {
        resources += compareWriters(buildXds(ir, { proxyless: true }), file);
      }
    }
    expect(resources).toBeGreaterThan(500);
  });
});
