/**
 * An IngressClass's Envoys through its Ingresses coming and going (issue 11, found by the Ingress
 * conformance runner): the class's gateway lives as long as the class, so through a real Envoy
 * (ENVOY_BIN) the last Ingress deleted turns its host into Envoy's 404 on the same port-80 listener
 * (never removed, never drained), an Envoy started while the class has no Ingress gets that listener
 * at once, and the next Ingress is served by both without a restart. Neither sees a NACK.
 *
 * The Ingress gateway listens on port 80 (Ingress fixes its ports), so this needs root, as CI has;
 * skipped otherwise or without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { envoyListening, startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { nacksSeenByPortico } from '../support/isolation-status.js';
import { closeEcho, getWithHost, pollFor, startEcho, type Echo } from '../support/isolation-traffic.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeAsRootWithEnvoy = ENVOY && process.getuid?.() === 0 ? describe : describe.skip;
const CLASS = 'portico-stable';
const GATEWAY = `ingressclass/${CLASS}`;
const INGRESS_FILE = '20-ingress.yaml';

jest.setTimeout(90_000);

const ingressYaml = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: site, namespace: web }
spec:
  ingressClassName: ${CLASS}
  rules:
  - host: site.example.com
    http:
      paths: [{ path: /, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }]
`;

const NO_CHURN = {
  'listener_manager.listener_create_failure': 0,
  'listener_manager.listener_removed': 0,
  'listener_manager.total_listeners_draining': 0,
};

/** Envoy's listener-manager counters: a listener removed or drained would make its Envoy shed connections. */
async function listenerChurn(envoy: EnvoyProcess): Promise<Record<string, number>> {
  const filter = encodeURIComponent('^listener_manager\\.(listener_removed|total_listeners_draining|listener_create_failure)$');
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=${filter}&format=json`);
  const { stats } = (await response.json()) as { stats: { name: string; value?: number }[] };
  return Object.fromEntries(stats.map((s) => [s.name, s.value ?? 0]));
}

describeAsRootWithEnvoy('an IngressClass without Ingresses keeps its Envoys\' listener', () => {
  let dir: string;
  let echo: Echo;
  let serve: ServeProcess;
  const envoys: EnvoyProcess[] = [];
  const context = () => `portico:\n${serve?.tail(30)}\n${envoys.map((e) => `envoy :${e.adminPort}:\n${e.tail(15)}`).join('\n')}`;
  const siteAnswers = (status: number) => pollFor(`site.example.com to answer ${status}`, async () => {
    const answer = await getWithHost(80, '/', 'site.example.com');
    return answer.status === status ? answer : undefined;
  }, context);

  beforeAll(async () => {
    echo = await startEcho('site');
    dir = mkdtempSync(join(tmpdir(), 'portico-ingress-class-'));
    writeFileSync(join(dir, '10-base.yaml'), `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: ${CLASS} }
spec: { controller: portico.dev/ingress-controller }
${serviceYaml('web', 'echo', echo.port)}`);
    writeFileSync(join(dir, INGRESS_FILE), ingressYaml);
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoys.push(await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'first' }));
    expect((await siteAnswers(200)).body).toBe('site');
  });

  afterAll(async () => {
    await Promise.all(envoys.map((e) => e.stop()));
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the last Ingress deleted: Envoy\'s 404 on the same listener, nothing removed or drained', async () => {
    rmSync(join(dir, INGRESS_FILE));
    await siteAnswers(404);
    expect(await listenerChurn(envoys[0]!)).toEqual(NO_CHURN);
    expect(await envoys[0]!.rejectedUpdates()).toBe(0);
  });

  test('an Envoy started while the class has no Ingress gets its port-80 listener at once', async () => {
    const late = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'late' });
    envoys.push(late);
    await pollFor('the late Envoy to have its listener', async () => ((await envoyListening(late)) ? true : undefined), context);
    expect(await late.rejectedUpdates()).toBe(0);
  });

  test('the next Ingress reaches both Envoys without a restart or a NACK, and the first serves it', async () => {
    writeFileSync(join(dir, INGRESS_FILE), ingressYaml);
    for (const envoy of envoys) {
      await pollFor(`the Ingress host in Envoy :${envoy.adminPort}'s routes`, async () => {
        const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump?resource=dynamic_route_configs`);
        return (await response.text()).includes('site.example.com') ? true : undefined;
      }, context);
      expect(await envoy.rejectedUpdates()).toBe(0);
    }
    // Alone on port 80 again (both bind it with SO_REUSEPORT), the first Envoy answers every request.
    await envoys.pop()!.stop();
    expect((await siteAnswers(200)).body).toBe('site');
    expect(await listenerChurn(envoys[0]!)).toEqual(NO_CHURN);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });
});
