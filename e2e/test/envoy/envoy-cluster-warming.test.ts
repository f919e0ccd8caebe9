/**
 * A changed cluster goes live at once through a real Envoy (ENVOY_BIN), over state-of-the-world and
 * delta ADS. Envoy warms every updated EDS cluster and finishes only when a ClusterLoadAssignment for
 * it arrives, "even if there is no change in endpoints" (xDS protocol, "Resource warming"); without
 * one it waits for the EDS initial_fetch_timeout (15 s) before the new cluster replaces the old.
 *
 * The cluster here changes through its upstream TLS: a BackendTLSPolicy's hostname (the SNI Envoy
 * sends and the SAN it verifies) goes from a.example.com to b.example.com while requests flow; the
 * Service's endpoints stay the same. The backend (node:https, a certificate valid for both names)
 * answers with the SNI it got, so the response says which cluster version served it. Measured: from
 * the publish to the first response served with the new SNI, with Envoy's
 * `cluster_manager.warming_clusters` back at 0; no request may fail meanwhile. A second, plain HTTP
 * backend that does not change must get no endpoint update (its EDS `update_attempt` stays).
 *
 * The control plane runs in the test's process (support/control-plane.ts); skipped without ENVOY_BIN.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueServerCertificate } from '@portico/server';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { freePort } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const GATEWAY = 'default/warming';
/** Far below Envoy's 15 s EDS initial_fetch_timeout, far above what a push takes on a busy machine. */
const SWITCH_BOUND_MS = 5_000;

const indent = (text: string, spaces: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

function objectsYaml(listenerPort: number, backendPort: number, plainPort: number, caPem: string, hostname: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: warming, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: ${listenerPort} }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: secure, namespace: default }
spec:
  parentRefs: [{ name: warming }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /plain } }]
    backendRefs: [{ name: plain, port: 80 }]
  - backendRefs: [{ name: secure, port: 443 }]
---
apiVersion: v1
kind: Service
metadata: { name: plain, namespace: default }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: plain-1
  namespace: default
  labels: { kubernetes.io/service-name: plain }
