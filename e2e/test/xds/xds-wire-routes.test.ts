/**
 * Issue 15 item 2, the proof for resources written straight from the IR (packages/xds/src/wire):
 * on every translator and xDS golden case and both benchmark workloads, for every gateway, each
 * resource that carries its own bytes
 * - has exactly the bytes the JSON encoder makes of its (lazily built) JSON, byte for byte;
 * - references exactly the names the consistency walk finds in that JSON;
 * and the JSON itself is what the JSON path gave before: the golden tests (xds-golden, the
 * translator goldens) compare it with the committed outputs. Every route table (Envoy's and proxyless clients') is wire-built, and on
 * the benchmark workloads every IR route takes the direct writer (none is encoded from its JSON).
 * Checked for a one-build cache and for a kept cache, fresh and warm (bytes reused across builds).
 * Clusters and endpoint sets (wire/cluster-wire.ts, endpoints-wire.ts): every stream backend's are
 * wire-built, their lazy JSON is the committed xDS golden output's, and on the benchmark workloads
 * every backend's cluster takes the direct writer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { encodeMessage, RESOURCE_TYPES, TYPE_URLS, type ResourceKind } from '@portico/envoy';
import { listenerHTTPRoutes, type GatewayIR } from '@portico/ir';
import { buildXds, createXdsBuildCache, isDirectCluster, isDirectRoute, referencedNames, type NamedResource, type XdsResources } from '@portico/xds';
import { benchIrs, goldenIrs, ROOT } from '../support/golden-irs.js';

const KINDS: [keyof Omit<XdsResources, 'namedOnly'>, ResourceKind][] = [
  ['listeners', 'listener'],
  ['routes', 'route'],
  ['clusters', 'cluster'],
  ['endpoints', 'endpoint'],
  ['secrets', 'secret'],
];

/** The names walking `r`'s JSON finds (a plain object: no bytes, no references of its own), sorted per kind. */
function walkedNames(list: string, r: NamedResource): Record<string, string[]> {
  const plain = [{ name: r.name, resource: r.resource }];
  const names = referencedNames({ listeners: list === 'listeners' ? plain : [], routes: list === 'routes' ? plain : [], clusters: list === 'clusters' ? plain : [] });
  return sortedNames(names);
}

function sortedNames(names: object): Record<string, string[]> {
  return Object.fromEntries(Object.entries(names).map(([kind, set]) => [kind, [...(set as Set<string>)].sort()]));
}

/** Checks every wire-built resource of one build; returns how many route tables were wire-built. */
function checkBuild(xds: XdsResources, what: string): number {
  let tables = 0;
  for (const [list, kind] of KINDS) {
    for (const r of xds[list]) {
      if (!r.bytes) {
        if (list === 'routes') throw new Error(`${what}: route table ${r.name} is not wire-built`);
        continue;
      }
      if (list === 'routes') tables++;
      const json = r.resource;
      const expected = encodeMessage(RESOURCE_TYPES[kind], json);
      if (Buffer.compare(Buffer.from(r.bytes), Buffer.from(expected)) !== 0) throw new Error(`${what}: ${list} ${r.name}: the wire bytes differ from the encoded JSON`);
      expect({ what, name: r.name, references: sortedNames(r.references!) }).toEqual({ what, name: r.name, references: walkedNames(list, r) });
    }
  }
  return tables;
}

function checkGateway(ir: GatewayIR, what: string): void {
  checkBuild(buildXds(ir, { proxyless: true }), `${what} (one-build cache)`);
  const cache = createXdsBuildCache();
  for (const round of ['fresh', 'warm']) checkBuild(buildXds(ir, { proxyless: true, cache }), `${what} (kept cache, ${round})`);
}

