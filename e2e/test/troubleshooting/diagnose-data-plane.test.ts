/**
 * Issue 14, items 1 (data plane) and 5, through real Envoy (ENVOY_BIN):
 * - `diagnose` on a running server (its /debug/clients, fetchDataPlaneInput) fails a gateway no Envoy
 *   serves, then shows the connected Envoy OK once it ACKed its config;
 * - each edit of a route file is observed in `portico_xds_convergence_seconds{gateway}` and
 *   /debug/clients shows `lastConvergenceSeconds` (and the Envoy's `lastAckSeconds`): the figures of
 *   a typical convergence on this machine are printed;
 * - a rule Envoy refuses (injected past the translator, as in isolation-nack.test.ts) is a FAIL with
 *   Envoy's own error text.
 * Portico runs in-process (for the `buildXds` hook); the Envoy is a child process. The last block runs
 * the compiled `portico serve --run-envoy` (`npx tsc -b` first when running this file alone).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { checkDataPlane, fetchDataPlaneInput, offlineInput, renderReport, runChecks, type DiagnoseReport } from '@portico/diagnose';
import { parseResources, type Resource } from '@portico/resources';
import { buildXds } from '@portico/xds';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { CORRUPT_HEADER, corruptRefusedRegex, ENVOY_ERROR, REFUSED_VALUE } from '../support/refused-regex-fault.js';
import { startInProcessPortico, type InProcessPortico } from '../support/in-process-portico.js';
import { gatewayYaml, routeYaml, serviceYaml } from '../support/isolation-fixtures.js';
import { closeEcho, pollFor, startEcho, tryGet, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(60_000);

const GATEWAY = 'default/shared';
/** Team A's route: `path` to the echo, and a second rule matching CORRUPT_HEADER: `headerValue`. */
const teamARoute = (path: string, headerValue = 'fine') =>
  routeYaml(
    'team-a',
    'a',
    `  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: echo, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /special }, headers: [{ name: ${CORRUPT_HEADER}, value: "${headerValue}" }] }]
    backendRefs: [{ name: echo, port: 80 }]
`,
    'default',
  );

