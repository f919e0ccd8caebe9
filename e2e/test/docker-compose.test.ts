/**
 * docker-compose.yml without Docker: every file it names exists, the Dockerfile it builds copies what
 * exists, images are pinned, dependencies and networks resolve, each Envoy publishes exactly its
 * gateway's listeners, the backends sit at the addresses and ports the compose EndpointSlices give,
 * and the committed Envoy bootstraps are what `portico bootstrap` prints (UPDATE_GOLDEN=1 rewrites them).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '@portico/cli';
import { validateMessage, type Proto3Json } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import { loadResources, ResourceSet, type KubeObject } from '@portico/resources';
import { translate } from '@portico/translator';
import { parse } from 'yaml';
import {
  bindMounts,
  dependencies,
  exposedPorts,
  flagValue,
  inCidr,
  publishedPorts,
  readComposeFile,
  serviceNetworks,
  type ComposeService,
} from './support/compose-file.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const compose = readComposeFile(join(ROOT, 'docker-compose.yml'));
const services = Object.entries(compose.services);
const envoys = services.filter(([, s]) => s.image?.startsWith('envoyproxy/envoy:'));
const portico = compose.services.portico!;
const BACKENDS_FILE = '50-backends.yaml';
const COMPOSE_BACKENDS = 'deploy/compose/50-backends.yaml';

/** Where a bind mount's source is on the host. */
const hostPath = (source: string) => join(ROOT, source);

type Resources = Awaited<ReturnType<typeof loadResources>>['objects'];

/** What the tests read of a bootstrap. */
interface Bootstrap {
  node: { cluster: string };
  admin: { address: { socketAddress: { portValue: number } } };
  staticResources: { clusters: { loadAssignment: { endpoints: { lbEndpoints: { endpoint: { address: { socketAddress: unknown } } }[] }[] } }[] };
}

/** The resources Portico reads in compose: examples/ with the compose backends mounted over its own. */
async function composeResources(): Promise<Resources> {
  const files = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.yaml') && f !== BACKENDS_FILE)
    .map((f) => join(ROOT, 'examples', f));
  return (await loadResources([...files, join(ROOT, COMPOSE_BACKENDS)])).objects;
}

function gatewaysInCompose(objects: Resources): Map<string, GatewayIR> {
  return translate(ResourceSet.from(objects), { now: new Date(0) }).gateways;
}

/** An Envoy service's bootstrap: the file mounted where its `-c` points. */
function bootstrapOf(service: ComposeService): { file: string; bootstrap: Bootstrap } {
  const path = flagValue(service.command, '-c');
  const mount = bindMounts(service).find((m) => m.target === path);
  if (!mount) throw new Error(`no bind mount at ${path}`);
  const bootstrap = parse(readFileSync(hostPath(mount.source), 'utf8')) as Bootstrap;
  return { file: mount.source, bootstrap };
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: () => Promise.reject(new Error('no stdin')),
  };
  return { code: await main(argv, io), stdout, stderr };
}

