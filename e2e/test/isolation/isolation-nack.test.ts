/**
 * Issue 12, NACK containment, through real Envoy (ENVOY_BIN): one team's route that Envoy refuses
 * never takes the shared listener's route table away from another team.
 *
 * Validation stops most bad values before xDS, so the refused value is injected past the translator
 * (nack-faults.ts): team A's exact header match `x-corrupt-me: a{1001}` becomes a regular expression,
 * which RE2 refuses (a repetition over 1000) — on the translation worker through a module it imports
 * (`workerRewriteIr`), in process through the `buildXds` hook. Then:
 * - the Envoy connected before refuses (NACKs) the table once; the culprit (team A's rule 1) is found
 *   and quarantined; team A's other rule and team B's route keep serving, and an edit of team B's
 *   route is served;
 * - a freshly started Envoy gets the table without the culprit and never refuses anything;
 * - /debug/status (PartiallyInvalid with Envoy's text), /debug/clients, the logs and /metrics name it;
 * - fixing the object releases the quarantine and its rule is served.
 * Portico runs in the test's process (createPorticoServer over the file provider; translation on its
 * worker thread or in process); Envoys are child processes.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { buildXds } from '@portico/xds';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { CORRUPT_HEADER, corruptNackFaults, ENVOY_ERROR, QUIET_HEADER, REFUSED_VALUE } from '../support/nack-faults.js';
import { startInProcessPortico, type InProcessPortico } from '../support/in-process-portico.js';
import { gatewayYaml, routeYaml, serviceYaml } from '../support/isolation-fixtures.js';
import { closeEcho, pollFor, startEcho, tryGet, type Echo } from '../support/isolation-traffic.js';
import { freePort } from '../support/serve-process.js';
import { waitUntil } from '../support/wait.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(60_000);

const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
/** The faults compiled (`tsc -b`), for the translation worker to import. */
const FAULTS_MODULE = new URL('../../dist/test/support/nack-faults.js', import.meta.url);

/** Team A: rule 0 is fine; rule 1 matches `x-corrupt-me: <value>` (refused by Envoy once corrupted). */
function teamARoute(headerValue: string, path = '/a'): string {
  return routeYaml(
    'team-a',
    'a',
    `  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: echo, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /special }, headers: [{ name: ${CORRUPT_HEADER}, value: "${headerValue}" }] }]
    backendRefs: [{ name: echo, port: 80 }]
`,
    'default',
  );
}

/** A rule sending `path` (and, if given, only requests with `header: value`) to the namespace's echo. */
const ruleYaml = (path: string, header?: { name: string; value: string }) => `  - matches: [{ path: { type: PathPrefix, value: ${path} }${header ? `, headers: [{ name: ${header.name}, value: "${header.value}" }]` : ''} }]
    backendRefs: [{ name: echo, port: 80 }]
`;

const teamBRoute = (path: string) => routeYaml('team-b', 'b', ruleYaml(path), 'default');

/** `count` teams' routes in one file (one provider snapshot): `/t<i>`; team `quiet` also matches QUIET_HEADER. */
function manyTeamsYaml(count: number, quiet: number): string {
  return Array.from({ length: count }, (_, i) => routeYaml('team-b', `t${i}`, ruleYaml(`/t${i}`, i === quiet ? { name: QUIET_HEADER, value: 'q' } : undefined), 'default')).join('');
}

// Over delta xDS on the translation worker (`portico serve`'s default: the faults reach it as a module it
// imports), over state-of-the-world in process (`--translate-in-process`: the `buildXds` hook).
describeWithEnvoy.each([
  ['delta', 'worker', true],
  ['state-of-the-world', 'in-process', false],
] as const)('NACK containment through real Envoy over %s xDS, translating on the %s path (issue 12, item 2)', (protocol, path, delta) => {
  let dir: string;
  let echoes: Echo[] = [];
  let portico: InProcessPortico;
  let listenerPort: number;
  const envoys: EnvoyProcess[] = [];
  const logs: Record<string, any>[] = [];
  const figures: Record<string, number> = {};
  /** Searches started and not yet logged as contained. */
  let searching = 0;

  const admin = <T = Record<string, any>>(path: string) => portico.admin<T>(path);

  const throughEnvoy = (path: string, headers: Record<string, string> = {}) => tryGet(`http://127.0.0.1:${listenerPort}${path}`, headers);
  const context = () => envoys.map((e) => e.tail()).join('\n');

  async function served(path: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    const accepted = async () => {
      const answer = await throughEnvoy(path, headers);
      return answer.status === 200 && answer.body === body ? true : undefined;
    };
    await pollFor(`${path} to answer 200 ${body}`, accepted, context, 15_000);
  }

  async function startGatewayEnvoy(nodeId: string): Promise<EnvoyProcess> {
    const envoy = await startEnvoy({ gateway: 'default/shared', xdsPort: portico.xdsPort, nodeId, delta });
    envoys.push(envoy);
    return envoy;
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
    writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-nack', namespace: 'default', fromAllNamespaces: true }));
    echoes = [await startEcho('team-a'), await startEcho('team-b')];
    writeFileSync(join(resources, 'backend-a.yaml'), serviceYaml('team-a', 'echo', echoes[0]!.port));
    writeFileSync(join(resources, 'backend-b.yaml'), serviceYaml('team-b', 'echo', echoes[1]!.port));
    writeFileSync(join(resources, 'route-a.yaml'), teamARoute('fine'));
    writeFileSync(join(resources, 'route-b.yaml'), teamBRoute('/b'));
    portico = await startInProcessPortico({
      resources,
      onLog: (entry) => {
        if (entry.message.startsWith('an xDS client refused a route table')) searching += 1;
        if (entry.message === 'route table contained' || entry.message.startsWith('a refused route table could not be contained')) searching -= 1;
        logs.push(entry);
      },
      ...(path === 'worker' ? { workerRewriteIr: { module: FAULTS_MODULE, exportName: 'corruptNackFaults' } } : { buildXds: (ir) => buildXds(corruptNackFaults(ir), { proxyless: true }) }),
    });
  });

  afterAll(async () => {
    for (const envoy of envoys) await envoy.stop();
    await portico?.server.shutdown();
    await Promise.all(echoes.map(closeEcho));
    echoes = [];
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Figures for the report: read with --verbose or from the test output.
    console.log(`isolation-nack figures (${protocol}): ${JSON.stringify(figures)}`);
  });

  test('the refused rule is quarantined, the rest keeps serving and updating, for Envoys connected before and after', async () => {
    const before = await startGatewayEnvoy('envoy-before');
    await served('/a', 'team-a');
    await served('/b', 'team-b');
    await routesAcked(before.nodeId);

    // Team A edits its good rule and, in the same edit, makes one Envoy refuses (injected past the
    // translator, see nack-faults.ts): two changed rules, one culprit.
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
    expect((await throughEnvoy('/special', { [CORRUPT_HEADER]: 'aaa' })).status).toBe(404);

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
    await before.stop();
    const after = await startGatewayEnvoy('envoy-after');
    await served('/a2', 'team-a');
    await served('/b2', 'team-b');
    const fresh = await routesAcked(after.nodeId);
    expect(fresh.types[ROUTE_TYPE].nacks).toBe(0);
    expect((await throughEnvoy('/special', { [CORRUPT_HEADER]: 'aaa' })).status).toBe(404);

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
    expect((await throughEnvoy('/t21', { [QUIET_HEADER]: 'q' })).status).toBe(404);
    rmSync(join(dir, 'resources', 'many.yaml'));
  });
});
