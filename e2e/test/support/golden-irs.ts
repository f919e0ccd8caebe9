/**
 * The gateway IRs the xDS builder checks run over: every translator and xDS golden case, and the
 * benchmark's generated inputs (bench/generate-input.mjs, generate-mixed.mjs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `[case and gateway, IR]` for every golden input of `testdata/<suite>` (inputs given as IR or as objects). */
export function goldenIrs(suite: 'translator' | 'xds'): [string, GatewayIR][] {
  const dir = join(ROOT, 'testdata', suite);
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

/** `[workload and gateway, IR]` for both benchmark workloads at `routes` routes. */
export async function benchIrs(routes: number): Promise<[string, GatewayIR][]> {
  const { CONTROLLER_NAME } = (await import(pathToFileURL(join(ROOT, 'bench/objects.mjs')).href)) as { CONTROLLER_NAME: string };
  const out: [string, GatewayIR][] = [];
  for (const [file, exported] of [
    ['generate-input.mjs', 'httpWorkload'],
    ['generate-mixed.mjs', 'mixedWorkload'],
  ] as const) {
    const module = (await import(pathToFileURL(join(ROOT, 'bench', file)).href)) as Record<string, (routes: number) => { objects: unknown[] }>;
    const resourceSet = ResourceSet.from(module[exported]!(routes).objects as Parameters<typeof ResourceSet.from>[0]);
    for (const [gateway, ir] of translate(resourceSet, { controllerName: CONTROLLER_NAME, now: new Date(0) }).gateways) out.push([`${file} ${gateway}`, ir]);
  }
  return out;
}
