/**
 * Issue 12, "values Portico accepts and Envoy refuses": one team's route with a value Envoy would
 * refuse used to be Accepted, and Envoy NACKed the shared listener's whole route table — other teams'
 * routes stopped updating and a freshly started Envoy got no table at all (404s). Now each such value
 * is refused with its route's status (Accepted=False, UnsupportedValue, naming the field and value),
 * left out of xDS, and through a real Envoy (ENVOY_BIN) the other team's route keeps serving and
 * updating, for an Envoy connected before the bad objects and one started after; neither Envoy's
 * stats nor Portico's /debug/clients count a single NACK. Skipped without ENVOY_BIN.
 *
 * (The upper-case Ingress host of the same finding: isolation-ingress-host.test.ts.)
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { envoyListening, startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { baseYaml, GATEWAY, routeYaml } from '../support/isolation-fixtures.js';
import { nacksSeenByPortico, routeConditions } from '../support/isolation-status.js';
import { closeEcho, pollFor, startEcho, tryGet } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(90_000);

/** Team B's routes, one per kind of value Envoy refuses; each must be refused on its own. */
/**
 * `condition`: where the refusal shows. A refused match drops its rule (Accepted=False, no rule left); a
 * refused filter value keeps the rule's matches and fails closed with 500 (ResolvedRefs=False), so its
 * requests never fall through to another rule.
 */
const BAD_ROUTES: Record<string, { rules: string; field: RegExp; condition?: 'Accepted' | 'ResolvedRefs' }> = {
  'repetition-over-1000': { rules: '  - matches: [{ path: { type: RegularExpression, value: "/b/a{1001}" } }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /path: regular expression .* invalid repetition size/ },
  backreference: { rules: '  - matches: [{ path: { type: RegularExpression, value: "/b/(a)\\\\1" } }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /invalid escape sequence: \\1/ },
  'unicode-escape': { rules: '  - matches: [{ path: { type: PathPrefix, value: /b }, headers: [{ name: x-name, type: RegularExpression, value: "caf\\\\u00e9" }] }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /header x-name: .*JavaScript-only/ },
  'unicode-class': { rules: '  - matches: [{ path: { type: PathPrefix, value: /b }, queryParams: [{ name: q, type: RegularExpression, value: "\\\\p{Script=Greek}" }] }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /query param q: .*JavaScript-only/ },
  'nested-repetition': { rules: '  - matches: [{ path: { type: RegularExpression, value: "/b/((a{100}){100}){100}" } }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /invalid repetition size: \{100\}/ },
  'crlf-rewrite': { rules: '  - matches: [{ path: { type: PathPrefix, value: /b } }]\n    filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: "/x\\r\\nX-Injected: 1" } } }]\n    backendRefs: [{ name: echo, port: 80 }]\n', field: /filters\.urlRewrite\.path\.replaceFullPath: "\/x\\r\\nX-Injected: 1" contains NUL, CR or LF/, condition: 'ResolvedRefs' },
};

const teamA = (paths: string[]) => paths.map((p) => routeYaml('team-a', `a${p.replace(/\//g, '-')}`, `  - matches: [{ path: { type: PathPrefix, value: ${p} } }]\n    backendRefs: [{ name: echo, port: 80 }]\n`)).join('');

describeWithEnvoy('values Envoy would refuse are refused by their route and never reach Envoy', () => {
  let dir: string;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let serve: ServeProcess;
  let listenerPort: number;
  const envoys: EnvoyProcess[] = [];
  const context = () => `portico:\n${serve?.tail(30)}\n${envoys.map((e) => `envoy :${e.adminPort}:\n${e.tail(15)}`).join('\n')}`;
  const serving = (path: string) => pollFor(`${path} to answer 200 through Envoy`, async () => ((await tryGet(`http://127.0.0.1:${listenerPort}${path}`)).status === 200 ? true : undefined), context);

  beforeAll(async () => {
    echo = await startEcho('team-a');
    listenerPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-values-'));
    writeFileSync(join(dir, '10-base.yaml'), baseYaml(listenerPort, echo.port, ['team-a', 'team-b']));
    writeFileSync(join(dir, '20-team-a.yaml'), teamA(['/a']));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoys.push(await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'before' }));
    await serving('/a');
  });

  afterAll(async () => {
    await Promise.all(envoys.map((e) => e.stop()));
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('each bad route is refused with the field and value; the Envoy connected before keeps serving and updating', async () => {
    writeFileSync(join(dir, '30-team-b.yaml'), Object.entries(BAD_ROUTES).map(([name, { rules }]) => routeYaml('team-b', name, rules)).join(''));
    for (const [name, { field, condition = 'Accepted' }] of Object.entries(BAD_ROUTES)) {
      const refused = await pollFor(`team-b/${name} to be refused`, async () => {
        const c = await routeConditions(serve, 'team-b', name);
        return c?.[condition]?.status === 'False' ? c[condition] : undefined;
      }, context);
      expect(refused).toMatchObject({ reason: 'UnsupportedValue', message: expect.stringMatching(field) });
    }
    // Team A's table still updates: a route added after the bad objects reaches the same Envoy.
    writeFileSync(join(dir, '20-team-a.yaml'), teamA(['/a', '/a2']));
    await serving('/a2');
    expect(await tryGet(`http://127.0.0.1:${listenerPort}/a`)).toEqual({ status: 200, body: 'team-a' });
    // The CR/LF rewrite's rule fails closed: /b answers 500, it is not served rewritten nor by another rule.
    expect((await tryGet(`http://127.0.0.1:${listenerPort}/b`)).status).toBe(500);
    expect(await envoys[0]!.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });

  test('an Envoy started after the bad objects gets the table and serves team A', async () => {
    const after = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'after' });
    envoys.push(after);
    await pollFor('the late Envoy to have its listener', async () => ((await envoyListening(after)) ? true : undefined), context);
    // Only the late Envoy is left on the (reuse_port) listener: what answers now is its route table.
    await envoys[0]!.stop();
    await serving('/a');
    expect(await tryGet(`http://127.0.0.1:${listenerPort}/a2`)).toEqual({ status: 200, body: 'team-a' });
    expect(await after.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });
});