describeWithEnvoy('diagnose data plane and convergence through real Envoy (issue 14)', () => {
  let dir: string;
  let resources: string;
  let echo: Echo | undefined;
  let portico: InProcessPortico;
  let listenerPort: number;
  let envoy: EnvoyProcess | undefined;
  const figures: Record<string, unknown> = {};

  const context = () => envoy?.tail() ?? '';
  const served = (path: string) =>
    pollFor(`${path} to answer 200 through Envoy`, async () => ((await tryGet(`http://127.0.0.1:${listenerPort}${path}`)).status === 200 ? true : undefined), context, 15_000);

  /** Replaces a resource file in one step, so the provider never reads half of it. */
  function writeResource(file: string, text: string): void {
    writeFileSync(join(dir, `${file}.tmp`), text);
    renameSync(join(dir, `${file}.tmp`), join(resources, file));
  }

  /** `portico diagnose --admin` for the data-plane link: the objects of the folder, the clients of the running server. */
  async function diagnose(): Promise<DiagnoseReport> {
    const objects: Resource[] = readdirSync(resources).flatMap((file) => parseResources(readFileSync(join(resources, file), 'utf8'), file).objects);
    const input = { ...offlineInput(objects, new Date()), ...(await fetchDataPlaneInput(`http://127.0.0.1:${portico.adminPort}`)) };
    return runChecks(input, [checkDataPlane]);
  }

  async function convergenceCount(): Promise<number> {
    const metrics = await portico.admin<string>('/metrics');
    const match = metrics.match(/^portico_xds_convergence_seconds_count\{gateway="default\/shared"\} (\d+)$/m);
    return match ? Number(match[1]) : 0;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-diagnose-dp-'));
    resources = join(dir, 'resources');
    mkdirSync(resources);
    listenerPort = await freePort();
    echo = await startEcho('team-a');
    writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-diagnose-dp', namespace: 'default', fromAllNamespaces: true }));
    writeFileSync(join(resources, 'backend.yaml'), serviceYaml('team-a', 'echo', echo.port));
    writeFileSync(join(resources, 'route.yaml'), teamARoute('/v0'));
    portico = await startInProcessPortico({ resources, onLog: () => undefined, buildXds: (ir) => buildXds(corruptRefusedRegex(ir), { proxyless: true }) });
  });

  afterAll(async () => {
    await envoy?.stop();
    await portico?.server.shutdown();
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`diagnose-data-plane figures: ${JSON.stringify(figures)}`);
  });

  test('a gateway no Envoy serves fails; once its Envoy ACKed the config it is OK', async () => {
    const alone = await diagnose();
    expect(alone.findings.map((f) => `${f.level} ${f.code}`)).toEqual(['FAIL NoProxyConnected']);
    expect(alone.exitCode).toBe(2);

    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: portico.xdsPort, nodeId: 'envoy-diagnosed' });
    await served('/v0');
    const report = await pollUntil('the Envoy to be judged OK', async () => {
      const r = await diagnose();
      return r.exitCode === 0 ? r : undefined;
    }, 15_000, 50);
    expect(report.findings).toEqual([expect.objectContaining({ level: 'OK', link: 'DataPlane', gateway: GATEWAY, object: { kind: 'Envoy', name: 'envoy-diagnosed' }, code: 'ConfigAcked' })]);
    figures.okReport = renderReport(report, 'table');
  });

  test('each route edit is observed as a convergence, in the histogram and /debug/clients', async () => {
    const seconds: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const before = await convergenceCount();
      writeResource('route.yaml', teamARoute(`/v${i}`));
      await pollUntil(`convergence ${i} in the histogram`, async () => (await convergenceCount()) > before, 15_000, 20);
      await served(`/v${i}`);
      const { gateways, clients } = await portico.admin<{ gateways: Record<string, any>; clients: Record<string, any>[] }>('/debug/clients');
      const last = gateways[GATEWAY].lastConvergenceSeconds as number;
      expect(last).toBeGreaterThan(0);
      expect(gateways[GATEWAY].lastConvergedVersion).toBe(gateways[GATEWAY].servedVersion);
      expect(clients[0]!.lastAckSeconds).toBeGreaterThan(0);
      expect(clients[0]!.lastAckSeconds).toBeLessThanOrEqual(last);
      seconds.push(last);
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    figures.convergenceMs = { edits: seconds.length, min: ms(sorted[0]!), median: ms(sorted[Math.floor(sorted.length / 2)]!), max: ms(sorted.at(-1)!) };
    expect(await convergenceCount()).toBeGreaterThanOrEqual(8);
  });

  test('a rule Envoy refuses is a FAIL with the Envoy error text', async () => {
    const before = await convergenceCount();
    writeResource('route.yaml', teamARoute('/v9', REFUSED_VALUE));
    const report = await pollUntil('the refused rule in the report', async () => {
      const r = await diagnose();
      return r.findings.some((f) => f.code === 'RouteQuarantined') ? r : undefined;
    }, 15_000, 50);
    const refused = report.findings.find((f) => f.code === 'RouteQuarantined')!;
    expect(refused).toMatchObject({ level: 'FAIL', gateway: GATEWAY, object: { kind: 'HTTPRoute', namespace: 'team-a', name: 'a' }, field: 'spec.rules[1]' });
    expect(refused.message).toContain(ENVOY_ERROR);
    expect(refused.message).toContain('envoy-diagnosed');
    expect(report.exitCode).toBe(2);
    const table = renderReport(report, 'table');
    expect(table).toContain(`FAIL DataPlane        HTTPRoute/team-a/a spec.rules[1]: Envoy envoy-diagnosed refused rule 1`);
    figures.nackReport = table;
    // The rest of the edit is served, and the change converged once the contained table was ACKed.
    await served('/v9');
    const contained = await pollUntil('the contained table to converge', async () => {
      const { gateways } = await portico.admin<{ gateways: Record<string, any> }>('/debug/clients');
      const view = gateways[GATEWAY];
      return view.lastConvergedVersion === view.servedVersion && !view.pending ? view : undefined;
    }, 15_000, 50);
    // From the edit to the Envoy running the table without the refused rule: the NACK, the search and the republish included.
    figures.refusedEditConvergenceMs = ms(contained.lastConvergenceSeconds);
    // One observation: the refused version never converged (the probes' ACKs do not count), the contained one did.
    expect(await convergenceCount()).toBe(before + 1);
  });
});

