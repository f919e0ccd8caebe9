import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { debugViews, irOfResult, RecentLogs, servedConfigDumps, type DebugData } from '@portico/server';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { extract } from 'tar-stream';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';
import { parseDiagnoseArgs } from './diagnose-args.js';
import { runDiagnose } from './diagnose.js';
import type { Fetch } from '../translate/dump.js';

const CERTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../testdata/certs');
const SECRET = readFileSync(join(CERTS, 'secret-example.com.yaml'), 'utf8');
const KEY_PEM = readFileSync(join(CERTS, 'example.com.key'), 'utf8');
const CERT_PEM = readFileSync(join(CERTS, 'example.com.crt'), 'utf8');

const CLASS = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: portico }\nspec: { controllerName: portico.dev/gateway-controller }\n';
const gateway = (name: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${name}, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, protocol: HTTP, port: 80 }
  - name: https
    protocol: HTTPS
    port: 443
    hostname: www.example.com
    tls: { certificateRefs: [{ name: example.com-tls }] }
`;
const route = (name: string, parent: string, hostname: string, sectionName = 'https') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: default }
spec:
  parentRefs: [{ name: ${parent}, sectionName: ${sectionName} }, { name: ${parent}, sectionName: http }]
  hostnames: [${hostname}]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: default }\nspec: { ports: [{ port: 80 }] }\n';
/** The Service's ready endpoint: without one every request to it gets 503 (the Backend link's FAIL). */
const ENDPOINTS = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-x, namespace: default, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: "", port: 8080 }]
endpoints: [{ addresses: [10.0.0.9], conditions: { ready: true } }]
`;