addressType: IPv4
ports: [{ name: http, port: ${plainPort} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
---
apiVersion: v1
kind: Service
metadata: { name: secure, namespace: default }
spec:
  ports: [{ name: https, port: 443 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: secure-1
  namespace: default
  labels: { kubernetes.io/service-name: secure }
addressType: IPv4
ports: [{ name: https, port: ${backendPort} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: backend-ca, namespace: default }
data:
  ca.crt: |
${indent(caPem, 4)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: secure, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: secure }]
  validation:
    caCertificateRefs: [{ group: "", kind: ConfigMap, name: backend-ca }]
    hostname: ${hostname}
`;
}

/** One request through Envoy's listener: the status and body (the SNI the backend saw). */
async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

/** Envoy's `cluster_manager.warming_clusters`: clusters received and not yet in use. */
async function warmingClusters(envoy: EnvoyProcess): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=^cluster_manager\\.warming_clusters$&format=json`);
  const body = (await response.json()) as { stats: { name: string; value?: number }[] };
  const stat = body.stats.find((s) => s.name === 'cluster_manager.warming_clusters');
  if (!stat) throw new Error('Envoy reports no cluster_manager.warming_clusters');
  return stat.value ?? 0;
}

/** EDS updates delivered to the cluster whose name contains `service`: its `update_attempt` counter. */
async function endpointUpdates(envoy: EnvoyProcess, service: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=update_attempt$&format=json`);
  const body = (await response.json()) as { stats: { name: string; value?: number }[] };
  const stats = body.stats.filter((s) => s.name.startsWith('cluster.') && s.name.includes(service));
  if (stats.length !== 1) throw new Error(`expected one update_attempt stat for ${service}, got ${JSON.stringify(stats.map((s) => s.name))}`);
  return stats[0]!.value ?? 0;
}

/**
 * Requests one after another until stopped, as traffic that must not notice the switch; each result
 * is kept with the time it arrived.
 */
function startTraffic(port: number): { results: { at: number; status: number; body: string }[]; stop(): Promise<void> } {
  const results: { at: number; status: number; body: string }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = await get(port).catch((error: Error) => ({ status: 0, body: error.message }));
      results.push({ at: Date.now(), ...answer });
    }
  })();
  return {
    results,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));
}

describeWithEnvoy('a changed EDS cluster is warmed by the endpoints sent after it (real Envoy)', () => {
  const ca = issueCertificateAuthority();
  const serving = issueServerCertificate(ca, { dnsNames: ['a.example.com', 'b.example.com'], ipAddresses: [] });
  let backend: Server;
  let backendPort: number;
  const plain = createHttpServer((request, response) => {
    request.resume();
    response.end('plain');
  });
  let plainPort: number;
  const figures: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    backend = createServer({ cert: serving.cert, key: serving.key }, (request, response) => {
      request.resume();
      response.end(`sni ${(request.socket as TLSSocket).servername || 'none'}`);
    });
    backendPort = await listen(backend);
    plainPort = await new Promise((ok) => plain.listen(0, '127.0.0.1', () => ok((plain.address() as { port: number }).port)));
  });

  afterAll(async () => {
    backend.closeAllConnections();
    plain.closeAllConnections();
    await Promise.all([new Promise((ok) => backend.close(ok)), new Promise((ok) => plain.close(ok))]);
    console.log(`envoy-cluster-warming figures: ${JSON.stringify(figures)}`);
  });

  for (const protocol of ['sotw', 'delta'] as const) {
    test(`${protocol}: an upstream TLS change of a cluster with unchanged endpoints is active within ${SWITCH_BOUND_MS} ms, no request failing`, async () => {
      let plane: ControlPlane | undefined;
      let envoy: EnvoyProcess | undefined;
      try {
        plane = await startControlPlane();
        const listenerPort = await freePort();
        const published = plane.publish(objectsYaml(listenerPort, backendPort, plainPort, ca.cert, 'a.example.com'));
        expect(published.map((r) => r.problems)).toEqual([[]]);
        envoy = await startEnvoy({ gateway: GATEWAY, xdsPort: plane.port, nodeId: `warming-${protocol}`, delta: protocol === 'delta' });
        const ready = envoy;
        await pollUntil('Envoy to serve the backend with SNI a.example.com', async () => (await get(listenerPort)).body === 'sni a.example.com', 30_000, 50).catch((error: Error) => {
          throw new Error(`${error.message}\n${ready.tail()}`);
        });

        expect(await get(listenerPort, '/plain')).toEqual({ status: 200, body: 'plain' });
        const plainUpdates = await endpointUpdates(ready, 'plain');
        const secureUpdates = await endpointUpdates(ready, 'secure');

        const traffic = startTraffic(listenerPort);
        await pollUntil('traffic to flow', async () => traffic.results.length >= 5, 10_000, 10);
        const before = traffic.results.length;
        const published2 = plane.publish(objectsYaml(listenerPort, backendPort, plainPort, ca.cert, 'b.example.com'));
        const editedAt = Date.now();
        expect(published2.map((r) => r.problems)).toEqual([[]]);
        let maxWarming = 0;
        // Bounded by more than the 15 s timeout, so a regression shows its real figure before failing.
        await pollUntil(
          'the changed cluster to serve (SNI b.example.com) with no cluster warming',
          async () => {
            const warming = await warmingClusters(ready);
            maxWarming = Math.max(maxWarming, warming);
            return warming === 0 && traffic.results.some((r) => r.body === 'sni b.example.com');
          },
          30_000,
          10,
        );
        const switchMs = Date.now() - editedAt;
        const firstNew = traffic.results.find((r) => r.body === 'sni b.example.com')!;
        await traffic.stop();
        figures[protocol] = { switchMs, firstNewResponseMs: firstNew.at - editedAt, maxWarmingClustersSeen: maxWarming, requestsDuringSwitch: traffic.results.length - before };

        // Every request answered: the old cluster serves until the new one replaces it.
        expect(traffic.results.filter((r) => r.status !== 200)).toEqual([]);
        expect(switchMs).toBeLessThan(SWITCH_BOUND_MS);
        expect(await warmingClusters(ready)).toBe(0);
        expect(await get(listenerPort)).toEqual({ status: 200, body: 'sni b.example.com' });
        expect(await ready.rejectedUpdates()).toBe(0);
        // The changed cluster got its endpoints again (what ended its warming), the unchanged one none.
        expect(await endpointUpdates(ready, 'secure')).toBeGreaterThan(secureUpdates);
        expect(await endpointUpdates(ready, 'plain')).toBe(plainUpdates);
        expect(await get(listenerPort, '/plain')).toEqual({ status: 200, body: 'plain' });
      } finally {
        await envoy?.stop();
        await plane?.close();
      }
    });
  }
});
