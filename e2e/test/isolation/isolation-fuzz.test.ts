/**
 * Issue 12's fuzz test: random route sets mixing values Envoy accepts and values it refuses (RE2
 * regexes, header names and values, header mutations, rewritten paths, hostnames) are sent through
 * one `portico serve` to one real Envoy (ENVOY_BIN), reused across runs. Each run replaces team B's
 * routes (one file each); afterwards every route with a match Envoy refuses is Accepted=False and
 * answers 404, every route whose only refused value is in a filter keeps its match and fails closed
 * (Accepted=True, ResolvedRefs=False, 500: its requests never fall through to another rule) (or, when the Gateway API schema already refuses the value, its file shows a load error
 * and the route does not exist), every valid route answers 200 through Envoy, team A's route never
 * stops answering, and Envoy never NACKs (its `update_rejected` stats and /debug/clients stay at 0).
 *
 * The labels (valid or not) are this file's own, checked against Envoy 1.40 (`envoy --mode
 * validate`), not taken from the validator under test. Bounded: FUZZ_RUNS runs (default 40), a fixed
 * seed unless FUZZ_SEED is set; it prints the runs, routes and values it covered.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { baseYaml, GATEWAY, routeYaml } from '../support/isolation-fixtures.js';
import { nacksSeenByPortico, routeConditions } from '../support/isolation-status.js';
import { closeEcho, pollFor, startEcho, tryGet } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);

jest.setTimeout(120_000);

/**
 * One feature of a rule: YAML for its match (`match`) or its filters (`filter`), whether Envoy takes it
 * (`valid`), and `schema` when the Gateway API schema already refuses it, so that the file holding it
 * fails to load (its load error shows under /debug/status `sources`) and its route never exists.
 */
interface Feature {
  kind: string;
  valid: boolean;
  schema?: boolean;
  /** Extra YAML inside the match entry (after the path). */
  match?: string;
  /** A filter list entry. */
  filter?: string;
  /** A request header that makes the request match, for valid header-regex features. */
  header?: [string, string];
}

const regexFeature = (value: string, valid: boolean, sample = ''): Feature => ({
  kind: 'header regex',
  valid,
  match: `headers: [{ name: x-f, type: RegularExpression, value: ${JSON.stringify(value)} }]`,
  header: ['x-f', sample],
});

const FEATURES: Feature[] = [
  regexFeature('(?i)abc', true, 'ABC'),
  regexFeature('[[:alpha:]]+', true, 'xyz'),
  regexFeature('x{2,5}', true, 'xxx'),
  regexFeature('(?<n>a)b', true, 'ab'),
  regexFeature('a{1000}|z', true, 'z'),
  regexFeature('a{1001}', false),
  regexFeature('(a)\\1', false),
  regexFeature('caf\\u00e9', false),
  regexFeature('\\p{Script=Greek}', false),
  regexFeature('((a{100}){100}){100}', false),
  regexFeature('(?=x)x', false),
  regexFeature('\\cA', false),
  regexFeature('[a-', false),
  { kind: 'request header set', valid: true, filter: '{ type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-team, value: "b 1;q=2" }] } }' },
  // Host is no header mutation to Envoy (it refuses one): Portico makes it a host rewrite.
  { kind: 'request header set', valid: true, filter: '{ type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: Host, value: a.example.com }] } }' },
  { kind: 'response header remove', valid: true, filter: '{ type: ResponseHeaderModifier, responseHeaderModifier: { remove: [x-debug] } }' },
  { kind: 'response header remove', valid: true, filter: '{ type: ResponseHeaderModifier, responseHeaderModifier: { remove: [host] } }' },
  { kind: 'rewrite path', valid: true, filter: '{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /new } } }' },
  { kind: 'rewrite path', valid: false, filter: '{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: "/x\\r\\nX-Injected: 1" } } }' },
  { kind: 'rewrite path', valid: false, filter: '{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: "/a\\0" } } }' },
  { kind: 'rewrite hostname', valid: true, filter: '{ type: URLRewrite, urlRewrite: { hostname: backend.example.com } }' },
  { kind: 'rewrite hostname', valid: false, schema: true, filter: '{ type: URLRewrite, urlRewrite: { hostname: Backend.Example.com } }' },
  { kind: 'redirect hostname', valid: false, schema: true, filter: '{ type: RequestRedirect, requestRedirect: { hostname: "a.example.com\\nx" } }' },
  { kind: 'request header set', valid: false, schema: true, filter: '{ type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: "x bad", value: v }] } }' },
  { kind: 'response header add', valid: false, schema: true, filter: '{ type: ResponseHeaderModifier, responseHeaderModifier: { add: [{ name: x-split, value: "a\\r\\nSet-Cookie: evil=1" }] } }' },
  { kind: 'header match name', valid: false, schema: true, match: 'headers: [{ name: "x f", value: v }]' },
];

/** A rule: a path prefix and up to one match feature and one filter feature. */
const ruleArb = fc.record({
  match: fc.option(fc.constantFrom(...FEATURES.filter((f) => f.match)), { nil: undefined }),
  filter: fc.option(fc.constantFrom(...FEATURES.filter((f) => f.filter)), { nil: undefined }),
});
const routeSetArb = fc.array(ruleArb, { minLength: 1, maxLength: 5 });

