/**
 * A weighted UDPRoute through a real Envoy (the shape of Gateway API conformance
 * UDPRouteWeightedRouting): three loopback UDP echo backends that answer with their own name, a
 * UDPRoute splitting 70/30/0 between them, `portico serve` feeding an Envoy (ENVOY_BIN) started on
 * its xDS port, and many probes each from a fresh socket, so each is a new udp_proxy session and a
 * new load-balancing pick; more sessions than Envoy's default circuit breaker allows; route edits
 * that must not replace the listener; then an endpoint-only change (v2's EndpointSlice moves to
 * another server) that must reach the listener's cluster over EDS. Skipped without ENVOY_BIN.
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { envoyListening, startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

/**
 * Fresh-socket probes of the split (UDP_PROBES overrides, for longer runs by hand); with the
 * tolerance below, a false failure has odds of about 6 in 10 million.
 */
const PROBES = Number(process.env.UDP_PROBES ?? 1000);
const CONCURRENT = 20;
const WEIGHTS = { v1: 70, v2: 30, v3: 0 } as const;
type Name = keyof typeof WEIGHTS | 'v2b';

interface Echo {
  name: Name;
  port: number;
  socket: Socket;
  /** Datagrams this backend received. */
  received: number;
}

async function startEcho(name: Name): Promise<Echo> {
  const socket = createSocket('udp4');
  const echo: Echo = { name, port: 0, socket, received: 0 };
  socket.on('message', (_message, peer) => {
    echo.received++;
    socket.send(name, peer.port, peer.address);
  });
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', ok));
  echo.port = socket.address().port;
  return echo;
}

/** A UDP port free right now on loopback. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', ok));
  const { port } = socket.address();
  await new Promise<void>((ok) => socket.close(ok));
  return port;
}

/** One datagram from a new socket (a new session in Envoy); the name of the backend that answered, or undefined after `timeoutMs`. */
async function probe(port: number, timeoutMs: number): Promise<string | undefined> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once('message', (message) => {
        clearTimeout(timer);
        resolve(message.toString('utf8'));
      });
      socket.once('error', reject);
      socket.send('probe', port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

async function envoyStat(envoy: EnvoyProcess, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=^${name.replaceAll('.', '\\.')}$&format=json`);
  const body = (await response.json()) as { stats: { name: string; value?: number }[] };
  const stat = body.stats.find((s) => s.name === name);
  if (!stat) throw new Error(`Envoy has no stat ${name}`);
  return stat.value ?? 0;
}

/** The udp_proxy's stat prefix: its IR listener's name, `udp-<port>`. */
const STAT_PREFIX = (port: number) => `udp-${port}`;

/** Envoy's non-zero stats whose names contain `filter`. */
async function envoyStats(envoy: EnvoyProcess, filter: string): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=${filter}&format=json`);
  const body = (await response.json()) as { stats: { name: string; value?: number }[] };
  return Object.fromEntries(body.stats.filter((s) => (s.value ?? 0) > 0).map((s) => [s.name, s.value!]));
}

/** The route's weights: v1, v2, v3 in the UDPRoute, in that order. */
type Weights = { readonly [K in keyof typeof WEIGHTS]: number };

function resourcesYaml(listenerPort: number, ports: Record<Name, number>, v2Backend: Name, weights: Weights = WEIGHTS): string {
  const service = (name: string, port: number) => `---
apiVersion: v1
kind: Service
metadata: { name: udp-backend-${name}, namespace: default }
spec:
  ports: [{ name: udp, protocol: UDP, port: 8080 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: udp-backend-${name}-1
  namespace: default
  labels: { kubernetes.io/service-name: udp-backend-${name} }
addressType: IPv4
ports: [{ name: udp, protocol: UDP, port: ${port} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-udp }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: udp-weighted, namespace: default }
spec:
  gatewayClassName: portico-udp
  listeners:
  - { name: udp, protocol: UDP, port: ${listenerPort} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: UDPRoute
metadata: { name: udp-weighted, namespace: default }
spec:
  parentRefs: [{ name: udp-weighted, sectionName: udp }]
  rules:
  - backendRefs:
    - { name: udp-backend-v1, port: 8080, weight: ${weights.v1} }
    - { name: udp-backend-v2, port: 8080, weight: ${weights.v2} }
    - { name: udp-backend-v3, port: 8080, weight: ${weights.v3} }
${service('v1', ports.v1)}${service('v2', ports[v2Backend])}${service('v3', ports.v3)}`;
}

