/**
 * Issue 12, item 10 ("new user" findings), through real Envoy (ENVOY_BIN): team B's route file has
 * the typos kubectl would warn about — `hostname:` for `hostnames:` and `wieght: 90` — next to team
 * A's valid route. The unknown fields are dropped as the API server prunes them, and now said: a
 * warning naming the closest known field in the log and in the file's state in /debug/status. Team
 * A's route keeps serving through an Envoy connected before the typo and one connected after; once
 * team B fixes the typo, its route serves its host only with its 90/10 split and the warnings are
 * gone. The Gateway's conditions keep their lastTransitionTime across these reconciles.
 *
 * Portico runs in-process (createPorticoServer over the file provider); Envoys are child processes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { startInProcessPortico, type InProcessPortico } from '../support/in-process-portico.js';
import { gatewayYaml, serviceYaml } from '../support/isolation-fixtures.js';
import { closeEcho, getWithHost, pollFor, startEcho, type Echo } from '../support/isolation-traffic.js';
import { freePort } from '../support/serve-process.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(60_000);

const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const HOSTNAME_WARNING = 'HTTPRoute team-b/blog: unknown field spec.hostname (did you mean spec.hostnames?)';
const WEIGHT_WARNING = 'HTTPRoute team-b/blog: unknown field spec.rules[0].backendRefs[0].wieght (did you mean spec.rules[0].backendRefs[0].weight?)';

const teamARoute = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop, namespace: team-a }
spec:
  parentRefs: [{ name: shared, namespace: default }]
  hostnames: [shop.example]
  rules: [{ backendRefs: [{ name: shop, port: 80 }] }]
`;

/** Team B's route, with the typos (`hostname`, `wieght`) or fixed. */
function teamBRoute(typos: boolean): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: blog, namespace: team-b }
spec:
  parentRefs: [{ name: shared, namespace: default }]
  ${typos ? 'hostname' : 'hostnames'}: [blog.example]
  rules:
  - backendRefs:
    - { name: blog-v1, port: 80, ${typos ? 'wieght' : 'weight'}: 90 }
    - { name: blog-v2, port: 80, weight: 10 }