describeWithEnvoy('diagnose --admin on `portico serve --run-envoy` (issue 14)', () => {
  let dir: string;
  let echo: Echo | undefined;
  let serve: ServeProcess | undefined;
  let listenerPort: number;
  const figures: Record<string, unknown> = {};

  const files = () => readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const objects = (): Resource[] => files().flatMap((file) => parseResources(readFileSync(join(dir, file), 'utf8'), file).objects);
  const diagnose = async () => runChecks({ ...offlineInput(objects(), new Date()), ...(await fetchDataPlaneInput(`http://127.0.0.1:${serve!.adminPort}`)) }, [checkDataPlane]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-diagnose-serve-'));
    listenerPort = await freePort();
    echo = await startEcho('team-a');
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-diagnose-serve', namespace: 'default', fromAllNamespaces: true }));
    writeFileSync(join(dir, 'backend.yaml'), serviceYaml('team-a', 'echo', echo.port));
    writeFileSync(join(dir, 'route.yaml'), teamARoute('/s0'));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: process.env.ENVOY_BIN } });
    await serve.waitReady(30_000);
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`diagnose-data-plane serve figures: ${JSON.stringify(figures)}`);
  });

  test('the Envoy it runs is OK, and a route edit converges', async () => {
    const context = () => serve!.tail();
    await pollFor('/s0 through the Envoy of --run-envoy', async () => ((await tryGet(`http://127.0.0.1:${listenerPort}/s0`)).status === 200 ? true : undefined), context, 30_000);
    const report = await pollUntil('the Envoy to be judged OK', async () => {
      const r = await diagnose();
      return r.exitCode === 0 ? r : undefined;
    }, 15_000, 50);
    expect(report.findings).toEqual([expect.objectContaining({ level: 'OK', gateway: GATEWAY, object: expect.objectContaining({ kind: 'Envoy' }), code: 'ConfigAcked' })]);

    writeFileSync(join(dir, 'route.yaml.tmp'), teamARoute('/s1'));
    renameSync(join(dir, 'route.yaml.tmp'), join(dir, 'route.yaml'));
    const converged = await pollUntil('the edit to converge', async () => {
      const { body } = await serve!.admin<{ gateways: Record<string, any> }>('/debug/clients');
      const view = body.gateways[GATEWAY];
      return view?.lastConvergenceSeconds > 0 && view.lastConvergedVersion === view.servedVersion ? view : undefined;
    }, 15_000, 50);
    figures.editConvergenceMs = ms(converged.lastConvergenceSeconds);
    const metrics = await (await fetch(`http://127.0.0.1:${serve!.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^portico_xds_convergence_seconds_count\{gateway="default\/shared"\} [1-9]/m);
    expect(metrics).toMatch(/^controller_runtime_reconcile_total\{controller="httproute",result="success"\} [1-9]/m);
    await pollFor('/s1 through the Envoy', async () => ((await tryGet(`http://127.0.0.1:${listenerPort}/s1`)).status === 200 ? true : undefined), context, 15_000);
  });
});

function ms(seconds: number): number {
  return Math.round(seconds * 10_000) / 10;
}
