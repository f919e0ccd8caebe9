/**
 * Issue 12, NACK containment, through real Envoy (ENVOY_BIN): one team's route that Envoy refuses
 * never takes the shared listener's route table away from another team.
 *
 * Validation stops most bad values before xDS, so the refused value is injected past the translator:
 * the server's `buildXds` hook turns team A's exact header match `x-corrupt-me: a{1001}` into a
 * regular expression, which RE2 refuses (a repetition over 1000). Then:
 * - the Envoy connected before refuses (NACKs) the table once; the culprit (team A's rule 1) is found
 *   and quarantined; team A's other rule and team B's route keep serving, and an edit of team B's
 *   route is served;
 * - a freshly started Envoy gets the table without the culprit and never refuses anything;
 * - /debug/status (PartiallyInvalid with Envoy's text), /debug/clients, the logs and /metrics name it;
 * - fixing the object releases the quarantine and its rule is served.
 * Portico runs in-process (createPorticoServer over the file provider); Envoys are child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import type { GatewayIR, HTTPRouteIR } from '@portico/ir';
import { createFileProvider } from '@portico/provider';
import { createLogger, createPorticoServer, type PorticoServer } from '@portico/server';
import { buildEnvoyBootstrap, buildXds } from '@portico/xds';
import { freePort } from './support/serve-process.js';
import { waitUntil } from './support/wait.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(60_000);

const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CORRUPT_HEADER = 'x-corrupt-me';
const REFUSED_VALUE = 'a{1001}';
/** What Envoy (RE2) says of it. */
const ENVOY_ERROR = 'invalid repetition size: {1001}';

/** A header whose match becomes a regex no value of the route shows: Envoy's text names nothing, bisection must find it. */
const QUIET_HEADER = 'x-corrupt-quietly';

/**
 * The injected faults, as a translator bug would make them: an exact match on CORRUPT_HEADER becomes
 * a regex match of its value; a match on QUIET_HEADER becomes the regex `b{2000}`.
 */
function corrupt(ir: GatewayIR): GatewayIR {
  const route = (r: HTTPRouteIR): HTTPRouteIR => {
    const headers = r.match.headers;
    if (headers?.some((h) => h.name === QUIET_HEADER)) {
      return { ...r, match: { ...r.match, headers: headers.map((h) => (h.name === QUIET_HEADER ? { ...h, type: 'RegularExpression' as const, value: 'b{2000}' } : h)) } };
    }
    if (!headers?.some((h) => h.name === CORRUPT_HEADER && h.value === REFUSED_VALUE)) return r;
    return { ...r, match: { ...r.match, headers: headers.map((h) => (h.name === CORRUPT_HEADER ? { ...h, type: 'RegularExpression' as const } : h)) } };
  };
  return {
    ...ir,
    listeners: ir.listeners.map((l) => (l.type === 'HTTP' ? { ...l, virtualHosts: l.virtualHosts.map((v) => ({ ...v, routes: v.routes.map(route) })) } : l)),
  };
}

function gatewayYaml(port: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-nack }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: shared, namespace: default }
spec:
  gatewayClassName: portico-nack
  listeners:
  - { name: http, protocol: HTTP, port: ${port}, allowedRoutes: { namespaces: { from: All } } }
`;
}

function backendYaml(namespace: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: echo-1, namespace: ${namespace}, labels: { kubernetes.io/service-name: echo } }
addressType: IPv4
ports: [{ name: http, port: ${port} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;
}

/** Team A: rule 0 is fine; rule 1 matches `x-corrupt-me: <value>` (refused by Envoy once corrupted). */
function teamARoute(headerValue: string, path = '/a'): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: a, namespace: team-a }
spec:
  parentRefs: [{ name: shared, namespace: default }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: echo, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /special }, headers: [{ name: ${CORRUPT_HEADER}, value: "${headerValue}" }] }]
    backendRefs: [{ name: echo, port: 80 }]
`;
}

function teamBRoute(path: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b, namespace: team-b }
spec:
  parentRefs: [{ name: shared, namespace: default }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: echo, port: 80 }]