/** Both listeners have a route: all OK. */
const HEALTHY = [CLASS, gateway('eg'), route('web', 'eg', 'www.example.com'), SECRET, SERVICE, ENDPOINTS].join('---\n');
/** Gateway "broken": its route asks the HTTPS listener for a hostname it does not serve (FAIL). */
const BROKEN = [HEALTHY, gateway('broken'), route('lost', 'broken', 'shop.example.org')].join('---\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-diagnose-'));
  writeFileSync(join(dir, 'healthy.yaml'), HEALTHY);
  writeFileSync(join(dir, 'broken.yaml'), BROKEN);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { io: CliIO; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, readStdin: () => Promise.resolve(BROKEN) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function diagnose(argv: string[]) {
  const out = capture();
  const code = await main(['diagnose', ...argv], out.io);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/** Every file of a .tar.gz, by name. */
async function untar(path: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(entry.header.name.replace(/^[^/]+\//, ''), Buffer.concat(chunks).toString('utf8'));
    }
  })();
  reader.end(gunzipSync(readFileSync(path)));
  await done;
  return files;
}

describe('portico diagnose (files)', () => {
  it('exits 0 when everything is OK, and prints the table', async () => {
    const { code, stdout } = await diagnose(['-f', join(dir, 'healthy.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toContain('Gateway default/eg\n');
    expect(stdout).toMatch(/0 failed, 0 warnings, \d+ ok\n$/);
  });

  it('exits 2 on failures, and --gateway narrows the report to one Gateway', async () => {
    const all = await diagnose(['--resources', dir, '-o', 'json']);
    expect(all.code).toBe(2);
    const broken = await diagnose(['-f', join(dir, 'broken.yaml'), '--gateway', 'default/broken', '-o', 'json']);
    expect(broken.code).toBe(2);
    const report = JSON.parse(broken.stdout);
    expect(Object.keys(report).sort()).toEqual(['exitCode', 'findings', 'gateway', 'summary']);
    expect(report.gateway).toBe('default/broken');
    expect(new Set(report.findings.map((f: { gateway?: string }) => f.gateway))).toEqual(new Set(['default/broken']));
    const fail = report.findings.find((f: { level: string }) => f.level === 'FAIL');
    expect(fail).toMatchObject({ link: 'Route', code: 'NoMatchingListenerHostname', object: { kind: 'HTTPRoute', namespace: 'default', name: 'lost' }, field: 'spec.parentRefs[0]' });
    expect(fail.fix).toContain('www.example.com');
  });

  it('exits 1 on warnings only', async () => {
    const onlyWarnings = [CLASS, gateway('eg'), SECRET].join('---\n');
    writeFileSync(join(dir, 'warnings.yaml'), onlyWarnings);
    const { code, stdout } = await diagnose(['-f', join(dir, 'warnings.yaml'), '-o', 'yaml']);
    expect(code).toBe(1);
    expect(stdout).toContain('code: NoRoutesAttached');
    rmSync(join(dir, 'warnings.yaml'));
  });

  it('reads standard input, and leaves out a document that does not load (exit code at least 1)', async () => {
    // Standard input holds BROKEN, whose Gateway default/eg is healthy.
    const { code, stderr } = await diagnose(['-f', '-', '--gateway', 'default/eg']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    writeFileSync(join(dir, 'bad.yaml'), `${HEALTHY}---\napiVersion: v1\nkind: Service\nmetadata: { name: x, namespace: default }\nspec: { ports: [{ port: many }] }\n`);
    const bad = await diagnose(['-f', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('(left out)');
    rmSync(join(dir, 'bad.yaml'));
  });

  it.each([
    [[], 'say where the objects come from'],
    [['-f', 'a.yaml', '--admin', 'localhost:1'], '-f and --admin cannot be combined'],
    [['-f', 'a.yaml', '-o', 'xml'], "invalid --output 'xml'"],
    [['-f', 'a.yaml', '--gateway', 'demo'], "invalid --gateway 'demo'"],
    [['-f', 'a.yaml', '--bogus'], "unknown option '--bogus'"],
    [['--admin', 'localhost:1', '--controller-name', 'x'], '--controller-name'],
  ])('exits 3 on a usage error: %j', async (argv, message) => {
    const { code, stderr } = await diagnose(argv as string[]);
    expect(code).toBe(3);
    expect(stderr).toContain(message);
  });

  it('exits 3 for a file that cannot be read and for a Gateway that does not exist', async () => {
    const missing = await diagnose(['-f', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.yaml');
    const unknown = await diagnose(['-f', join(dir, 'healthy.yaml'), '--gateway', 'default/nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("no Gateway 'default/nope' (known: default/eg)");
  });

  it('writes a bundle with the report, statuses, IR and xDS, and no key or certificate material', async () => {
    const bundle = join(dir, 'evidence.tar.gz');
    const { code, stderr } = await diagnose(['-f', join(dir, 'broken.yaml'), '--bundle', bundle]);
    expect(code).toBe(2);
    expect(stderr).toContain(`evidence bundle written to ${bundle}`);
    const files = await untar(bundle);
    expect([...files.keys()]).toEqual(['README.txt', 'report.txt', 'report.json', 'status.json', 'ir.json', 'xds.json']);
    expect(files.get('report.txt')).toContain('[NoMatchingListenerHostname]');
    expect(JSON.parse(files.get('report.json')!).exitCode).toBe(2);
    expect(JSON.parse(files.get('status.json')!).objects.some((o: { kind: string }) => o.kind === 'Gateway')).toBe(true);
    expect(Object.keys(JSON.parse(files.get('xds.json')!).xds)).toEqual(['default/broken', 'default/eg']);
    expect(files.get('README.txt')).toContain('no server log lines');
    assertNoSecretMaterial(files);
    expect(existsSync(`${bundle}.partial`)).toBe(false);
  });

  it('exits 3 when the bundle cannot be written', async () => {
    const { code, stderr } = await diagnose(['-f', join(dir, 'healthy.yaml'), '--bundle', join(dir, 'no/such/dir/out.tar.gz')]);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot write the bundle');
  });
});

describe('portico diagnose --kubernetes', () => {
  it('exits 3 when the API server does not answer in time, and stops the provider', async () => {
    // A loopback port nobody listens on: every list is refused, and the provider would retry for ever.
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    await new Promise((ok) => server.close(ok));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:${port}' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
    );
    const out = capture();
    const run = runDiagnose(parseDiagnoseArgs(['--kubernetes', '--kubeconfig', kubeconfig])!, out.io, { kubernetesTimeoutMs: 300 });
    await expect(run).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining(`cannot list the cluster's objects within 300 ms (is the API server at http://127.0.0.1:${port} reachable`) });
  });

  it('exits 3 without cluster credentials', async () => {
    const { code, stderr } = await diagnose(['--kubernetes', '--kubeconfig', join(dir, 'no-such-kubeconfig')]);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot load the cluster credentials');
  });
});

interface Finding {
  link: string;
  level: string;
  code: string;
  gateway?: string;
  message: string;
}

/** Findings an offline run has too, TLS ones without their wording (see the test using it). */
function comparable(findings: readonly Finding[]): unknown[] {
  return findings.filter((f) => f.link !== 'DataPlane').map((f) => (f.link === 'TLS' ? { ...f, message: '(certificate description)' } : f));
}

describe('portico diagnose --admin', () => {
  /** A fake admin server answering with the server's own debug views over a real translation. */
  function adminOf(objects: Resource[], recentLogs?: RecentLogs): Fetch {
    const result = translate(ResourceSet.from(objects));
    const state = { generation: 3, objects, result, translatedAt: '2026-01-01T00:00:00.000Z', ir: irOfResult(result.gateways) };
    const served = new Map([...result.gateways].map(([key, ir]) => [key, encodeResources(buildXds(ir))]));
    const data: DebugData = {
      state: () => state,
      servedGateways: () => [...served.keys()].sort(),
      servedConfigDumps: async (gateways) => servedConfigDumps(served, gateways),
      servedVersion: () => 'v-1',
      sources: () => [],
      clients: () => [{ streamId: '1', protocol: 'delta', peer: '127.0.0.1:1', nodeId: 'envoy-1', gateway: 'default/eg', connectedAt: '2026-01-01T00:00:00.000Z', types: {} }],
      controllerName: 'portico.dev/gateway-controller',
      health: () => ({ gatewayFailures: [], failingObjects: [] }),
      ...(recentLogs ? { recentLogs: () => recentLogs.view() } : {}),
    };
    const views = debugViews(data);
    return async (url) => {
      const view = views[new URL(url).pathname];
      if (!view) return new Response(JSON.stringify({ error: 'no such path' }), { status: 404 });
      const result = await view.render(undefined);
      if (result.status !== 200) return new Response(JSON.stringify({ error: result.error }), { status: result.status });
      return new Response([...result.chunks('json')].join(''), { status: 200 });
    };
  }

  it("diagnoses from the server's statuses, and bundles its views and clients without secret material", async () => {
    const { objects } = parseResources(BROKEN, 'broken.yaml');
    const out = capture();
    const bundle = join(dir, 'admin.tar.gz');
    const code = await runDiagnose(parseDiagnoseArgs(['--admin', 'http://127.0.0.1:19000', '-o', 'json', '--bundle', bundle])!, out.io, { fetch: adminOf(objects) });
    expect(code).toBe(2);
    const report = JSON.parse(out.stdout());
    const offline = await diagnose(['-f', join(dir, 'broken.yaml'), '-o', 'json']);
    // The same objects give the same report whether translated here or read from the server, but for
    // what only a server knows (its proxies: default/broken has none) and how it names a certificate
    // (from its IR's summary: the Secret's data never leaves it). The fake proxy of default/eg was sent
    // nothing yet (its `types` are empty), which the DataPlane link says too.
    const live = report.findings as Finding[];
    expect(comparable(live)).toEqual(comparable(JSON.parse(offline.stdout).findings));
    expect(live.filter((f) => f.link === 'DataPlane' && f.level !== 'OK').map((f) => `${f.gateway} ${f.code}`)).toEqual(['default/broken NoProxyConnected', 'default/eg NothingSent']);
    expect(live.find((f) => f.link === 'TLS')?.message).toContain('the certificate the server loaded from Secret default/example.com-tls (DNS example.com, *.example.com;');
    const files = await untar(bundle);
    expect([...files.keys()]).toEqual(['README.txt', 'report.txt', 'report.json', 'status.json', 'ir.json', 'xds.json', 'clients.json', 'resources.json']);
    expect(JSON.parse(files.get('clients.json')!).clients[0].nodeId).toBe('envoy-1');
    expect(files.get('README.txt')).toContain('Log lines: not read from the server (http://127.0.0.1:19000: this server keeps no log entries)');
    assertNoSecretMaterial(files);
  });

  it("bundles the server's latest log entries when it keeps them", async () => {
    const { objects } = parseResources(BROKEN, 'broken.yaml');
    const recentLogs = new RecentLogs();
    recentLogs.add(JSON.stringify({ level: 'warn', message: 'route not accepted', kind: 'HTTPRoute', namespace: 'default', name: 'lost' }));
    const bundle = join(dir, 'admin-logs.tar.gz');
    const code = await runDiagnose(parseDiagnoseArgs(['--admin', 'http://127.0.0.1:19000', '--bundle', bundle])!, capture().io, { fetch: adminOf(objects, recentLogs) });
    expect(code).toBe(2);
    const files = await untar(bundle);
    expect([...files.keys()]).toEqual(['README.txt', 'report.txt', 'report.json', 'status.json', 'ir.json', 'xds.json', 'clients.json', 'resources.json', 'logs.json']);
    expect(JSON.parse(files.get('logs.json')!)).toEqual({ entries: [{ level: 'warn', message: 'route not accepted', kind: 'HTTPRoute', namespace: 'default', name: 'lost' }], dropped: 0, maxEntries: 1000, maxBytes: 524288 });
    expect(files.get('README.txt')).toContain('logs.json     the latest log entries the server kept, oldest first');
    assertNoSecretMaterial(files);
  });

  it('exits 3 when the admin server cannot be reached', async () => {
    const out = capture();
    const refused: Fetch = () => Promise.reject(Object.assign(new Error('fetch failed'), { cause: new Error('connect ECONNREFUSED') }));
    await expect(runDiagnose(parseDiagnoseArgs(['--admin', 'localhost:1'])!, out.io, { fetch: refused })).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('cannot reach the admin server') });
  });
});

function assertNoSecretMaterial(files: Map<string, string>): void {
  const everything = [...files.values()].join('\n');
  expect(everything).not.toContain('PRIVATE KEY');
  expect(everything).not.toContain('BEGIN CERTIFICATE');
  for (const pem of [KEY_PEM, CERT_PEM]) {
    expect(everything).not.toContain(Buffer.from(pem).toString('base64'));
    // The body of the PEM, in case it was printed without its armour.
    expect(everything).not.toContain(pem.split('\n')[1]);
  }
}