describe('wire-built route tables', () => {
  it.each(['translator', 'xds'] as const)('every %s golden case: bytes and references match the JSON', (suite) => {
    const irs = goldenIrs(suite);
    expect(irs.length).toBeGreaterThan(20);
    for (const [what, ir] of irs) checkGateway(ir, what);
  });

  it('both benchmark workloads: bytes and references match the JSON, every route written directly', async () => {
    let routes = 0;
    let tables = 0;
    for (const [what, ir] of await benchIrs(300)) {
      checkGateway(ir, what);
      tables += checkBuild(buildXds(ir), what);
      for (const listener of ir.listeners) {
        for (const route of listenerHTTPRoutes(listener)) {
          routes++;
          if (!isDirectRoute(route)) throw new Error(`${what}: route ${route.name} is not in the direct writer's shape`);
        }
      }
    }
    // Both workloads have HTTP (and HTTPS) route tables full of routes: the count proves the loop ran.
    expect(tables).toBeGreaterThan(2);
    expect(routes).toBeGreaterThan(400);
  });
});

/** A gateway's clusters and endpoint sets as a committed xDS golden output holds them (config-dump sections). */
interface GoldenClusters {
  clusters: { dynamicActiveClusters?: { cluster: Record<string, unknown> }[] };
  endpoints: { dynamicEndpointConfigs?: { endpointConfig: Record<string, unknown> }[] };
}

/** Every stream backend (UDP ones have no cluster) has a wire-built cluster, and a wire-built endpoint set unless ExternalName. */
function expectBackendsWireBuilt(ir: GatewayIR, xds: XdsResources, what: string): void {
  const wire = (list: NamedResource[]) => new Set(list.filter((r) => r.bytes).map((r) => r.name));
  const clusters = wire(xds.clusters);
  const endpoints = wire(xds.endpoints);
  for (const b of ir.backends.filter((b) => b.protocol !== 'UDP')) {
    expect({ what, backend: b.name, cluster: clusters.has(b.name), endpoints: endpoints.has(b.name) }).toEqual({ what, backend: b.name, cluster: true, endpoints: b.externalName === undefined });
  }
}

describe('wire-built clusters and endpoint sets', () => {
  it('every xds golden case: the lazy JSON is the committed output', () => {
    let compared = 0;
    for (const [what, ir] of goldenIrs('xds')) {
      const [file, gateway] = [what.slice(0, what.indexOf(' ')), what.slice(what.indexOf(' ') + 1)];
      const golden = (parse(readFileSync(join(ROOT, 'testdata/xds', file.replace(/\.in\.yaml$/, '.out.yaml')), 'utf8')) as { xds: Record<string, GoldenClusters> }).xds[gateway]!;
      // The goldens' own build (gatewayConfigDump: no proxyless resources, which may add special clusters).
      const xds = buildXds(ir);
      expectBackendsWireBuilt(ir, xds, what);
      for (const r of xds.clusters.filter((c) => c.bytes)) {
        const committed = golden.clusters.dynamicActiveClusters?.find((d) => d.cluster.name === r.name)?.cluster;
        expect({ what, json: { '@type': TYPE_URLS.cluster, ...r.resource } }).toEqual({ what, json: committed });
        compared++;
      }
      for (const r of xds.endpoints.filter((e) => e.bytes)) {
        const committed = golden.endpoints.dynamicEndpointConfigs?.find((d) => d.endpointConfig.clusterName === r.name)?.endpointConfig;
        expect({ what, json: { '@type': TYPE_URLS.endpoint, ...r.resource } }).toEqual({ what, json: committed });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('both benchmark workloads: every backend cluster written directly', async () => {
    let backends = 0;
    for (const [what, ir] of await benchIrs(300)) {
      const streamBackends = ir.backends.filter((b) => b.protocol !== 'UDP');
      expect({ what, notDirect: streamBackends.filter((b) => !isDirectCluster(b)).map((b) => b.name) }).toEqual({ what, notDirect: [] });
      expectBackendsWireBuilt(ir, buildXds(ir, { proxyless: true }), what);
      backends += streamBackends.length;
    }
    expect(backends).toBeGreaterThan(300);
  });
});
