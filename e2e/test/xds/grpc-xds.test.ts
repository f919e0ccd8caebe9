/**
 * End to end with a real, independent xDS client (issue 4, "Proxyless gRPC clients" and "End-to-end
 * tests"): our ADS server runs in-process on 127.0.0.1 over the snapshot cache; snapshots are made
 * from Gateway API YAML by the real translators; a @grpc/grpc-js-xds channel (target
 * `xds:///echo.test:8080`) gets its listener, routes, clusters and endpoints from it and calls real
 * gRPC backends on 127.0.0.1. The tests share one client and run in order: each publishes a change
 * and waits, with a bounded loop, until the client's calls show it.
 */
import { jest } from '@jest/globals';
import { TYPE_URLS } from '@portico/envoy';
import type { ClientInfo } from '@portico/xds-server';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { startEchoBackends, type EchoBackend, type EchoClient } from '../support/backends/echo-backends.js';
import { GATEWAY, grpcGatewayYaml, TARGET, type GrpcScenario } from '../support/grpc-gateway-yaml.js';
import { waitUntil } from '../support/wait.js';
import { callEcho, createXdsEchoClient, tally, untilAnswer } from '../support/xds-client.js';

jest.setTimeout(60_000);

const CANARY = { 'x-backend': 'canary' };
const BETA = { 'x-backend': 'beta' };
const NODE_ID = 'e2e-proxyless-1';
/** Wall-clock figures, printed at the end (the issue asks for timings). */
const timings: Record<string, number> = {};

