/**
 * Incremental (delta) xDS at the protocol level, over a real gRPC connection to the real server:
 * Gateway API YAML → translator → xDS → snapshot cache → DeltaAggregatedResources. The client
 * (support/delta-client.ts) speaks the wire protocol the way Envoy does: it subscribes (wildcard LDS,
 * named RDS), ACKs, NACKs, sees removed_resources and reconnects with initial_resource_versions
 * (xDS protocol doc, "Incremental xDS").
 */
import { decodeMessage, TYPE_URLS } from '@portico/envoy';
import type { StreamEvent } from '@portico/xds-server';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { createDeltaClient, type DeltaClient, type DeltaResponse } from '../support/delta-client.js';

const LDS = TYPE_URLS.listener;
const RDS = TYPE_URLS.route;
const GATEWAY = 'default/eg';
const NODE = { id: 'envoy-delta-1', cluster: GATEWAY };
const HTTP = 'default/eg/http-8080';
const ADMIN = 'default/eg/http-9090';

/** A Gateway with listeners on `ports`, and one HTTPRoute for `hostnames` attached to all of them. */
function gatewayYaml(ports: number[], hostnames: string[]): string {
  const listeners = ports.map((port) => `  - {name: http-${port}, protocol: HTTP, port: ${port}}`).join('\n');
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: default}
spec:
  gatewayClassName: portico
  listeners:
${listeners}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: eg}]
  hostnames: [${hostnames.join(', ')}]
  rules:
  - backendRefs: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [127.0.0.1]}]
`;
}

const names = (r: DeltaResponse) => r.resources.map((x) => x.name);

async function eventually<T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('delta xDS protocol over gRPC', () => {
  let cp: ControlPlane;
  let client: DeltaClient;

  beforeAll(async () => {
    cp = await startControlPlane();
    client = createDeltaClient(`127.0.0.1:${cp.port}`);
  });

  afterAll(async () => {
    client?.close();
    await cp?.close();
  });

  const deltaEvents = (kind: StreamEvent['kind']) => cp.events.filter((e) => e.stream.protocol === 'delta' && e.event.kind === kind).map((e) => e.event);
  const version = () => cp.cache.snapshot(GATEWAY)!.version;
  const publish = (yaml: string) => expect(cp.publish(yaml)).toEqual([expect.objectContaining({ gateway: GATEWAY, published: true, problems: [] })]);

  it('subscribes, ACKs, sees removals, NACKs, and resumes after a reconnect without resends', async () => {
    publish(gatewayYaml([8080, 9090], ['www.example.com']));
    const v1 = version();
    const stream = client.open();

    // Wildcard LDS (legacy: the first request names nothing) and named RDS.
    stream.send({ node: NODE, typeUrl: LDS });
    stream.send({ typeUrl: RDS, resourceNamesSubscribe: [HTTP, ADMIN] });
    const lds = await stream.next();
    expect(lds).toMatchObject({ typeUrl: LDS, systemVersionInfo: v1, removedResources: [] });
    // Envoy's listeners only: the proxyless API listeners (host:port) are for clients naming them.
    expect(names(lds)).toEqual([HTTP, ADMIN]);
    for (const r of lds.resources) {
      expect(r.typeUrl).toBe(LDS);
      expect(decodeMessage('envoy.config.listener.v3.Listener', r.value)).toMatchObject({ name: r.name });
    }
    stream.ack(lds);
    const rds = await stream.next();
    expect(rds).toMatchObject({ typeUrl: RDS, systemVersionInfo: v1, removedResources: [] });
    expect(names(rds)).toEqual([HTTP, ADMIN]);
    expect(decodeMessage('envoy.config.route.v3.RouteConfiguration', rds.resources[0]!.value)).toMatchObject({ name: HTTP });
    stream.ack(rds);
    await eventually(() => (deltaEvents('ack').length === 2 ? true : undefined));
    expect(deltaEvents('ack')).toEqual([
      { kind: 'ack', typeUrl: LDS, version: v1 },
      { kind: 'ack', typeUrl: RDS, version: v1 },
    ]);

    // The admin listener goes: its listener and route table are removed, in removal-only responses.
    publish(gatewayYaml([8080], ['www.example.com']));
    const v2 = version();
    const ldsRemoval = await stream.next();
    expect(ldsRemoval).toMatchObject({ typeUrl: LDS, systemVersionInfo: v2, resources: [], removedResources: [ADMIN] });
    stream.ack(ldsRemoval);
    const rdsRemoval = await stream.next();
    expect(rdsRemoval).toMatchObject({ typeUrl: RDS, systemVersionInfo: v2, resources: [], removedResources: [ADMIN] });
    stream.ack(rdsRemoval);

    // A route change the client refuses: recorded with its text, and nothing is sent until the next snapshot.
    publish(gatewayYaml([8080], ['www.example.com', 'web.example.com']));
    const v3 = version();
    const refused = await stream.next();
    expect(refused).toMatchObject({ typeUrl: RDS, systemVersionInfo: v3, removedResources: [] });
    expect(names(refused)).toEqual([HTTP]);
    stream.nack(refused, 'e2e: route configuration rejected');
    const nack = await eventually(() => deltaEvents('nack')[0]);
    expect(nack).toEqual({ kind: 'nack', typeUrl: RDS, version: v3, message: 'e2e: route configuration rejected' });
    const [info] = cp.server.clients().filter((c) => c.protocol === 'delta');
    expect(info!.types[RDS]!.lastNack).toMatchObject({ version: v3, message: 'e2e: route configuration rejected' });
    expect(info!.types[RDS]!.ackedVersion).toBe(v2);
    expect(await stream.drain(300)).toEqual([]);

    publish(gatewayYaml([8080], ['www.example.com', 'api.example.com']));
    const v4 = version();
    const fixed = await stream.next();
    expect(fixed).toMatchObject({ typeUrl: RDS, systemVersionInfo: v4 });
    expect(names(fixed)).toEqual([HTTP]);
    stream.ack(fixed);
    await eventually(() => deltaEvents('ack').find((e) => e.kind === 'ack' && e.version === v4));

    // Reconnect with what the client holds (plus a listener it still has but the server no longer does).
    const held = stream.held();
    expect([...held.get(LDS)!.keys()]).toEqual([HTTP]);
    expect([...held.get(RDS)!.keys()]).toEqual([HTTP]);
    stream.end();
    const again = client.open();
    again.send({ node: NODE, typeUrl: LDS, initialResourceVersions: { ...Object.fromEntries(held.get(LDS)!), 'default/eg/gone': 'x' } });
    again.send({ typeUrl: RDS, resourceNamesSubscribe: [HTTP], initialResourceVersions: Object.fromEntries(held.get(RDS)!) });
    // The first answer to a wildcard subscription comes even when empty (Envoy waits for it to initialize).
    const resumed = await again.next();
    expect(resumed).toMatchObject({ typeUrl: LDS, systemVersionInfo: v4, resources: [], removedResources: ['default/eg/gone'] });
    again.ack(resumed);
    expect(await again.drain(300)).toEqual([]); // RDS: the client is up to date

    // Still live after the reconnect: the next change is pushed, and only it.
    publish(gatewayYaml([8080], ['api.example.com']));
    const pushed = await again.next();
    expect(pushed).toMatchObject({ typeUrl: RDS, systemVersionInfo: version() });
    expect(names(pushed)).toEqual([HTTP]);
    again.ack(pushed);
    again.end();
  }, 30_000);
});
