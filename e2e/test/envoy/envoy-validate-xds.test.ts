/**
 * Every xDS golden (`testdata/xds/*.out.yaml`) through Envoy's own config validation (`envoy --mode
 * validate`), where an Envoy binary is at hand (ENVOY_BIN; see envoy-bootstrap.test.ts). Per gateway the
 * config dump becomes a static bootstrap: listeners with each HCM `rds` replaced by the inline route
 * configuration, EDS clusters made STATIC with their ClusterLoadAssignment, secrets static (SDS references
 * left name-only), and the goldens' redacted private keys replaced by the matching testdata/certs key
 * (redacted SecurityPolicy credentials by valid stand-ins).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const XDS = join(ROOT, 'testdata/xds');
const CERTS = join(ROOT, 'testdata/certs');
const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;
const PARALLEL = 4;

type Json = Record<string, any>;

/** testdata/certs key PEMs by their certificate's PEM (whitespace-free); example.com is the fallback. */
const pem = (s: string): string => s.replace(/\s+/g, '');
const keysByCert = new Map(
  readdirSync(CERTS)
    .filter((f) => f.endsWith('.crt') && f !== 'ca.crt')
    .map((f) => [pem(readFileSync(join(CERTS, f), 'utf8')), readFileSync(join(CERTS, f.replace(/\.crt$/, '.key')), 'utf8')]),
);
const fallbackKey = readFileSync(join(CERTS, 'example.com.key'), 'utf8');
const fallbackCert = readFileSync(join(CERTS, 'example.com.crt'), 'utf8');

function withoutType({ '@type': _type, ...rest }: Json): Json {
  return rest;
}

/** Depth-first over a JSON tree, calling `visit` on every object. */
function walk(node: unknown, visit: (o: Json) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Json);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}

/** One gateway's config dump sections → a static Envoy bootstrap. */
function staticBootstrap(gateway: string, dump: Json): Json {
  const routes = new Map<string, Json>(
    (dump.routes?.dynamicRouteConfigs ?? []).map((r: Json) => [r.routeConfig.name, withoutType(r.routeConfig)]),
  );
  const assignments = new Map<string, Json>(
    (dump.endpoints?.dynamicEndpointConfigs ?? []).map((e: Json) => [e.endpointConfig.clusterName, withoutType(e.endpointConfig)]),
  );
  const listeners = (dump.listeners?.dynamicListeners ?? []).map((l: Json) => withoutType(structuredClone(l.activeState.listener)));
  const clusters = (dump.clusters?.dynamicActiveClusters ?? []).map((c: Json) => withoutType(structuredClone(c.cluster)));
  const secrets = (dump.secrets?.dynamicActiveSecrets ?? []).map((s: Json) => withoutType(structuredClone(s.secret)));
  const missing: string[] = [];

  walk(listeners, (o) => {
    if (o.rds && typeof o.rds === 'object' && 'routeConfigName' in o.rds) {
      const route = routes.get(o.rds.routeConfigName);
      if (!route) missing.push(`route configuration ${o.rds.routeConfigName}`);
      delete o.rds;
      o.routeConfig = structuredClone(route ?? { name: 'missing' });
    }
  });
  for (const cluster of clusters) {
    if (cluster.type !== 'EDS') continue;
    const assignment = assignments.get(cluster.name) ?? { clusterName: cluster.name };
    if (!assignments.has(cluster.name)) missing.push(`load assignment ${cluster.name}`);
    delete cluster.edsClusterConfig;
    cluster.type = 'STATIC';
    cluster.loadAssignment = structuredClone(assignment);
  }
  walk([listeners, clusters], (o) => {
    for (const [key, value] of Object.entries(o)) {
      if (/SdsSecretConfigs?$/.test(key)) for (const ref of [value].flat() as Json[]) delete ref.sdsConfig;
    }
  });
  walk(secrets, (o) => {
    if (!o.privateKey) return;
    const cert = o.certificateChain?.inlineString;
    const key = typeof cert === 'string' ? keysByCert.get(pem(cert)) : undefined;
    o.privateKey = { inlineString: key ?? fallbackKey };
    if (!key) o.certificateChain = { inlineString: fallbackCert };
  });
  // SecurityPolicy credentials are redacted in the goldens too: a valid stand-in each (Envoy parses
  // the htpasswd lines and refuses two clients with one API key).
  let standIn = 0;
  walk(listeners, (o) => {
    if (o.users?.inlineString === '[redacted]') o.users = { inlineString: 'redacted:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=' };
    if (Array.isArray(o.credentials)) for (const c of o.credentials as Json[]) if (c.key === '[redacted]') c.key = `redacted-${++standIn}`;
  });
  if (missing.length) throw new Error(`${gateway}: no ${missing.join(', ')}`);
  return { node: { id: 'validate', cluster: gateway }, staticResources: { listeners, clusters, secrets } };
}

function validate(file: string): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(ENVOY!, ['--mode', 'validate', '-c', file, '--log-level', 'error', '--disable-hot-restart'], { timeout: 60_000 });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => done({ status: null, output: String(e) }));
    child.on('close', (status) => done({ status, output }));
  });
}

/** Runs `tasks` with at most `limit` under way at once; the promises settle in any order. */
function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T>[] {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (running >= limit || !queue.length) return;
    running++;
    queue.shift()!();
  };
  return tasks.map(
    (task) =>
      new Promise<T>((done, fail) => {
        queue.push(() => task().then(done, fail).finally(() => (running--, next())));
        next();
      }),
  );
}

const goldens = readdirSync(XDS).filter((f) => f.endsWith('.out.yaml')).sort();

describeWithEnvoy('xDS goldens through envoy --mode validate', () => {
  let dir: string;
  const results = new Map<string, Promise<string[]>>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-validate-xds-'));
    const jobs = goldens.map((golden, i) => async (): Promise<string[]> => {
      const gateways = Object.entries((parse(readFileSync(join(XDS, golden), 'utf8')) as Json).xds ?? {}) as [string, Json][];
      const failures: string[] = [];
      for (const [j, [gateway, dump]] of gateways.entries()) {
        const file = join(dir, `${i}-${j}.json`);
        writeFileSync(file, JSON.stringify(staticBootstrap(gateway, dump)));
        const { status, output } = await validate(file);
        if (status !== 0 || !output.includes('OK')) failures.push(`${gateway} (exit ${status}): ${output.trim()}`);
      }
      return failures;
    });
    limited(jobs, PARALLEL).forEach((p, i) => results.set(goldens[i]!, p));
  });
  // Every validation was started in beforeAll: wait for them all (tests filtered out with -t included)
  // before removing the folder they write to.
  afterAll(async () => {
    await Promise.allSettled(results.values());
    rmSync(dir, { recursive: true, force: true });
  }, 10 * 60_000);

  // A test waits for its golden's validations, which may still be queued behind others (PARALLEL at a
  // time) on a loaded machine, each Envoy run allowed 60 s: jest's 5 s default made this test flaky.
  it.each(goldens)('%s', async (golden) => {
    expect(await results.get(golden)).toEqual([]);
  }, 5 * 60_000);
});