describe('a proxyless gRPC client configured by our xDS server', () => {
  let backends: Record<'a' | 'b' | 'c' | 'd' | 'e', EchoBackend>;
  let plane: ControlPlane;
  let client: EchoClient;
  let scenario: GrpcScenario;

  const publish = (next: GrpcScenario) => {
    scenario = next;
    const results = plane.publish(grpcGatewayYaml(next));
    expect(results).toEqual([expect.objectContaining({ gateway: GATEWAY, published: true, problems: [] })]);
    return results[0]!.version!;
  };
  const proxylessClient = (): ClientInfo => {
    const found = plane.server.clients().filter((c) => c.nodeId === NODE_ID);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const started = Date.now();
    backends = await startEchoBackends(['a', 'b', 'c', 'd', 'e'] as const);
    plane = await startControlPlane();
    const port = (name: keyof typeof backends) => backends[name].port;
    publish({
      endpoints: { 'svc-a': port('a'), 'svc-b': port('b'), 'svc-c': port('c'), 'svc-d': port('d') },
      headerValue: 'canary',
      headerMatchService: 'svc-c',
      methodMatchService: 'svc-d',
      weighted: { 'svc-a': 80, 'svc-b': 20 },
    });
    client = createXdsEchoClient(TARGET, { xdsPort: plane.port, gateway: GATEWAY, nodeId: NODE_ID });
    timings.setupMs = Date.now() - started;
  });

  afterAll(async () => {
    client?.close();
    await plane?.close();
    await Promise.all(Object.values(backends ?? {}).map((b) => b.close()));
    // eslint-disable-next-line no-console
    console.log(`grpc-xds e2e timings (ms): ${JSON.stringify(timings)}`);
  });

  it('sends a call with the matching header to the header rule’s backend', async () => {
    const first = await untilAnswer(client, 'Who', CANARY, () => true, 30_000);
    timings.firstCallMs = first.ms;
    expect(first.reply).toEqual({ backend: 'c', method: '/portico.test.Echo/Who' });
    // Subscribed by name to its API listener, ACKed every type it was sent.
    const types = [TYPE_URLS.listener, TYPE_URLS.route, TYPE_URLS.cluster, TYPE_URLS.endpoint];
    const info = await waitUntil('ACKs of every type', () => {
      const c = proxylessClient();
      return types.every((t) => c.types[t]?.ackedVersion) && c;
    });
    expect(info).toMatchObject({ gateway: GATEWAY, protocol: 'sotw' });
    expect(info.userAgent).toMatch(/^gRPC Node Pure JS\//);
    for (const type of types) expect(info.types[type]?.lastNack).toBeUndefined();
  });

  it('sends a call of the matched method (path rule) to its backend', async () => {
    expect(await callEcho(client, 'Admin')).toEqual({ backend: 'd', method: '/portico.test.Echo/Admin' });
  });

  it('splits the default rule 80/20 (±10%) over 400 calls', async () => {
    const started = Date.now();
    const counts = await tally(client, 400);
    timings.calls400Ms = Date.now() - started;
    expect(Object.keys(counts).sort()).toEqual(['a', 'b']);
    const shareA = counts.a! / 400;
    expect(shareA).toBeGreaterThanOrEqual(0.7);
    expect(shareA).toBeLessThanOrEqual(0.9);
  });

  it('applies an edited route without restarting the client', async () => {
    const { streamId } = proxylessClient();
    const started = Date.now();
    // The header rule now wants `x-backend: beta`; `canary` falls through to the weighted rule.
    publish({ ...scenario, headerValue: 'beta' });
    const { reply } = await untilAnswer(client, 'Who', BETA, (r) => r.backend === 'c');
    timings.routeEditAppliedMs = Date.now() - started;
    expect(reply.backend).toBe('c');
    expect(Object.keys(await tally(client, 100, 'Who', CANARY)).sort()).toEqual(['a', 'b']);
    // The same xDS stream: the update came as a push, not through a reconnect.
    expect(proxylessClient().streamId).toBe(streamId);
    expect(plane.events.filter((e) => e.event.kind === 'connected' && e.stream.streamId === streamId)).toHaveLength(1);
  });

  it('applies an endpoint change (another port behind the same Service), pushing only endpoints', async () => {
    const before = plane.events.length;
    const started = Date.now();
    publish({ ...scenario, endpoints: { ...scenario.endpoints, 'svc-d': backends.e.port } });
    const { reply } = await untilAnswer(client, 'Admin', {}, (r) => r.backend === 'e');
    timings.endpointChangeAppliedMs = Date.now() - started;
    expect(reply).toEqual({ backend: 'e', method: '/portico.test.Echo/Admin' });
    const pushed = plane.events.slice(before).flatMap((e) => (e.event.kind === 'push' && e.stream.streamId === proxylessClient().streamId ? [e.event.typeUrl] : []));
    expect(pushed).toEqual([TYPE_URLS.endpoint]);
  });

  it('records a rejected cluster as a NACK with the client’s error, while calls go on with the last good config', async () => {
    const acceptedClusters = proxylessClient().types[TYPE_URLS.cluster]!.ackedVersion;
    // A BackendTLSPolicy gives svc-a's cluster an UpstreamTlsContext with a trusted CA bundle:
    // Envoy accepts it; grpc-js-xds (gRFC A29) accepts only certificate-provider instances from
    // its bootstrap and rejects the cluster.
    const started = Date.now();
    const refused = publish({ ...scenario, backendTls: ['svc-a'] });
    await waitUntil('a CDS NACK', () => proxylessClient().types[TYPE_URLS.cluster]?.lastNack);
    timings.nackRecordedMs = Date.now() - started;
    const cds = proxylessClient().types[TYPE_URLS.cluster]!;
    expect(cds.lastNack).toMatchObject({ version: refused });
    expect(cds.lastNack!.message).toMatch(/Cluster message validation failed: \[ValidationContext\.ca_certificate_provider_instance unset\]/);
    expect(cds.ackedVersion).toBe(acceptedClusters);
    // The rejected cluster is not applied: svc-a still answers in plaintext, the split still holds.
    const counts = await tally(client, 100);
    expect(Object.keys(counts).sort()).toEqual(['a', 'b']);
    expect(await callEcho(client, 'Who', BETA)).toMatchObject({ backend: 'c' });
    expect(plane.events.filter((e) => e.event.kind === 'connected')).toHaveLength(1);
  });

  it('recovers when the rejected config is withdrawn', async () => {
    const version = publish({ ...scenario, backendTls: [] });
    await waitUntil('the CDS ACK of the withdrawn policy', () => proxylessClient().types[TYPE_URLS.cluster]?.ackedVersion === version);
    const counts = await tally(client, 100);
    expect(Object.keys(counts).sort()).toEqual(['a', 'b']);
  });
});
