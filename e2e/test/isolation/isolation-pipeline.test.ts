/**
 * Issue 12, "no object stops the pipeline", through a real `portico serve` and a real Envoy
 * (ENVOY_BIN). Before the fix an Ingress or a Service without `spec` made the translator throw: from
 * then on no change reached any gateway, while /readyz stayed 200 and /debug/status showed nothing.
 * Here such objects are added to a running server, and then:
 * - another team's route change still reaches the Envoy that was connected before;
 * - an Envoy that connects afterwards gets every team's routes;
 * - /readyz is 200 because the pipeline does work, and /debug/status says what is wrong with the
 *   objects themselves (the route using the spec-less Service has no usable port; nothing is left out).
 * Loopback only; skipped without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { echoServiceYaml, GATEWAY, gatewayYaml } from '../support/isolation-fixtures.js';
import { closeEcho, get, startEcho, untilAnswer, type Echo } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(120_000);

function routeYaml(namespace: string, path: string, service: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${namespace} }
spec:
  parentRefs: [{ name: shared, namespace: infra }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: ${service}, port: 80 }]
`;
}

/** The two objects of the issue: an Ingress (of the default class) and a Service, both without spec. */
const WITHOUT_SPEC = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: portico
  annotations: { ingressclass.kubernetes.io/is-default-class: "true" }
spec: { controller: portico.dev/ingress-controller }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: empty, namespace: team-c }
---
apiVersion: v1
kind: Service
metadata: { name: bare, namespace: team-c }
---
${routeYaml('team-c', '/c', 'bare')}`;

describeWithEnvoy('isolation: an Ingress and a Service without spec do not stop the pipeline (real Envoy)', () => {
  let dir: string;
  let resources: string;
  let serve: ServeProcess | undefined;
  let echoes: Echo[] = [];
  let envoy: EnvoyProcess | undefined;
  let base: string;
  const figures: Record<string, number> = {};
  const logs = () => serve?.tail() ?? '';

  beforeAll(async () => {
    echoes = await Promise.all(['a', 'b', 'c'].map((n) => startEcho(n)));
    const [a, b, c] = echoes as [Echo, Echo, Echo];
    const listenerPort = await freePort();
    base = `http://127.0.0.1:${listenerPort}`;
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-pipeline-'));
    resources = join(dir, 'resources');
    mkdirSync(resources);
    writeFileSync(join(resources, '10-gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-isolation', namespace: 'infra', fromAllNamespaces: true }));
    writeFileSync(join(resources, '20-services.yaml'), [echoServiceYaml(a, 'team-a'), echoServiceYaml(b, 'team-b'), echoServiceYaml(c, 'team-b')].join(''));
    writeFileSync(join(resources, '30-team-a.yaml'), routeYaml('team-a', '/a', 'echo-a'));
    writeFileSync(join(resources, '31-team-b.yaml'), routeYaml('team-b', '/b', 'echo-b'));
    serve = await startServeProcess({ resources, extraArgs: ['--log-level', 'info'] });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'before' });
    figures.firstTrafficMs = await untilAnswer(`${base}/a`, (r) => r.status === 200 && r.body === 'a', 'the first Envoy to serve /a', logs, 45_000);
  });

  afterAll(async () => {
    await envoy?.stop();
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all(echoes.map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`isolation-pipeline figures: ${JSON.stringify(figures)}`);
  });

  test('objects without spec are loaded with the API server defaults; another team\'s change still reaches the connected Envoy', async () => {
    expect(await get(`${base}/b`)).toEqual({ status: 200, body: 'b' });
    writeFileSync(join(resources, '40-without-spec.yaml'), WITHOUT_SPEC);
    // Team C's route (to the spec-less Service) shows up: the snapshot with both objects translated.
    await untilAnswer(`${base}/c`, (r) => r.status === 500, 'team C route to answer 500 (its Service has no port)', logs);

    writeFileSync(join(resources, '31-team-b.yaml'), routeYaml('team-b', '/b', 'echo-c'));
    figures.changeAfterBrokenMs = await untilAnswer(`${base}/b`, (r) => r.status === 200 && r.body === 'c', "team B's change to reach Envoy", logs);
    expect(await get(`${base}/a`)).toEqual({ status: 200, body: 'a' });
    expect(serve!.logs().filter((l) => typeof l === 'object' && l.level === 'error')).toEqual([]);
  });

  test('/readyz and /debug/status tell the truth: the pipeline works, and the objects say what is wrong with them', async () => {
    expect(await serve!.admin('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    const { status, body } = await serve!.admin<{
      objects: { kind: string; metadata: { namespace?: string; name: string }; spec?: unknown; status?: any }[];
      pipeline: unknown;
    }>('/debug/status');
    expect(status).toBe(200);
    expect(body.pipeline).toEqual({ gatewayFailures: [], failingObjects: [] });
    const find = (kind: string, namespace: string, name: string) => body.objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
    // The defaults the API server would have stored.
    expect(find('Ingress', 'team-c', 'empty')).toMatchObject({ spec: {}, status: { loadBalancer: {} } });
    const route = find('HTTPRoute', 'team-c', 'web');
    const resolvedRefs = route!.status.parents[0].conditions.find((c: { type: string }) => c.type === 'ResolvedRefs');
    expect(resolvedRefs).toMatchObject({ status: 'False', reason: 'BackendNotFound', message: expect.stringContaining('Service team-c/bare has no port 80') });
    expect(find('HTTPRoute', 'team-b', 'web')!.status.parents[0].conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });

  test('an Envoy that connects after the objects were added gets every team\'s routes', async () => {
    await envoy!.stop();
    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: serve!.xdsPort, nodeId: 'after' });
    figures.lateEnvoyMs = await untilAnswer(`${base}/a`, (r) => r.status === 200 && r.body === 'a', 'the late Envoy to serve /a', logs, 45_000);
    expect(await get(`${base}/b`)).toEqual({ status: 200, body: 'c' });
    expect((await get(`${base}/c`)).status).toBe(500);
    expect((await get(`${base}/nowhere`)).status).toBe(404);
  });
});
