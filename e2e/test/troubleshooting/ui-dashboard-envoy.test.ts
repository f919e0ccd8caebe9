/**
 * Issue 16, the dashboard's server side through real Envoy (ENVOY_BIN), Portico in process over a
 * watched folder:
 * - /ui/api/dataplane shows no proxy and the graph's Gateway fails NoProxyConnected, until an Envoy
 *   connects: the event stream says `changed`, the proxy is listed in sync with the version it ACKed,
 *   and the badge is gone;
 * - /ui/api/explain's path is the one the request really takes through Envoy (the echo answers);
 * - a route file edit that breaks a backendRef reaches an open event stream, and the graph then shows
 *   the route red (the time from the edit to the event is printed);
 * - a rule Envoy refuses (injected past the translator, as in diagnose-data-plane.test.ts) shows as the
 *   proxy's last NACK with Envoy's error text, a quarantined route, and a RouteQuarantined badge.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { buildXds } from '@portico/xds';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { CORRUPT_HEADER, corruptRefusedRegex, ENVOY_ERROR, REFUSED_VALUE } from '../support/refused-regex-fault.js';
import { startInProcessPortico, type InProcessPortico } from '../support/in-process-portico.js';
import { gatewayYaml, routeYaml, serviceYaml } from '../support/isolation-fixtures.js';
import { closeEcho, pollFor, startEcho, tryGet, type Echo } from '../support/isolation-traffic.js';
import { freePort } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const describeWithEnvoy = process.env.ENVOY_BIN ? describe : describe.skip;

jest.setTimeout(60_000);

const GATEWAY = 'default/shared';
/** Team A's route: `path` to the echo on `port`, and a second rule matching CORRUPT_HEADER: `headerValue`. */
const teamARoute = (path: string, options: { headerValue?: string; port?: number } = {}) =>
  routeYaml(
    'team-a',
    'a',
    `  - matches: [{ path: { type: PathPrefix, value: ${path} } }]
    backendRefs: [{ name: echo, port: ${options.port ?? 80} }]
  - matches: [{ path: { type: PathPrefix, value: /special }, headers: [{ name: ${CORRUPT_HEADER}, value: "${options.headerValue ?? 'fine'}" }] }]
    backendRefs: [{ name: echo, port: 80 }]
`,
    'default',
  );

interface Changed {
  graph: string;
  dataplane: string;
}

/** An open /ui/api/events stream: the `changed` events as they arrive. */
interface Events {
  /** The next event not read yet (waits for it). */
  next(): Promise<Changed>;
  close(): void;
}