`;
}

/** `count` teams' routes in one file (one provider snapshot): `/t<i>`; team `quiet` also matches QUIET_HEADER. */
function manyTeamsYaml(count: number, quiet: number): string {
  return Array.from(
    { length: count },
    (_, i) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: t${i}, namespace: team-b }
spec:
  parentRefs: [{ name: shared, namespace: default }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /t${i} }${i === quiet ? `, headers: [{ name: ${QUIET_HEADER}, value: "q" }]` : ''} }]
    backendRefs: [{ name: echo, port: 80 }]
`,
  ).join('');
}

interface Envoy {
  child: ChildProcess;
  nodeId: string;
  output: string[];
}

describeWithEnvoy.each([
  ['delta', true],
  ['state-of-the-world', false],
])('NACK containment through real Envoy over %s xDS (issue 12, item 2)', (protocol, delta) => {
  let dir: string;
  let echoes: Server[] = [];
  let server: PorticoServer;
  let xdsPort: number;
  let adminPort: number;
  let listenerPort: number;
  const envoys: Envoy[] = [];
  const logs: Record<string, any>[] = [];
  const figures: Record<string, number> = {};
  /** Searches started and not yet logged as contained. */
  let searching = 0;

  async function startEcho(name: string): Promise<number> {
    const echo = createServer((request, response) => {
      request.resume();
      response.end(name);
    });
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', ok));
    echoes.push(echo);
    return (echo.address() as { port: number }).port;
  }

  async function admin<T = Record<string, any>>(path: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${adminPort}${path}`);
    expect(response.status).toBe(200);
    return (path.startsWith('/metrics') ? response.text() : response.json()) as Promise<T>;
  }

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    try {
      const response = await fetch(`http://127.0.0.1:${listenerPort}${path}`, { headers });
      return { status: response.status, body: await response.text() };
    } catch {
      return { status: 0, body: '' };
    }
  }

  async function served(path: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    let last = { status: 0, body: '' };
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      last = await get(path, headers);
      if (last.status === 200 && last.body === body) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${path} never answered 200 ${body}; last ${last.status} ${last.body}\n${envoys.map((e) => e.output.join('')).join('\n')}`);
  }

  function startEnvoy(nodeId: string, adminPortOfEnvoy: number): Envoy {
    const bootstrap = buildEnvoyBootstrap({ gateway: 'default/shared', xdsAddress: `127.0.0.1:${xdsPort}`, nodeId, adminPort: adminPortOfEnvoy, delta });
    const file = join(dir, `${nodeId}.json`);
    writeFileSync(file, JSON.stringify(bootstrap));
    const child = spawn(ENVOY!, ['-c', file, '--disable-hot-restart', '--log-level', 'warn', '--base-id', String(adminPortOfEnvoy)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const envoy: Envoy = { child, nodeId, output: [] };
    child.stdout!.on('data', (d: Buffer) => envoy.output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => envoy.output.push(d.toString()));
    envoys.push(envoy);
    return envoy;
  }

  async function stopEnvoy(envoy: Envoy): Promise<void> {
    if (envoy.child.exitCode !== null) return;
    const exited = new Promise((ok) => envoy.child.once('exit', ok));
    envoy.child.kill('SIGTERM');
    await exited;
  }

  /** Replaces a resource file in one step (written beside the folder, then renamed): the provider never reads half of it. */
  function writeResource(file: string, text: string): void {
    const temporary = join(dir, `${file}.tmp`);
    writeFileSync(temporary, text);
    renameSync(temporary, join(dir, 'resources', file));
  }

  async function clientOf(nodeId: string): Promise<Record<string, any> | undefined> {
    const { clients } = await admin<{ clients: Record<string, any>[] }>('/debug/clients');
    return clients.find((c) => c.nodeId === nodeId);
  }

  /**
   * Waits until the Envoy ACKed the route table of the snapshot now served (what /debug/xds says is
   * served), or the last probe of a search when the contained table is that very content (then
   * nothing more is sent: the Envoy already runs it).
   */
  async function routesAcked(nodeId: string): Promise<Record<string, any>> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const { versions } = await admin<{ versions: Record<string, string> }>('/debug/xds?gateway=default/shared');
      const client = await clientOf(nodeId);
      const routes = client?.types[ROUTE_TYPE];
      const current = routes?.sentVersion === versions['default/shared'] || (routes?.sentVersion.includes('~probe-') && searching === 0);
      if (routes?.ackedVersion && routes.ackedVersion === routes.sentVersion && current) return client!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${nodeId} never ACKed the served route table: ${JSON.stringify(await clientOf(nodeId))}`);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-nack-'));
    const resources = join(dir, 'resources');
    mkdirSync(resources);
    listenerPort = await freePort();
    writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml(listenerPort));
    writeFileSync(join(resources, 'backend-a.yaml'), backendYaml('team-a', await startEcho('team-a')));
    writeFileSync(join(resources, 'backend-b.yaml'), backendYaml('team-b', await startEcho('team-b')));
    writeFileSync(join(resources, 'route-a.yaml'), teamARoute('fine'));
    writeFileSync(join(resources, 'route-b.yaml'), teamBRoute('/b'));
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line);
          if (entry.message.startsWith('an xDS client refused a route table')) searching += 1;
          if (entry.message === 'route table contained' || entry.message.startsWith('a refused route table could not be contained')) searching -= 1;
          logs.push(entry);
        }
        done();
      },
    });
    server = createPorticoServer({
      provider: createFileProvider({ directory: resources }),
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      logger: createLogger({ level: 'info', format: 'json', stream }),
      buildXds: (ir) => buildXds(corrupt(ir), { proxyless: true }),
    });
    ({ xdsPort, adminPort } = await server.start());
  });

  afterAll(async () => {
    for (const envoy of envoys) await stopEnvoy(envoy);
    await server?.shutdown();
    for (const echo of echoes) {
      echo.closeAllConnections();
      await new Promise((ok) => echo.close(ok));
    }
    echoes = [];
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Figures for the report: read with --verbose or from the test output.
    console.log(`isolation-nack figures (${protocol}): ${JSON.stringify(figures)}`);
  });

  test('the refused rule is quarantined, the rest keeps serving and updating, for Envoys connected before and after', async () => {
    const before = startEnvoy('envoy-before', await freePort());
    await served('/a', 'team-a');
    await served('/b', 'team-b');
    await routesAcked(before.nodeId);

    // Team A edits its good rule and, in the same edit, makes one Envoy refuses (injected past the
    // translator, see corrupt()): two changed rules, one culprit.
    writeResource('route-a.yaml', teamARoute(REFUSED_VALUE, '/a2'));
    const contained = await waitUntil('the culprit in quarantine', () => logs.find((l) => l.message === 'route table contained'), 15_000);
    const client = await routesAcked(before.nodeId);
    const routes = client.types[ROUTE_TYPE];
    // Refused once: the probe that proved the culprit was accepted, and the contained table too.
    expect(routes.nacks).toBe(1);
    expect(routes.lastNack.message).toContain(ENVOY_ERROR);
    figures.nackToContainedAckMs = Date.parse(routes.ackedAt) - Date.parse(routes.lastNack.at);
    figures.nackToRepublishMs = contained.ms;
    figures.probes = contained.probes;
    figures.candidates = contained.candidates;
    expect(contained).toMatchObject({ gateway: 'default/shared', culprits: 1, candidates: 2 });

    // Team A's edited good rule and team B's route are served; the refused rule is not.
    await served('/a2', 'team-a');
    await served('/b', 'team-b');
    expect((await get('/special', { [CORRUPT_HEADER]: 'aaa' })).status).toBe(404);

    // Team B keeps receiving updates: an edit is served by the same Envoy.
    writeResource('route-b.yaml', teamBRoute('/b2'));
    await served('/b2', 'team-b');
    expect((await routesAcked(before.nodeId)).types[ROUTE_TYPE].nacks).toBe(1);

    // Named everywhere: /debug/clients, /debug/status, the logs, /metrics.
    const { quarantined } = await admin<{ quarantined: Record<string, any>[] }>('/debug/clients?gateway=default/shared');
    expect(quarantined).toEqual([
      expect.objectContaining({ gateway: 'default/shared', unit: 'HTTPRoute/team-a/a/rule/1', kind: 'HTTPRoute', namespace: 'team-a', name: 'a', rule: 1, refusedBy: 'envoy-before' }),
    ]);
    expect(quarantined[0]!.error).toContain(ENVOY_ERROR);
    const status = await admin<{ objects: Record<string, any>[]; quarantined: unknown[] }>('/debug/status');
    expect(status.quarantined).toHaveLength(1);
    const routeA = status.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'a')!;
    const conditions = routeA.status.parents[0].conditions as Record<string, string>[];
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True' });
    const partial = conditions.find((c) => c.type === 'PartiallyInvalid')!;
    expect(partial).toMatchObject({ status: 'True', reason: 'UnsupportedValue' });
    expect(partial.message).toContain('Dropped Rule 1');
    expect(partial.message).toContain(ENVOY_ERROR);
    expect(logs.some((l) => l.message.startsWith('route quarantined') && l.namespace === 'team-a' && l.name === 'a' && l.rule === 1)).toBe(true);
    const metrics = await admin<string>('/metrics');
    expect(metrics).toMatch(/^portico_quarantined_routes 1$/m);
    expect(metrics).toMatch(/^portico_nacks_total\{type="RouteConfiguration"\} [1-9]/m);

    // A freshly started Envoy gets the table without the culprit and refuses nothing.
    await stopEnvoy(before);
    const after = startEnvoy('envoy-after', await freePort());
    await served('/a2', 'team-a');
    await served('/b2', 'team-b');
    const fresh = await routesAcked(after.nodeId);
    expect(fresh.types[ROUTE_TYPE].nacks).toBe(0);
    expect((await get('/special', { [CORRUPT_HEADER]: 'aaa' })).status).toBe(404);

    // Fixing the object releases the quarantine: its rule is served, nothing is quarantined any more.
    writeResource('route-a.yaml', teamARoute('fixed', '/a2'));
    await served('/special', 'team-a', { [CORRUPT_HEADER]: 'fixed' });
    await waitUntil('the release to be logged', () => logs.find((l) => l.message.startsWith('route released from quarantine')), 5_000);
    expect((await admin<{ quarantined: unknown[] }>('/debug/clients')).quarantined).toEqual([]);
    expect(await admin<string>('/metrics')).toMatch(/^portico_quarantined_routes 0$/m);
    const fixed = (await admin<{ objects: Record<string, any>[] }>('/debug/status')).objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'a')!;
    expect((fixed.status.parents[0].conditions as { type: string }[]).some((c) => c.type === 'PartiallyInvalid')).toBe(false);
    expect((await routesAcked(after.nodeId)).types[ROUTE_TYPE].nacks).toBe(0);
  });

  test('a culprit the error text does not name is found by bisecting through the Envoy, in a bounded number of probes', async () => {
    const envoy = envoys.find((e) => e.nodeId === 'envoy-after')!;
    const searches = logs.filter((l) => l.message === 'route table contained').length;
    writeResource('many.yaml', manyTeamsYaml(32, 21));
    const contained = await waitUntil('the second containment', () => logs.filter((l) => l.message === 'route table contained')[searches], 15_000);
    figures.bisect32Probes = contained.probes;
    expect(contained).toMatchObject({ culprits: 1, candidates: 32 });
    expect(contained.probes).toBeLessThanOrEqual(2 * Math.log2(32));
    const routes = (await routesAcked(envoy.nodeId)).types[ROUTE_TYPE];
    figures.bisect32Probes = contained.probes;
    const refusal = logs.filter((l) => l.message.startsWith('an xDS client refused a route table')).at(-1)!;
    figures.bisect32NackToContainedAckMs = Date.parse(routes.ackedAt) - Date.parse(refusal.timestamp);
    expect((await admin<{ quarantined: Record<string, any>[] }>('/debug/clients')).quarantined).toEqual([expect.objectContaining({ unit: 'HTTPRoute/team-b/t21/rule/0', probes: contained.probes })]);
    // The 31 others are served by the Envoy that refused the table, and the culprit is not.
    for (const i of [0, 7, 20, 22, 31]) await served(`/t${i}`, 'team-b');
    expect((await get('/t21', { [QUIET_HEADER]: 'q' })).status).toBe(404);
    rmSync(join(dir, 'resources', 'many.yaml'));
  });
});