describeWithEnvoy('fuzz: random valid and invalid values through a real Envoy', () => {
  let dir: string;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let listenerPort: number;
  const context = () => `portico:\n${serve?.tail(20)}\nenvoy:\n${envoy?.tail(10)}`;

  beforeAll(async () => {
    echo = await startEcho('echo');
    listenerPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-fuzz-'));
    writeFileSync(join(dir, '10-base.yaml'), baseYaml(listenerPort, echo.port, ['team-a', 'team-b']));
    writeFileSync(join(dir, '20-team-a.yaml'), routeYaml('team-a', 'a', '  - matches: [{ path: { type: PathPrefix, value: /a } }]\n    backendRefs: [{ name: echo, port: 80 }]\n'));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'fuzz' });
    await pollFor('/a through Envoy', async () => ((await tryGet(`http://127.0.0.1:${listenerPort}/a`)).status === 200 ? true : undefined), context);
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('invalid values are refused by status, valid routes answer, Envoy never NACKs', async () => {
    const covered = { runs: 0, routes: 0, validRoutes: 0, refusedRoutes: 0, failedClosedRoutes: 0, schemaRefusedRoutes: 0, values: 0 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(routeSetArb, async (rules) => {
        run += 1;
        const routes = rules.map((rule, i) => {
          const features = [rule.match, rule.filter].filter((f): f is Feature => f !== undefined);
          const schema = features.some((f) => f.schema);
          // A refused match drops the rule (404); a refused filter value with valid matches fails closed (500).
          const failsClosed = rule.match?.valid !== false && rule.filter?.valid === false;
          return { name: `f${run}-${i}`, path: `/f${run}x${i}`, file: `30-team-b-${run}-${i}.yaml`, rule, schema, valid: features.every((f) => f.valid), failsClosed, values: features.length };
        });
        // One file per route, so a file the schema refuses takes only its own route with it.
        for (const f of readdirSync(dir).filter((f) => f.startsWith('30-team-b-'))) unlinkSync(join(dir, f));
        for (const { name, path, rule, file } of routes) {
          const match = `{ path: { type: PathPrefix, value: ${path} }${rule.match ? `, ${rule.match.match}` : ''} }`;
          const filters = rule.filter ? `\n    filters: [${rule.filter.filter}]` : '';
          writeFileSync(join(dir, file), routeYaml('team-b', name, `  - matches: [${match}]${filters}\n    backendRefs: [{ name: echo, port: 80 }]\n`));
        }
        for (const route of routes.filter((r) => r.schema)) {
          await pollFor(`${route.file} to fail to load`, async () => {
            const { body } = await serve.admin<{ sources: { source: string; state: string }[] }>('/debug/status');
            return body.sources.find((s) => s.source.endsWith(route.file) && s.state === 'error');
          }, context);
        }
        for (const route of routes.filter((r) => !r.schema)) {
          const conditions = await pollFor(`team-b/${route.name} to have a status`, async () => await routeConditions(serve, 'team-b', route.name), context);
          const outcome = { accepted: conditions.Accepted?.status, resolvedRefs: conditions.ResolvedRefs?.status };
          const expected = route.valid ? { accepted: 'True', resolvedRefs: 'True' } : route.failsClosed ? { accepted: 'True', resolvedRefs: 'False' } : { accepted: 'False', resolvedRefs: outcome.resolvedRefs };
          expect({ route: route.name, rule: route.rule, ...outcome }).toEqual({ route: route.name, rule: route.rule, ...expected });
        }
        // The request a rule's match needs (its header, for header-regex features).
        const matching = (route: (typeof routes)[number]) => (route.rule.match?.header ? { [route.rule.match.header[0]]: route.rule.match.header[1] } : {});
        for (const route of routes.filter((r) => r.valid)) {
          await pollFor(`${route.path} through Envoy`, async () => ((await tryGet(`http://127.0.0.1:${listenerPort}${route.path}`, matching(route))).status === 200 ? true : undefined), context);
        }
        for (const route of routes.filter((r) => !r.valid && !r.schema)) {
          const wanted = route.failsClosed ? 500 : 404;
          await pollFor(`${route.path} to answer ${wanted}`, async () => ((await tryGet(`http://127.0.0.1:${listenerPort}${route.path}`, matching(route))).status === wanted ? true : undefined), context);
        }
        for (const route of routes.filter((r) => r.schema)) expect((await tryGet(`http://127.0.0.1:${listenerPort}${route.path}`)).status).toBe(404);
        expect((await tryGet(`http://127.0.0.1:${listenerPort}/a`)).status).toBe(200);
        expect(await envoy.rejectedUpdates()).toBe(0);
        covered.runs += 1;
        covered.routes += routes.length;
        covered.validRoutes += routes.filter((r) => r.valid).length;
        covered.refusedRoutes += routes.filter((r) => !r.valid && !r.schema && !r.failsClosed).length;
        covered.failedClosedRoutes += routes.filter((r) => !r.schema && r.failsClosed).length;
        covered.schemaRefusedRoutes += routes.filter((r) => r.schema).length;
        covered.values += routes.reduce((n, r) => n + r.values, 0);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(await nacksSeenByPortico(serve)).toBe(0);
    console.log(`isolation-fuzz covered: ${JSON.stringify({ seed: SEED, ...covered })}`);
    expect(covered.refusedRoutes).toBeGreaterThan(0);
    expect(covered.schemaRefusedRoutes).toBeGreaterThan(0);
    expect(covered.validRoutes).toBeGreaterThan(0);
  });
});