function openEvents(port: number): Promise<Events> {
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: '127.0.0.1', port, path: '/ui/api/events' }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`/ui/api/events answered ${response.statusCode}`));
      const queue: Changed[] = [];
      const waiting: ((event: Changed) => void)[] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('event: changed\n')) continue;
          const event = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Changed;
          const waiter = waiting.shift();
          if (waiter) waiter(event);
          else queue.push(event);
        }
      });
      resolve({
        next: () => new Promise((r) => (queue.length > 0 ? r(queue.shift()!) : waiting.push(r))),
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

/** The next event for which `accept` holds, reading (and dropping) the ones before it, within `timeoutMs`. */
async function eventWhere(events: Events, accept: (event: Changed) => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<Changed> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
    const event = await Promise.race([events.next(), expired]);
    clearTimeout(timer);
    if (!event) throw new Error(`timed out after ${timeoutMs} ms waiting for an event: ${what}`);
    if (await accept(event)) return event;
  }
}

interface Node {
  id: string;
  health: string;
  badges: { code: string; message: string }[];
}
interface Proxy {
  node: string;
  inSync: boolean;
  ackedVersion?: string;
  lastNack?: { message: string };
}
interface GatewayDataPlane {
  gateway: string;
  servedVersion?: string;
  proxies: Proxy[];
  quarantined: { id: string; message: string }[];
}

describeWithEnvoy('the dashboard through real Envoy (issue 16)', () => {
  let dir: string;
  let resources: string;
  let echo: Echo | undefined;
  let portico: InProcessPortico;
  let listenerPort: number;
  let envoy: EnvoyProcess | undefined;
  let events: Events | undefined;
  const figures: Record<string, unknown> = {};

  const context = () => envoy?.tail() ?? '';
  const graph = async () => (await portico.admin<{ version: string; nodes: Node[] }>('/ui/api/graph'));
  const node = async (id: string) => (await graph()).nodes.find((n) => n.id === id)!;
  const dataPlane = async () => (await portico.admin<{ gateways: GatewayDataPlane[] }>('/ui/api/dataplane')).gateways.find((g) => g.gateway === GATEWAY)!;
  const served = (path: string) =>
    pollFor(`${path} to answer 200 through Envoy`, async () => ((await tryGet(`http://127.0.0.1:${listenerPort}${path}`)).status === 200 ? true : undefined), context, 15_000);

  /** Replaces a resource file in one step, so the provider never reads half of it. */
  function writeResource(file: string, text: string): void {
    writeFileSync(join(dir, `${file}.tmp`), text);
    renameSync(join(dir, `${file}.tmp`), join(resources, file));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-ui-envoy-'));
    resources = join(dir, 'resources');
    mkdirSync(resources);
    listenerPort = await freePort();
    echo = await startEcho('team-a');
    writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml({ port: listenerPort, className: 'portico-ui', namespace: 'default', fromAllNamespaces: true }));
    writeFileSync(join(resources, 'backend.yaml'), serviceYaml('team-a', 'echo', echo.port));
    writeFileSync(join(resources, 'route.yaml'), teamARoute('/v0'));
    portico = await startInProcessPortico({ resources, onLog: () => undefined, buildXds: (ir) => buildXds(corruptRefusedRegex(ir), { proxyless: true }) });
    events = await openEvents(portico.adminPort);
  });

  afterAll(async () => {
    events?.close();
    await envoy?.stop();
    await portico?.server.shutdown();
    if (echo) await closeEcho(echo);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`ui-dashboard-envoy figures: ${JSON.stringify(figures)}`);
  });

  test('no proxy: the Gateway fails NoProxyConnected; once an Envoy ACKed, an event, the proxy in sync, the badge gone', async () => {
    const first = await events!.next();
    expect(first.graph).toBe((await graph()).version);
    expect((await dataPlane()).proxies).toEqual([]);
    expect((await node(`Gateway/${GATEWAY}`)).badges.map((b) => b.code)).toContain('NoProxyConnected');

    envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: portico.xdsPort, nodeId: 'envoy-ui' });
    await served('/v0');
    await eventWhere(events!, async () => (await dataPlane()).proxies.some((p) => p.inSync), 'the Envoy in sync');
    const view = await dataPlane();
    expect(view.proxies).toEqual([expect.objectContaining({ node: 'envoy-ui', inSync: true, ackedVersion: expect.any(String) })]);
    const gateway = await node(`Gateway/${GATEWAY}`);
    expect(gateway.badges.map((b) => b.code)).not.toContain('NoProxyConnected');
    expect(gateway.health).toBe('ok');
  });

  test('explain gives the path the request takes through Envoy', async () => {
    const explained = await portico.admin<{ summary: string; path: string[] }>(`/ui/api/explain?url=${encodeURIComponent(`http://127.0.0.1:${listenerPort}/v0/items`)}`);
    expect(explained.summary).toMatch(/^forwarded: forwarded to team-a\/echo\/80\/http/);
    expect(explained.path).toEqual([`Gateway/${GATEWAY}`, 'Listener/default/shared/http', 'HTTPRoute/team-a/a', 'Service/team-a/echo', `Endpoint/team-a/echo/127.0.0.1:${echo!.port}`]);
    const answer = await tryGet(`http://127.0.0.1:${listenerPort}/v0/items`);
    expect(answer).toMatchObject({ status: 200, body: 'team-a' });
  });

  test('a route file edit that breaks a backendRef reaches the event stream; the route is then red', async () => {
    const before = (await graph()).version;
    const edited = Date.now();
    writeResource('route.yaml', teamARoute('/v1', { port: 81 }));
    await eventWhere(events!, async (event) => event.graph !== before && (await node('HTTPRoute/team-a/a')).health === 'error', 'the broken route');
    figures.editToRedEventMs = Date.now() - edited;
    const route = await node('HTTPRoute/team-a/a');
    expect(route.badges).toContainEqual(expect.objectContaining({ code: 'ServicePortNotFound' }));
  });

  test('a rule Envoy refuses: the last NACK with Envoy\'s text, a quarantined route, a RouteQuarantined badge', async () => {
    writeResource('route.yaml', teamARoute('/v2', { headerValue: REFUSED_VALUE }));
    const view = await pollUntil('the refused rule on the data-plane panel', async () => {
      const v = await dataPlane();
      return v.quarantined.length > 0 && v.proxies[0]?.lastNack ? v : undefined;
    }, 15_000, 100);
    expect(view.proxies[0]!.lastNack!.message).toContain(ENVOY_ERROR);
    expect(view.quarantined).toEqual([{ id: 'HTTPRoute/team-a/a', message: expect.stringContaining(ENVOY_ERROR) }]);
    const route = await pollUntil('the RouteQuarantined badge', async () => {
      const n = await node('HTTPRoute/team-a/a');
      return n.badges.some((b) => b.code === 'RouteQuarantined') ? n : undefined;
    }, 15_000, 100);
    expect(route.health).toBe('error');
    // The rest of the edit is served.
    await served('/v2');
  });
});
