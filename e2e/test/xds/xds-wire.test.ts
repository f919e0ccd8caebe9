/**
 * Resources written straight from the IR (packages/xds/src/wire/, issue 15) against the JSON path, on
 * every translator and xDS golden input and on both benchmark workloads (bench/generate-input.mjs,
 * generate-mixed.mjs), for every gateway, in a one-build build and in a kept cache's fresh and warm
 * builds: each wire-built resource's bytes are `encodeMessage` of its lazily built JSON, byte for
 * byte; its references are what the consistency walk finds in that JSON; and for the xDS goldens the
 * lazy JSON is the committed output's. Every backend's cluster and endpoint set is wire-built, and on
 * the benchmark workloads every cluster takes the direct writer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { encodeMessage, RESOURCE_TYPES, TYPE_URLS } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, createXdsBuildCache, isDirectCluster, referencedNames, type NamedResource, type XdsResources } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Case {
  what: string;
  gateway: string;
  ir: GatewayIR;
  /** The committed xDS golden output of the gateway, for the xDS golden cases. */
  golden?: GoldenDump;
}

type GoldenDump = {
  clusters: { dynamicActiveClusters?: { cluster: Record<string, unknown> }[] };
  endpoints: { dynamicEndpointConfigs?: { endpointConfig: Record<string, unknown> }[] };
};

/** The names of one kind a resource references, sorted: the writer's, or the JSON walk's. */
function sortedNames(names: ReturnType<typeof referencedNames>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(names).map(([kind, set]) => [kind, [...(set as Set<string>)].sort()]));
}

/**
 * Checks every wire-built cluster and endpoint set of one build; returns how many there were. With
 * `golden`, the build is the goldens' own (`buildXds(ir)`, as gatewayConfigDump makes it) and each
 * lazy JSON is compared with the committed output.
 */
function checkWireResources(c: Case, xds: XdsResources, round: string, golden?: GoldenDump): { clusters: number; endpoints: number } {
  const where = (r: NamedResource) => `${c.what} ${c.gateway} (${round}) ${r.name}`;
  const count = { clusters: 0, endpoints: 0 };
  for (const [list, type, goldenOf] of [
    ['clusters', RESOURCE_TYPES.cluster, (name: string) => golden?.clusters.dynamicActiveClusters?.find((d) => d.cluster.name === name)?.cluster],
    ['endpoints', RESOURCE_TYPES.endpoint, (name: string) => golden?.endpoints.dynamicEndpointConfigs?.find((d) => d.endpointConfig.clusterName === name)?.endpointConfig],
  ] as const) {
    for (const r of xds[list]) {
      if (!r.bytes) continue;
      count[list]++;
      const json = r.resource;
      expect({ where: where(r), bytes: Buffer.from(r.bytes).toString('hex') }).toEqual({ where: where(r), bytes: Buffer.from(encodeMessage(type, json)).toString('hex') });
      // The JSON walk of the same resource without its references (a plain object: walked).
      const walked = referencedNames({ listeners: [], routes: [], clusters: list === 'clusters' ? [{ name: r.name, resource: json }] : [] });
      expect({ where: where(r), names: sortedNames(r.references!) }).toEqual({ where: where(r), names: sortedNames(walked) });
      if (golden) expect({ where: where(r), json: { '@type': TYPE_URLS[list === 'clusters' ? 'cluster' : 'endpoint'], ...json } }).toEqual({ where: where(r), json: goldenOf(r.name) });
    }
  }
  // Every backend with a cluster (UDP backends have none) has a wire-built one, and an endpoint set unless ExternalName.
  const streamBackends = c.ir.backends.filter((b) => b.protocol !== 'UDP');
  const wire = (list: NamedResource[]) => new Set(list.filter((r) => r.bytes).map((r) => r.name));
  const wireClusters = wire(xds.clusters);
  const wireEndpoints = wire(xds.endpoints);
  for (const b of streamBackends) {
    expect({ backend: b.name, cluster: wireClusters.has(b.name) }).toEqual({ backend: b.name, cluster: true });
    expect({ backend: b.name, endpoints: wireEndpoints.has(b.name) }).toEqual({ backend: b.name, endpoints: b.externalName === undefined });
  }
  return count;
}

function checkCase(c: Case): { clusters: number; endpoints: number } {
  if (c.golden) checkWireResources(c, buildXds(c.ir), 'as the goldens', c.golden);
  const count = checkWireResources(c, buildXds(c.ir, { proxyless: true }), 'one build');
  const cache = createXdsBuildCache();
  for (const round of ['fresh', 'warm']) checkWireResources(c, buildXds(c.ir, { proxyless: true, cache }), `kept cache, ${round}`);
  return count;
}

function goldenCases(dir: string): Case[] {
  const out: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort()) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const outPath = path.replace(/\.in\.yaml$/, '.out.yaml');
    const goldens = dir.endsWith('xds') ? ((parse(readFileSync(outPath, 'utf8')) as { xds: Record<string, GoldenDump> }).xds ?? {}) : undefined;
    const first = parse(text.split(/^---$/m)[0]!) as { ir?: Record<string, GatewayIR> } | null;
    let gateways: Iterable<[string, GatewayIR]>;
    if (first && typeof first === 'object' && first.ir) gateways = Object.entries(first.ir);
    else {
      // As the golden tests load them: objects the API server refuses still load, at the goldens' time.
      const { objects } = parseResources(text, path, { kubernetesRules: 'warn' });
      gateways = translate(ResourceSet.from(objects), { now: new Date('2026-01-01T00:00:00Z') }).gateways;
    }
    for (const [gateway, ir] of gateways) out.push({ what: file, gateway, ir, ...(goldens ? { golden: goldens[gateway]! } : {}) });
  }
  return out;
}

describe('wire-built clusters and endpoint sets = the JSON path', () => {
  it.each(['translator', 'xds'])('every %s golden case', (dir) => {
    const cases = goldenCases(join(ROOT, 'testdata', dir));
    expect(cases.length).toBeGreaterThan(20);
    let clusters = 0;
    for (const c of cases) clusters += checkCase(c).clusters;
    expect(clusters).toBeGreaterThan(100);
  });

  it('the benchmark workloads, every cluster written by the direct writer', async () => {
    const { CONTROLLER_NAME } = (await import(pathToFileURL(join(ROOT, 'bench/objects.mjs')).href)) as { CONTROLLER_NAME: string };
    for (const [file, exported] of [
      ['generate-input.mjs', 'httpWorkload'],
      ['generate-mixed.mjs', 'mixedWorkload'],
    ] as const) {
      const module = (await import(pathToFileURL(join(ROOT, 'bench', file)).href)) as Record<string, (routes: number) => { objects: unknown[] }>;
      const resourceSet = ResourceSet.from(module[exported]!(300).objects as Parameters<typeof ResourceSet.from>[0]);
      let backends = 0;
      for (const [gateway, ir] of translate(resourceSet, { controllerName: CONTROLLER_NAME, now: new Date(0) }).gateways) {
        const streamBackends = ir.backends.filter((b) => b.protocol !== 'UDP');
        expect({ gateway, notDirect: streamBackends.filter((b) => !isDirectCluster(b)).map((b) => b.name) }).toEqual({ gateway, notDirect: [] });
        backends += streamBackends.length;
        checkCase({ what: file, gateway, ir });
      }
      expect(backends).toBeGreaterThan(100);
    }
  });
});
