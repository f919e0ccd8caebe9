/**
 * Issue 12, "a dropped rule opens what it protected", through a real `portico serve` and a real Envoy
 * (ENVOY_BIN). Before the fix, a rule whose filter Portico cannot serve (then the standard ExternalAuth
 * filter; here one whose auth Service does not exist) was dropped, so `/admin` fell through to the catch-all `/` rule and was served WITHOUT
 * authorization. Now such a rule keeps its matches and answers 500, in HTTPRoute and for a
 * backendRef-level filter, while every other rule keeps serving, for an Envoy connected before the
 * route arrives and for one that connects after. Loopback only; skipped without ENVOY_BIN. Runs the
 * compiled CLI: `npx tsc -b` first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { echoServiceYaml, gatewayYaml } from '../support/isolation-fixtures.js';
import { closeEcho, get, startEcho, untilAnswer, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(120_000);

/** `/admin` behind an ExternalAuth filter with no auth Service, a half-unservable split on `/split`, and the catch-all `/`. */
const SITE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: site, namespace: default }
spec:
  parentRefs: [{ name: shared }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /admin } }]
    filters:
    - type: ExternalAuth
      externalAuth: { protocol: HTTP, http: {}, backendRef: { name: missing-auth, port: 80 } }
    backendRefs: [{ name: echo-admin, port: 80 }]
  - matches: [{ path: { type: PathPrefix, value: /split } }]
    backendRefs:
    - { name: echo-web, port: 80 }
    - name: echo-admin
      port: 80
      filters:
      - type: CORS
        cors: { allowOrigins: ['https://app.example.com'] }
  - matches: [{ path: { type: PathPrefix, value: / } }]
    backendRefs: [{ name: echo-web, port: 80 }]
`;

describeWithEnvoy('isolation: a rule with a filter Portico cannot serve answers 500, never falls through (real Envoy)', () => {
  let dir: string;
  let resources: string;
  let serve: ServeProcess | undefined;
  let echoes: Echo[] = [];
  let envoy: EnvoyProcess | undefined;
  let base: string;
  const figures: Record<string, number> = {};
  const logs = () => serve?.tail() ?? '';

  /**
   * `splitError`: what the unservable share answers. 500 is what the table says; a keep-alive
   * connection opened before the listener update (the first Envoy) still runs the previous
   * connection manager, which lacks the local-reply mapper that turns the invalid-backend 503 into a
   * 500 (xds http-connection-manager.ts adds it only while a table references that cluster), so it
   * answers 503 until it is drained. Either way the backend behind the filter is never reached.
   */
  async function expectFailClosed(splitError: string[]): Promise<void> {
    expect(await get(`${base}/admin`)).toMatchObject({ status: 500 });
    expect(await get(`${base}/admin/users`)).toMatchObject({ status: 500 });
    expect(await get(`${base}/`)).toEqual({ status: 200, body: 'web' });
    expect(await get(`${base}/adminx`)).toEqual({ status: 200, body: 'web' });
    // The backend behind the unsupported backendRef filter is never reached: its share answers 500.
    const seen: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const { status, body } = await get(`${base}/split`);
      const key = status === 200 ? body : String(status);
      seen[key] = (seen[key] ?? 0) + 1;
    }
    expect(seen.admin).toBeUndefined();
    expect(seen.web).toBeGreaterThan(0);
    const errors = Object.keys(seen).filter((k) => k !== 'web');
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(splitError).toContain(e);
  }

  beforeAll(async () => {
    echoes = await Promise.all(['web', 'admin'].map((n) => startEcho(n)));
    const listenerPort = await freePort();
    base = `http://127.0.0.1:${listenerPort}`;
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-fail-closed-'));
    resources = join(dir, 'resources');
    mkdirSync(resources);
    writeFileSync(join(resources, '10-gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-fail-closed', namespace: 'default' }));
    writeFileSync(join(resources, '20-services.yaml'), echoes.map((e) => echoServiceYaml(e)).join(''));
    serve = await startServeProcess({ resources, extraArgs: ['--log-level', 'info'] });
    await serve.waitReady(30_000);
    // Connected before the route exists: the route arrives as an update.
    envoy = await startEnvoy({ gateway: 'default/shared', xdsPort: serve.xdsPort, nodeId: 'before' });
    await untilAnswer(`${base}/`, (r) => r.status === 404, 'the Envoy listener to answer (no route yet)', logs, 45_000);
  });

  afterAll(async () => {
    await envoy?.stop();
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all(echoes.map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`isolation-fail-closed figures: ${JSON.stringify(figures)}`);
  });

  test('the connected Envoy answers 500 on /admin and on the unservable share, and serves the rest', async () => {
    writeFileSync(join(resources, '30-site.yaml'), SITE);
    figures.routeMs = await untilAnswer(`${base}/`, (r) => r.status === 200 && r.body === 'web', 'the route to reach Envoy', logs);
    await expectFailClosed(['500', '503']);
  });

  test('the route status says which rules answer 500 and why', async () => {
    const { body } = await serve!.admin<{ objects: { kind: string; metadata: { name: string }; status?: any }[] }>('/debug/status');
    const site = body.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'site')!;
    const [accepted, resolvedRefs] = site.status.parents[0].conditions;
    expect(accepted).toMatchObject({ type: 'Accepted', status: 'True', message: expect.stringMatching(/rule 0: external auth: Service default\/missing-auth does not exist.*rule 1: backendRef 1 \(echo-admin\): filter type CORS/) });
    expect(resolvedRefs).toMatchObject({ type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound' });
  });

  test('an Envoy that connects afterwards gets the same fail-closed table', async () => {
    await envoy!.stop();
    envoy = await startEnvoy({ gateway: 'default/shared', xdsPort: serve!.xdsPort, nodeId: 'after' });
    figures.lateEnvoyMs = await untilAnswer(`${base}/`, (r) => r.status === 200 && r.body === 'web', 'the late Envoy to serve /', logs, 45_000);
    await expectFailClosed(['500']);
  });
});
