/**
 * The encoder's own buffer writer (packages/envoy/src/buffer-writer.ts) gives the very bytes protobufjs's
 * Writer gives, for every resource of every translator golden case: the same versions, the same config.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { encodeMessage, RESOURCE_TYPES, type EncodeOptions } from '@portico/envoy';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INPUTS = join(ROOT, 'testdata/translator');
const KIND = { listeners: 'listener', routes: 'route', clusters: 'cluster', endpoints: 'endpoint', secrets: 'secret' } as const;
const protobufjsWriter: EncodeOptions = { createWriter: () => protobuf.Writer.create() };

describe('buffer writer = protobufjs Writer', () => {
  it('encodes every resource of every translator case to the same bytes', () => {
    let resources = 0;
    for (const file of readdirSync(INPUTS).filter((f) => f.endsWith('.in.yaml')).sort()) {
      const path = join(INPUTS, file);
      // Translator cases include objects the API server refuses (CEL rules, duplicate list keys): their translation is tested.
      const { objects } = parseResources(readFileSync(path, 'utf8'), path, { kubernetesRules: 'warn' });
      for (const ir of translate(ResourceSet.from(objects), { now: new Date(0) }).gateways.values()) {
        const xds = buildXds(ir, { proxyless: true });
        for (const [list, kind] of Object.entries(KIND) as [keyof typeof KIND, (typeof KIND)[keyof typeof KIND]][]) {
          for (const { name, resource } of xds[list]) {
            const ours = Buffer.from(encodeMessage(RESOURCE_TYPES[kind], resource));
            const theirs = Buffer.from(encodeMessage(RESOURCE_TYPES[kind], resource, protobufjsWriter));
            if (!ours.equals(theirs)) throw new Error(`${file}: ${kind} ${name} differs`);
            resources++;
          }
        }
      }
    }
    expect(resources).toBeGreaterThan(500);
  });
});
