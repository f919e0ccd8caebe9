/**
 * Property tests for BackendPolicy: over random resource sets with random policies (valid, invalid,
 * conflicting, missing targets, malformed values), translation never throws, every IR is valid, every
 * policy status explains itself, and a policy never changes a backend of a Service it does not target,
 * nor a route that sends to no targeted Service.
 */
import fc from 'fast-check';
import { validateGatewayIR, type BackendIR, type GatewayIR, type HTTPRouteIR } from '@portico/ir';
import { ResourceSet, type KubeObject } from '@portico/resources';
import { resourceSetObjects } from '../arbitraries.test-util.js';
import { translate } from '../translate.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

const durations = fc.constantFrom('1s', '250ms', '1m', '0s', 'soon', '1h30m');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** What the CRD admits: these policies apply when their target exists. */
const validSpec = fc.record({
  targetRefs: fc.array(fc.record({ group: fc.constant(''), kind: fc.constant('Service'), name: fc.constantFrom('a', 'b', 'c'), sectionName: maybe(fc.constantFrom('http', 'grpc')) }), { minLength: 1, maxLength: 2 }),
  healthCheck: maybe(fc.oneof(fc.constant({ type: 'TCP' }), fc.constant({ type: 'HTTP', interval: '5s', http: { path: '/healthz', expectedStatuses: [200, 204] } }))),
  outlierDetection: maybe(fc.record({ consecutive5xxErrors: fc.integer({ min: 1, max: 5 }) })),
  circuitBreaker: maybe(fc.record({ maxRequests: fc.integer({ min: 1, max: 5 }) })),
  loadBalancer: maybe(
    fc.constantFrom(
      { type: 'RingHash', consistentHash: { type: 'Header', header: { name: 'x-user' } } },
      { type: 'Maglev', consistentHash: { type: 'Cookie', cookie: { name: 'aff', ttl: '1h' } } },
      { type: 'RingHash', consistentHash: { type: 'SourceIP' } },
      { type: 'RoundRobin', slowStart: { window: '30s' } },
      { type: 'Random' },
    ),
  ),
  connectTimeout: maybe(fc.constantFrom('1s', '250ms')),
});

const backendPolicy = fc
  .record({
    apiVersion: fc.constant('gateway.portico.dev/v1alpha1'),
    kind: fc.constant('BackendPolicy'),
    metadata: fc.record({ name: fc.constantFrom('p1', 'p2', 'p3'), namespace: fc.constantFrom('default', 'team-a'), creationTimestamp: fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z') }),
    spec: fc.oneof(validSpec, validSpec, fc.record({
      targetRefs: fc.array(fc.record({ group: fc.constantFrom('', 'gateway.networking.k8s.io'), kind: fc.constantFrom('Service', 'Service', 'Gateway'), name: fc.constantFrom('a', 'b', 'c'), sectionName: maybe(fc.constantFrom('http', 'grpc', 'dns', 'nope')) }), { maxLength: 2 }),
      healthCheck: maybe(fc.record({ type: fc.constantFrom('HTTP', 'TCP', 'UDP'), interval: maybe(durations), timeout: maybe(durations), unhealthyThreshold: maybe(fc.integer({ min: -1, max: 5 })), http: maybe(fc.record({ path: fc.constantFrom('/healthz', 'healthz'), expectedStatuses: maybe(fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 3 })) })) })),
      outlierDetection: maybe(fc.record({ consecutive5xxErrors: maybe(fc.integer({ min: -1, max: 5 })), consecutiveGatewayErrors: maybe(fc.integer({ min: 0, max: 5 })), baseEjectionTime: maybe(durations), maxEjectionPercent: maybe(fc.integer({ min: 0, max: 150 })) })),
      circuitBreaker: maybe(fc.record({ maxConnections: maybe(fc.integer({ min: 0, max: 5 })), maxRequests: maybe(fc.integer({ min: 1, max: 5 })), maxRetries: maybe(fc.integer({ min: -1, max: 5 })) })),
      loadBalancer: maybe(
        fc.record({
          type: maybe(fc.constantFrom('LeastRequest', 'RoundRobin', 'Random', 'RingHash', 'Maglev', 'Best')),
          consistentHash: maybe(fc.record({ type: fc.constantFrom('Header', 'Cookie', 'SourceIP', 'Moon'), header: maybe(fc.record({ name: fc.constantFrom('x-user', '') })), cookie: maybe(fc.record({ name: fc.constant('aff'), ttl: maybe(durations) })) })),
          slowStart: maybe(fc.record({ window: durations })),
        }),
      ),
      connectTimeout: maybe(durations),
      tcpKeepalive: maybe(fc.record({ probes: maybe(fc.integer({ min: 0, max: 3 })), idleTime: maybe(durations) })),
      http2: maybe(fc.record({ maxConcurrentStreams: maybe(fc.integer({ min: 0, max: 100 })), initialStreamWindowSize: maybe(fc.constantFrom(1024, 65536)) })),
    })),
  })
  .map((p) => JSON.parse(JSON.stringify(p)) as KubeObject);