`;
}

describeWithEnvoy('new-user findings through real Envoy: unknown fields are said, and another team keeps serving', () => {
  let dir: string;
  let resources: string;
  const echoes: Echo[] = [];
  let portico: InProcessPortico;
  let listenerPort: number;
  const envoys: EnvoyProcess[] = [];
  const logs: Record<string, any>[] = [];

  const admin = <T = Record<string, any>>(path: string) => portico.admin<T>(path);

  /** GET / through Envoy's listener with this Host header. */
  const get = (host: string) => getWithHost(listenerPort, '/', host);
  const context = () => envoys.map((e) => e.tail()).join('\n');

  async function served(host: string, accept: (r: { status: number; body: string }) => boolean, what: string): Promise<void> {
    await pollFor(`${host} to have ${what}`, async () => (accept(await get(host)) ? true : undefined), context, 15_000);
  }

  /** Which backend answered each of `n` requests for `host`. */
  async function answers(host: string, n: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const { status, body } = await get(host);
      const key = status === 200 ? body : String(status);
      seen[key] = (seen[key] ?? 0) + 1;
    }
    return seen;
  }

  async function startGatewayEnvoy(nodeId: string): Promise<void> {
    envoys.push(await startEnvoy({ gateway: 'default/shared', xdsPort: portico.xdsPort, nodeId, delta: true }));
  }

  /** Polls the async `check` until it gives a value, at most 15 s. */
  const eventually = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => pollFor(what, check, context, 15_000);

  /** Waits until the Envoy `nodeId` ACKed the route table now served. */
  async function routesAcked(nodeId: string): Promise<void> {
    await eventually(`${nodeId} to ACK the served route table`, async () => {
      const { versions } = await admin<{ versions: Record<string, string> }>('/debug/xds?gateway=default/shared');
      const { clients } = await admin<{ clients: Record<string, any>[] }>('/debug/clients');
      const routes = clients.find((c) => c.nodeId === nodeId)?.types[ROUTE_TYPE];
      return routes?.ackedVersion !== undefined && routes.ackedVersion === routes.sentVersion && routes.sentVersion === versions['default/shared'] ? true : undefined;
    });
  }

  const fileWarnings = async (file: string) => {
    const { sources } = await admin<{ sources: { source: string; warnings: string[] }[] }>('/debug/status');
    return sources.find((s) => s.source === file)?.warnings;
  };

  const gatewayConditions = async () => {
    const { objects } = await admin<{ objects: Record<string, any>[] }>('/debug/status');
    const gateway = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'shared')!;
    return { gateway: gateway.status.conditions, listeners: gateway.status.listeners.map((l: { conditions: unknown }) => l.conditions) };
  };

  const translatedAt = async () => (await admin<{ translatedAt: string }>('/debug/status')).translatedAt;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-new-user-'));
    resources = join(dir, 'resources');
    mkdirSync(resources);
    listenerPort = await freePort();
    writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-new-user', namespace: 'default', fromAllNamespaces: true }));
    echoes.push(await startEcho('shop'), await startEcho('blog-v1'), await startEcho('blog-v2'));
    const [shop, blogV1, blogV2] = echoes;
    writeFileSync(join(resources, 'backend-shop.yaml'), serviceYaml('team-a', 'shop', shop!.port));
    writeFileSync(join(resources, 'backend-blog.yaml'), serviceYaml('team-b', 'blog-v1', blogV1!.port) + serviceYaml('team-b', 'blog-v2', blogV2!.port));
    writeFileSync(join(resources, 'route-a.yaml'), teamARoute);
    portico = await startInProcessPortico({ resources, onLog: (entry) => logs.push(entry) });
  });

  afterAll(async () => {
    for (const envoy of envoys) await envoy.stop();
    await portico?.server.shutdown();
    await Promise.all(echoes.map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('typos are pruned and said; team A serves through Envoys connected before and after; the fix takes effect', async () => {
    await startGatewayEnvoy('before');
    await served('shop.example', (r) => r.status === 200 && r.body === 'shop', 'answered shop');
    const conditionsBefore = await gatewayConditions();
    const firstTranslation = Date.parse(await translatedAt());
    // Conditions are stamped to the second: let the clock pass one, so a new stamp would show.
    await eventually('the next second', async () => (Date.now() >= firstTranslation + 1_000 ? true : undefined));

    writeFileSync(join(resources, 'route-b.yaml'), teamBRoute(true));
    await eventually('the warnings of route-b.yaml in /debug/status', async () => ((await fileWarnings('route-b.yaml'))?.length ? true : undefined));
    expect(await fileWarnings('route-b.yaml')).toEqual([`document 1: ${HOSTNAME_WARNING}`, `document 1: ${WEIGHT_WARNING}`]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'resource file loaded with warnings', warnings: [`document 1: ${HOSTNAME_WARNING}`, `document 1: ${WEIGHT_WARNING}`] }),
    );
    // As the API server would store it: no hostnames (every host), blog-v1 at the default weight 1.
    await served('blog.example', (r) => r.status === 200 && r.body.startsWith('blog-'), 'answered a blog backend');
    await startGatewayEnvoy('after');
    // Both Envoys run the table with the pruned route (they share the listener port: reuse_port).
    await routesAcked('before');
    await routesAcked('after');
    await served('shop.example', (r) => r.status === 200 && r.body === 'shop', 'answered shop with the typo route present');
    expect(await answers('shop.example', 20)).toEqual({ shop: 20 });
    const typoSplit = await answers('blog.example', 40);
    expect((typoSplit['blog-v2'] ?? 0) > (typoSplit['blog-v1'] ?? 0)).toBe(true);
    expect(await gatewayConditions()).toEqual(conditionsBefore);

    writeFileSync(join(resources, 'route-b.yaml'), teamBRoute(false));
    await served('other.example', (r) => r.status === 404, 'answered 404 once blog has its hostname');
    await routesAcked('before');
    await routesAcked('after');
    expect(await fileWarnings('route-b.yaml')).toEqual([]);
    const fixedSplit = await answers('blog.example', 40);
    expect((fixedSplit['blog-v1'] ?? 0) > (fixedSplit['blog-v2'] ?? 0)).toBe(true);
    expect(await answers('shop.example', 20)).toEqual({ shop: 20 });
    expect(await gatewayConditions()).toEqual(conditionsBefore);
  });
});