describeWithEnvoy('a weighted UDPRoute through a real Envoy', () => {
  let dir: string;
  let echoes: Record<Name, Echo>;
  let ports: Record<Name, number>;
  let listenerPort: number;
  let serve: ServeProcess | undefined;
  let envoy: EnvoyProcess | undefined;
  const figures: Record<string, number | Record<string, number>> = {};

  /** `count` fresh-socket probes, `CONCURRENT` at a time: answers per backend name ('lost' for none within 2 s). */
  async function split(count: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let done = 0; done < count; done += CONCURRENT) {
      const answers = await Promise.all(Array.from({ length: Math.min(CONCURRENT, count - done) }, () => probe(listenerPort, 2_000)));
      for (const answer of answers) seen[answer ?? 'lost'] = (seen[answer ?? 'lost'] ?? 0) + 1;
    }
    return seen;
  }

  beforeAll(async () => {
    const names: Name[] = ['v1', 'v2', 'v3', 'v2b'];
    const started = await Promise.all(names.map(startEcho));
    echoes = Object.fromEntries(started.map((e) => [e.name, e])) as Record<Name, Echo>;
    ports = Object.fromEntries(started.map((e) => [e.name, e.port])) as Record<Name, number>;
    listenerPort = await freeUdpPort();
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-udp-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(listenerPort, ports, 'v2'));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--log-level', 'info'] });
    await serve.waitReady(30_000);
    const spawned = Date.now();
    envoy = await startEnvoy({ gateway: 'default/udp-weighted', xdsPort: serve.xdsPort, nodeId: 'udp-weighted-test', concurrency: 2 });
    await pollUntil('Envoy to have the UDP listener', () => envoyListening(envoy!), 30_000, 100);
    // The listener arrives after its clusters and their endpoints (ADS orders CDS and EDS first):
    // the very first datagram of the very first session must already be answered.
    figures.firstProbe = { answered: (await probe(listenerPort, 2_000)) ? 1 : 0 };
    figures.firstTrafficMs = Date.now() - spawned;
    for (const echo of Object.values(echoes)) echo.received = 0;
  });

  afterAll(async () => {
    if (envoy) figures.envoyUdpStats = await envoyStats(envoy, 'udp').catch(() => ({}));
    if (envoy) await envoy.stop();
    if (serve) await serve.stop('SIGTERM', 20_000);
    if (echoes) await Promise.all(Object.values(echoes).map((e) => new Promise<void>((ok) => e.socket.close(ok))));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-udp-weighted figures: ${JSON.stringify(figures)}`);
  });

  test('every first datagram of a new session is answered', () => {
    expect(figures.firstProbe).toEqual({ answered: 1 });
  });

  test(`${PROBES} fresh sessions split 70/30/0, none lost, none to the weight-0 backend`, async () => {
    const started = Date.now();
    const seen = await split(PROBES);
    figures.split = seen;
    figures.splitMs = Date.now() - started;
    expect(seen.lost ?? 0).toBe(0);
    expect(seen.v3 ?? 0).toBe(0);
    expect(echoes.v3.received).toBe(0);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(PROBES);
    // Even if Envoy picked localities at random (it uses a weighted round robin, which is far
    // tighter), v1's count would be Binomial(1000, 0.7): σ = √(1000·0.7·0.3) ≈ 14.5, and 5σ ≈ 72
    // sessions (±7.2 points) leaves a false failure at odds of about 6 in 10 million.
    const p = WEIGHTS.v1 / (WEIGHTS.v1 + WEIGHTS.v2);
    const expected = PROBES * p;
    const fiveSigma = 5 * Math.sqrt(PROBES * p * (1 - p));
    expect(Math.abs((seen.v1 ?? 0) - expected)).toBeLessThanOrEqual(fiveSigma);
  });

  test('more sessions than the default circuit breaker of Envoy (1024) within the idle timeout are all answered', async () => {
    // Every probe so far is a session still open (udp_proxy keeps one for 60 s without datagrams);
    // udp_proxy counts sessions against the cluster's max_connections, 1024 unless set.
    const before = Number((await envoyStats(envoy!, 'downstream_sess_active'))[`udp.${STAT_PREFIX(listenerPort)}.downstream_sess_active`] ?? 0);
    const more = Math.max(0, 1024 + 200 - before);
    const seen = await split(more);
    figures.beyondDefaultBreaker = { before, more, lost: seen.lost ?? 0 };
    expect(seen.lost ?? 0).toBe(0);
    expect(await envoyStat(envoy!, `udp.${STAT_PREFIX(listenerPort)}.downstream_sess_active`)).toBeGreaterThan(1024);
    expect(Object.entries(await envoyStats(envoy!, 'upstream_cx_overflow'))).toEqual([]);
  });

  test('route edits (v1 alone, then v3 alone, then 70/30/0 again) never replace the listener', async () => {
    // A replaced UDP listener ends all its sessions and drops replies in flight: the listener names
    // its own cluster, so an edit of the route's backends is an EDS update only.
    const only = async (backend: Name, weights: Weights) => {
      writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(listenerPort, ports, 'v2', weights));
      await pollUntil(`only ${backend} to answer`, async () => {
        const seen = await split(CONCURRENT);
        return seen[backend] === CONCURRENT;
      }, 30_000, 100);
    };
    await only('v1', { v1: 1, v2: 0, v3: 0 });
    await only('v3', { v1: 0, v2: 0, v3: 5 });
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(listenerPort, ports, 'v2'));
    await pollUntil('v2 to answer again', async () => (await split(CONCURRENT)).v2, 30_000, 100);
    for (const echo of Object.values(echoes)) echo.received = 0;
    const seen = await split(200);
    expect(seen.lost ?? 0).toBe(0);
    expect(seen.v3 ?? 0).toBe(0);
    expect(echoes.v3.received).toBe(0);
    expect(await envoyStat(envoy!, 'listener_manager.listener_modified')).toBe(0);
    expect(await envoyStat(envoy!, 'cluster_manager.cluster_modified')).toBe(0);
  });

  test('an endpoint-only change of one backend reaches the listener cluster (EDS)', async () => {
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(listenerPort, ports, 'v2b'));
    const started = Date.now();
    await pollUntil('v2b to answer a session', async () => (await split(CONCURRENT)).v2b, 30_000, 100);
    figures.endpointChangeMs = Date.now() - started;
    // Only endpoints changed: no listener or cluster was modified (either would cost sessions), nothing refused.
    expect(await envoyStat(envoy!, 'listener_manager.listener_modified')).toBe(0);
    expect(await envoyStat(envoy!, 'cluster_manager.cluster_modified')).toBe(0);
    expect(await envoy!.rejectedUpdates()).toBe(0);
    const seen = await split(200);
    expect(seen.v2 ?? 0).toBe(0);
    expect(seen.lost ?? 0).toBe(0);
    expect((seen.v1 ?? 0) + (seen.v2b ?? 0)).toBe(200);
  });
});