/**
 * A gateway whose routes use Services a, b and c (two ports each, one of them HTTP/2) in `default`:
 * the shared random sets alone seldom resolve a backend, and a policy needs one to act on.
 */
const SCAFFOLD: KubeObject[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'scaffold' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'scaffold', namespace: 'default' },
    spec: { gatewayClassName: 'scaffold', listeners: [{ name: 'http', protocol: 'HTTP', port: 8081, allowedRoutes: { namespaces: { from: 'All' } } }] },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'scaffold', namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'scaffold' }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/b' } }], backendRefs: [{ name: 'b', port: 8080 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/c' } }], backendRefs: [{ name: 'c', port: 80 }] },
      ],
    },
  },
  ...['a', 'b', 'c'].flatMap((name, i) => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 8080, appProtocol: 'kubernetes.io/h2c' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-scaffold`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }],
      endpoints: [{ addresses: [`10.9.0.${i + 1}`], conditions: { ready: true } }],
    },
  ]),
] as unknown as KubeObject[];

function targetedServices(policies: KubeObject[]): Set<string> {
  return new Set(policies.flatMap((p) => ((p.spec as { targetRefs: { name: string }[] }).targetRefs ?? []).map((t) => `${p.metadata.namespace}/${t.name}`)));
}

function routesOf(ir: GatewayIR): HTTPRouteIR[] {
  return ir.listeners.flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []) : [])).flatMap((vh) => vh.routes);
}

describe('BackendPolicy properties', () => {
  it('never throws, keeps every IR valid, explains every policy status, and never touches what it does not target', () => {
    // The generator must exercise the feature: some runs apply a policy, some hash routes, some refuse one.
    const seen = { applied: 0, hashed: 0, invalid: 0 };
    fc.assert(
      fc.property(resourceSetObjects, fc.array(backendPolicy, { maxLength: 4 }), (random, policies) => {
        const objects = [...SCAFFOLD, ...random];
        const without = translate(ResourceSet.from(objects as never), { now: new Date(0) });
        const result = translate(ResourceSet.from([...objects, ...policies] as never), { now: new Date(0) });
        expect(result.failures).toEqual([]);
        for (const ir of result.gateways.values()) expect(validateGatewayIR(ir)).toEqual([]);
        for (const s of result.statuses.values()) {
          if (s.kind !== 'BackendPolicy') continue;
          for (const a of s.status.ancestors) for (const c of a.conditions) expect(c.status === 'True' || (c.reason.length > 0 && c.message.length > 0)).toBe(true);
        }
        const targeted = targetedServices(policies);
        const irs = [...result.gateways.values()];
        if (irs.some((ir) => ir.backends.some((b) => b.policy))) seen.applied++;
        if (irs.some((ir) => routesOf(ir).some((r) => r.destination?.hashPolicy))) seen.hashed++;
        if ([...result.statuses.values()].some((s) => s.kind === 'BackendPolicy' && s.status.ancestors.some((a) => a.conditions[0]?.reason === 'Invalid'))) seen.invalid++;
        for (const [key, ir] of result.gateways) {
          const before = without.gateways.get(key);
          expect(before).toBeDefined();
          const beforeBackends = new Map(before!.backends.map((b) => [b.name, b]));
          for (const b of ir.backends) {
            if (!targeted.has(`${b.service.namespace}/${b.service.name}`)) expect<BackendIR | undefined>(b).toEqual(beforeBackends.get(b.name));
          }
          const touched = new Set(ir.backends.filter((b) => targeted.has(`${b.service.namespace}/${b.service.name}`)).map((b) => b.name));
          const beforeRoutes = new Map(routesOf(before!).map((r) => [r.name, r]));
          for (const r of routesOf(ir)) {
            if (!(r.destination?.backends ?? []).some((b) => 'backend' in b && touched.has(b.backend))) expect(r).toEqual(beforeRoutes.get(r.name));
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(Math.min(seen.applied, seen.hashed, seen.invalid)).toBeGreaterThan(0);
  });
});