describe('docker-compose.yml', () => {
  it('names only files and folders that exist, and builds from a Dockerfile', () => {
    for (const [name, service] of services) {
      for (const { source } of bindMounts(service)) {
        expect([name, source, existsSync(hostPath(source))]).toEqual([name, source, true]);
      }
      if (service.build !== undefined) {
        const build = typeof service.build === 'string' ? { context: service.build } : service.build;
        expect(existsSync(join(ROOT, build.context ?? '.', build.dockerfile ?? 'Dockerfile'))).toBe(true);
      }
    }
  });

  it("builds from a Dockerfile whose COPY sources exist in the build context", () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
    // The run-time stage starts what the compose service runs.
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "packages\/cli\/bin\/portico\.js"\]/);
    expect(portico.build).toBe('.');
  });

  it('pins every image to a version (no latest, no bare name)', () => {
    for (const [name, service] of services) {
      if (service.image === undefined) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/)]);
    }
  });

  it('depends only on services, and joins only networks, that exist', () => {
    for (const [, service] of services) {
      for (const dep of dependencies(service)) expect(Object.keys(compose.services)).toContain(dep);
      for (const network of serviceNetworks(service).keys()) expect(Object.keys(compose.networks ?? {})).toContain(network);
    }
    for (const [name] of envoys) expect(dependencies(compose.services[name]!)).toContain('portico');
  });

  it('gives the backends distinct fixed addresses in the subnet, outside the dynamic range', () => {
    const [pool] = compose.networks!.portico!.ipam!.config!;
    const fixed = services.flatMap(([, s]) => [...serviceNetworks(s).values()].filter((a): a is string => a !== undefined));
    expect(fixed.length).toBeGreaterThanOrEqual(6);
    expect(new Set(fixed).size).toBe(fixed.length);
    for (const address of fixed) {
      expect([address, inCidr(address, pool!.subnet!)]).toEqual([address, true]);
      expect([address, inCidr(address, pool!.ip_range!)]).toEqual([address, false]);
    }
  });

  it('runs portico serve on examples/ with the compose backends mounted over the local ones', () => {
    const resources = flagValue(portico.command, '--resources')!;
    const mounts = bindMounts(portico);
    expect(mounts).toContainEqual({ source: './examples', target: resources, readOnly: true });
    expect(mounts).toContainEqual({ source: `./${COMPOSE_BACKENDS}`, target: posix.join(resources, BACKENDS_FILE), readOnly: true });
    expect(existsSync(join(ROOT, 'examples', BACKENDS_FILE))).toBe(true);
    // Both servers listen on every interface of the container; the host reaches them on loopback only.
    expect(flagValue(portico.command, '--xds-address')).toBe('0.0.0.0:18000');
    expect(flagValue(portico.command, '--admin-address')).toBe('0.0.0.0:19000');
    expect(publishedPorts(portico)).toEqual([
      { hostIp: '127.0.0.1', host: 18000, container: 18000, protocol: 'tcp' },
      { hostIp: '127.0.0.1', host: 19000, container: 19000, protocol: 'tcp' },
    ]);
  });

  it('runs one Envoy per gateway of the examples, publishing exactly its listeners', async () => {
    const gateways = gatewaysInCompose(await composeResources());
    const served = new Set<string>();
    for (const [name, service] of envoys) {
      const { bootstrap } = bootstrapOf(service);
      const gateway = gateways.get(bootstrap.node.cluster);
      expect([name, bootstrap.node.cluster, gateway !== undefined]).toEqual([name, bootstrap.node.cluster, true]);
      served.add(bootstrap.node.cluster);
      const admin = bootstrap.admin.address.socketAddress.portValue;
      const published = publishedPorts(service);
      const listeners = gateway!.listeners.map((l) => `${l.port}/${l.type === 'UDP' ? 'udp' : 'tcp'}`).sort();
      expect([name, published.filter((p) => p.container !== admin).map((p) => `${p.container}/${p.protocol}`).sort()]).toEqual([name, listeners]);
      // Envoy's admin API can stop it and dumps its config: never beyond the host.
      expect(published.filter((p) => p.container === admin)).toEqual([{ hostIp: '127.0.0.1', host: admin, container: admin, protocol: 'tcp' }]);
      // Envoy dials Portico by its service name, on the port it serves xDS on.
      const cluster = bootstrap.staticResources.clusters[0]!;
      expect(cluster.loadAssignment.endpoints[0]!.lbEndpoints[0]!.endpoint.address.socketAddress).toEqual({ address: 'portico', portValue: 18000 });
    }
    expect([...served].sort()).toEqual([...gateways.keys()].sort());
    const hostPorts = services.flatMap(([, s]) => publishedPorts(s).map((p) => `${p.host}/${p.protocol}`));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('puts every backend at the address and port its compose EndpointSlice names', async () => {
    const byAddress = new Map(services.flatMap(([name, s]) => [...serviceNetworks(s).values()].filter(Boolean).map((a) => [a!, { name, s }] as const)));
    const slices = (await loadResources([join(ROOT, COMPOSE_BACKENDS)])).objects.filter((o) => o.kind === 'EndpointSlice') as (KubeObject & {
      metadata: { labels: Record<string, string> };
      ports: { port: number; protocol: string }[];
      endpoints: { addresses: string[] }[];
    })[];
    expect(slices).toHaveLength(6);
    for (const slice of slices) {
      const service = slice.metadata.labels['kubernetes.io/service-name']!;
      for (const address of slice.endpoints.flatMap((e) => e.addresses)) {
        const backend = byAddress.get(address);
        // The compose service is named like the Kubernetes Service it plays.
        expect([service, address, backend?.name]).toEqual([service, address, service]);
        for (const { port, protocol } of slice.ports) expect(exposedPorts(backend!.s)).toContain(`${port}/${protocol.toLowerCase()}`);
      }
    }
  });

  it('mounts backends that differ from the local ones only in where the endpoints listen', async () => {
    const load = async (file: string) => (await loadResources([join(ROOT, file)])).objects;
    // Everything but endpoint addresses, EndpointSlice port numbers and Service targetPorts.
    const shape = (objects: KubeObject[]) =>
      objects.map((object) => {
        const copy = structuredClone(object) as Record<string, any>;
        for (const port of copy.spec?.ports ?? []) delete port.targetPort;
        for (const port of copy.ports ?? []) delete port.port;
        for (const endpoint of copy.endpoints ?? []) delete endpoint.addresses;
        return copy;
      });
    expect(shape(await load(COMPOSE_BACKENDS))).toEqual(shape(await load(`examples/${BACKENDS_FILE}`)));
  });

  it("ships the Greeter definition grpcurl needs for the GRPCRoute's service (README walkthrough)", async () => {
    const proto = readFileSync(join(ROOT, 'deploy/compose/helloworld.proto'), 'utf8');
    const [pkg, service] = [/^package (\w+);/m.exec(proto)?.[1], /^service (\w+) \{/m.exec(proto)?.[1]];
    const routes = (await composeResources()).filter((o) => o.kind === 'GRPCRoute') as unknown as { spec: { rules: { matches: { method: { service: string } }[] }[] } }[];
    const services = routes.flatMap((r) => r.spec.rules.flatMap((rule) => rule.matches.map((m) => m.method.service)));
    expect(services).toEqual([`${pkg}.${service}`]);
  });

  it('resolves every backend of every gateway to a compose address', async () => {
    const [pool] = compose.networks!.portico!.ipam!.config!;
    for (const [name, ir] of gatewaysInCompose(await composeResources())) {
      for (const backend of ir.backends) {
        expect([name, backend.name, backend.endpoints.length > 0]).toEqual([name, backend.name, true]);
        for (const e of backend.endpoints) expect([backend.name, e.address, inCidr(e.address, pool!.subnet!)]).toEqual([backend.name, e.address, true]);
      }
    }
  });
});

describe('deploy/envoy bootstraps', () => {
  const dir = join(ROOT, 'deploy/envoy');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

  it('are all used by a compose Envoy', () => {
    expect(files.map((f) => `./deploy/envoy/${f}`).sort()).toEqual(envoys.map(([, s]) => bootstrapOf(s).file).sort());
  });

  it.each(files)('%s is what its "Generated by" command prints, and a valid Bootstrap', async (file) => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const command = /^# Generated by: portico (bootstrap .*)$/m.exec(text)?.[1];
    expect(command).toBeDefined();
    const { code, stdout, stderr } = await runCli(command!.split(' '));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    if (process.env.UPDATE_GOLDEN && stdout !== text) writeFileSync(path, stdout);
    else expect(text).toBe(stdout);
    expect(statSync(path).size).toBeGreaterThan(0);
    expect(validateMessage('envoy.config.bootstrap.v3.Bootstrap', parse(stdout) as Proto3Json)).toEqual([]);
  });
});
