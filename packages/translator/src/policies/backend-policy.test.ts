import type { BackendIR, GatewayIR, HTTPRouteIR } from '@portico/ir';
import { ResourceSet } from '@portico/resources';
import { createTranslationCache } from '../translation-cache.js';
import { translate } from '../translate.js';

const now = new Date('2026-01-01T00:00:00Z');

function service(name: string, ports = [{ name: 'http', port: 80 }]): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { ports } };
}

function policy(name: string, targetRefs: object[], spec: object, creationTimestamp = '2025-01-01T00:00:00Z'): object {
  return { apiVersion: 'gateway.portico.dev/v1alpha1', kind: 'BackendPolicy', metadata: { namespace: 'default', name, creationTimestamp }, spec: { targetRefs, ...spec } };
}

const svc = (name: string, sectionName?: string) => ({ group: '', kind: 'Service', name, ...(sectionName ? { sectionName } : {}) });

const base: object[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace: 'default', name: 'eg' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      parentRefs: [{ name: 'eg' }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [{ name: 'a', port: 80 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'a', port: 81 }] },
        { backendRefs: [{ name: 'b', port: 80 }] },
      ],
    },
  },
  service('a', [
    { name: 'http', port: 80 },
    { name: 'admin', port: 81 },
  ]),
  service('b'),
];

function run(extra: object[]): ReturnType<typeof translate> {
  return translate(ResourceSet.from([...base, ...extra] as never), { now });
}

function backend(result: ReturnType<typeof translate>, name: string): BackendIR | undefined {
  return result.gateways.get('default/eg')?.backends.find((b) => b.name === name);
}

function routes(gateway: GatewayIR | undefined): HTTPRouteIR[] {
  return (gateway?.listeners ?? []).flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []) : [])).flatMap((vh) => vh.routes);
}

function accepted(result: ReturnType<typeof translate>, name: string): { status: string; reason: string; message: string } | undefined {
  const status = result.statuses.get(`BackendPolicy/default/${name}`);
  if (!status || !('ancestors' in status.status)) return undefined;
  const c = status.status.ancestors[0]?.conditions.find((x) => x.type === 'Accepted');
  return c && { status: c.status, reason: c.reason, message: c.message };
}

describe('BackendPolicy', () => {
  it('fills in the CRD defaults for objects no loader defaulted', () => {
    const result = run([policy('p', [svc('a')], { healthCheck: { type: 'HTTP', http: { path: '/healthz' } }, outlierDetection: {}, loadBalancer: {} })]);
    expect(backend(result, 'default/a/80/http')?.policy).toEqual({
      policy: 'default/p',
      healthCheck: {
        type: 'HTTP',
        intervalMs: 3000,
        timeoutMs: 1000,
        unhealthyThreshold: 3,
        healthyThreshold: 1,
        http: { path: '/healthz', hostname: 'a.default.svc.cluster.local', method: 'GET', expectedStatuses: [200] },
      },
      outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
      loadBalancer: { type: 'LeastRequest' },
    });
    expect(backend(result, 'default/b/80/http')?.policy).toBeUndefined();
  });

  it('a port-specific policy wins over a whole-Service one on its port only; an equal one that is newer is Conflicted', () => {
    const result = run([
      policy('whole', [svc('a')], { connectTimeout: '1s' }, '2025-01-01T00:00:00Z'),
      policy('newer-whole', [svc('a')], { connectTimeout: '2s' }, '2025-01-02T00:00:00Z'),
      policy('admin-port', [svc('a', 'admin')], { connectTimeout: '3s' }, '2025-01-03T00:00:00Z'),
    ]);
    expect(backend(result, 'default/a/80/http')?.policy).toEqual({ policy: 'default/whole', connectTimeoutMs: 1000 });
    expect(backend(result, 'default/a/81/http')?.policy).toEqual({ policy: 'default/admin-port', connectTimeoutMs: 3000 });
    expect(accepted(result, 'whole')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(accepted(result, 'admin-port')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(accepted(result, 'newer-whole')).toMatchObject({ status: 'False', reason: 'Conflicted', message: expect.stringContaining('BackendPolicy default/whole (Service default/a)') });
  });

  it('timeouts: the connection ones on the backend, request and streamIdle as defaults of the routes that send to it; bad values are Invalid', () => {
    const result = run([policy('t', [svc('a')], { timeouts: { connectionIdle: '30s', maxStreamDuration: '1m', request: '0s', streamIdle: '20s' } })]);
    expect(backend(result, 'default/a/80/http')?.policy).toEqual({ policy: 'default/t', timeouts: { connectionIdleMs: 30_000, maxStreamDurationMs: 60_000, requestMs: 0, streamIdleMs: 20_000 } });
    const byPath = (prefix: string) => routes(result.gateways.get('default/eg')).find((r) => r.match.path?.value === prefix);
    expect(byPath('/a')?.destination?.backendTimeouts).toEqual({ policy: 'default/t', requestMs: 0, streamIdleMs: 20_000 });
    expect(byPath('/')?.destination?.backends).toHaveLength(1);
    expect(byPath('/')?.destination?.backendTimeouts).toBeUndefined();
    for (const [timeouts, message] of [
      [{ streamIdle: '25h' }, 'timeouts.streamIdle "25h" must be at most 24h'],
      [{ maxConnectionDuration: '0s' }, 'timeouts.maxConnectionDuration "0s" must be at least 1ms'],
      [{ request: 'soon' }, 'timeouts.request "soon" is not a valid duration'],
    ] as const) {
      const invalid = run([policy('bad', [svc('a')], { timeouts })]);
      expect(accepted(invalid, 'bad')).toEqual({ status: 'False', reason: 'Invalid', message });
      expect(backend(invalid, 'default/a/80/http')?.policy).toBeUndefined();
    }
  });

  it('as old: the first by namespace/name wins', () => {
    const result = run([policy('zz', [svc('a')], { connectTimeout: '1s' }), policy('aa', [svc('a')], { connectTimeout: '2s' })]);
    expect(backend(result, 'default/a/80/http')?.policy?.policy).toBe('default/aa');
    expect(accepted(result, 'zz')?.reason).toBe('Conflicted');
  });

  it('an invalid policy (values the CRD would refuse) is Invalid, changes nothing, and lets a valid policy for the same Service apply', () => {
    const before = run([]);
    const result = run([
      policy('bad', [svc('a')], { healthCheck: { type: 'HTTP', interval: 'often', timeout: '5s' }, loadBalancer: { type: 'RingHash' }, circuitBreaker: { maxRequests: -1 } }),
      policy('good', [svc('a')], { connectTimeout: '250ms' }, '2025-02-01T00:00:00Z'),
    ]);
    expect(accepted(result, 'bad')).toEqual({
      status: 'False',
      reason: 'Invalid',
      message:
        'healthCheck.interval "often" is not a valid duration; healthCheck.timeout must not be longer than healthCheck.interval; healthCheck.http.path (starting with /) is required when healthCheck.type is HTTP; ' +
        'circuitBreaker.maxRequests -1 must be an integer from 1 to 2147483647; loadBalancer.consistentHash must be set when loadBalancer.type is RingHash or Maglev, and only then',
    });
    expect(backend(result, 'default/a/80/http')?.policy).toEqual({ policy: 'default/good', connectTimeoutMs: 250 });
    // Everything but Service a's backends is what it was without policies.
    expect(backend(result, 'default/b/80/http')).toEqual(backend(before, 'default/b/80/http'));
    expect(routes(result.gateways.get('default/eg'))).toEqual(routes(before.gateways.get('default/eg')));
  });

  it('a malformed spec (wrong types everywhere) never throws: the policy is Invalid or applies nothing it cannot read', () => {
    const weird = [
      policy('no-refs', [], {}),
      policy('null-spec-fields', [svc('a')], { healthCheck: { type: 'UDP' }, outlierDetection: { consecutive5xxErrors: 0 }, loadBalancer: { type: 'Fastest' }, tcpKeepalive: { idleTime: '1500ms' } }),
      { apiVersion: 'gateway.portico.dev/v1alpha1', kind: 'BackendPolicy', metadata: { namespace: 'default', name: 'no-spec' } },
    ];
    const result = run(weird);
    expect(backend(result, 'default/a/80/http')?.policy).toBeUndefined();
    expect(accepted(result, 'null-spec-fields')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(result.failures ?? []).toEqual([]);
  });

  it('consistent hashing: the routes to the Service carry its key; a split takes the first hashed backend’s', () => {
    const result = run([policy('hash', [svc('b')], { loadBalancer: { type: 'Maglev', consistentHash: { type: 'Header', header: { name: 'X-User' } } } })]);
    const byPath = Object.fromEntries(routes(result.gateways.get('default/eg')).map((r) => [r.match.path?.value ?? '', r.destination?.hashPolicy]));
    expect(byPath).toEqual({ '/a': undefined, '/admin': undefined, '/': { type: 'Header', header: 'x-user' } });
    expect(backend(result, 'default/b/80/http')?.policy?.loadBalancer).toEqual({ type: 'Maglev' });
  });

  it('TargetNotFound when no target exists; Accepted naming the missing ones when some do', () => {
    const result = run([policy('ghost', [svc('nope'), svc('a', 'grpc')], { connectTimeout: '1s' }), policy('half', [svc('b'), svc('nope')], { connectTimeout: '1s' })]);
    // ghost names no Service a route uses by name except a: it reports there.
    expect(accepted(result, 'ghost')).toEqual({ status: 'False', reason: 'TargetNotFound', message: 'Service default/nope, Service default/a port grpc do not exist' });
    expect(accepted(result, 'half')).toEqual({ status: 'True', reason: 'Accepted', message: 'policy is accepted; Service default/nope does not exist' });
  });

  it('with a TranslationCache, a policy change re-translates exactly as a fresh translation does', () => {
    const cache = createTranslationCache();
    const cached = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now, cache });
    const steps: object[][] = [
      [],
      [policy('p', [svc('b')], { loadBalancer: { type: 'RingHash', consistentHash: { type: 'Header', header: { name: 'x-a' } } }, outlierDetection: {} })],
      [policy('p', [svc('b')], { loadBalancer: { type: 'RingHash', consistentHash: { type: 'Header', header: { name: 'x-b' } } }, outlierDetection: { consecutive5xxErrors: 2 } })],
      [policy('p', [svc('b', 'http')], { connectTimeout: '1s' })],
      [],
    ];
    for (const extra of steps) expect(cached(extra).gateways).toEqual(run(extra).gateways);
  });
});
