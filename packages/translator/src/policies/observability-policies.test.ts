/**
 * XTelemetryPolicy and AccessLogPolicy objects no API server validated (the file provider loads what
 * breaks a CEL rule; a malformed object may reach the translator): they never throw, never cost the
 * Gateway its config, and say on their own status what is wrong. A cached translation equals a fresh one.
 */
import { ResourceSet } from '@portico/resources';
import { createTranslationCache } from '../translation-cache.js';
import { translate } from '../translate.js';

const now = new Date('2026-01-01T00:00:00Z');

const base: object[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace: 'default', name: 'eg' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { namespace: 'default', name: 'web' }, spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'otel' }, spec: { ports: [{ name: 'otlp', port: 4317 }] } },
];
const target = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'eg' }];

function accessLog(name: string, spec: object): object {
  return { apiVersion: 'gateway.portico.dev/v1alpha1', kind: 'AccessLogPolicy', metadata: { namespace: 'default', name, creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { targetRefs: target, ...spec } };
}
function telemetry(name: string, tracing: unknown): object {
  return { apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XTelemetryPolicy', metadata: { namespace: 'default', name, creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { targetRefs: target, tracing } };
}

function accepted(result: ReturnType<typeof translate>, kind: string, name: string): { status: string; reason: string } | undefined {
  const status = result.statuses.get(`${kind}/default/${name}`);
  const condition = status && 'ancestors' in status.status ? status.status.ancestors[0]?.conditions.find((c) => c.type === 'Accepted') : undefined;
  return condition && { status: condition.status, reason: condition.reason };
}

describe('observability policies the API server did not validate', () => {
  const malformed = [
    accessLog('sinks-not-a-list', { sinks: 'stdout' }),
    accessLog('no-sinks', {}),
    accessLog('json-not-a-list', { format: { type: 'JSON', json: 5 }, sinks: [{ type: 'File', file: { path: 'relative' } }] }),
    telemetry('attributes-not-a-list', { mode: 'Enabled', provider: { backendRef: { name: 'otel', port: 4317 } }, attributes: 'x' }),
    telemetry('no-provider', { mode: 'Enabled' }),
    telemetry('rate-above-one', { mode: 'Enabled', provider: { backendRef: { name: 'otel', port: 4317 } }, samplingRate: { numerator: 5, denominator: 2 } }),
  ];

  it('never throw, leave the Gateway served without them, and report Accepted=False', () => {
    const result = translate(ResourceSet.from([...base, ...malformed] as never), { now });
    expect(result.failures).toEqual([]);
    const ir = result.gateways.get('default/eg');
    expect(ir?.listeners).toHaveLength(1);
    expect(ir?.accessLogs).toBeUndefined();
    expect(ir?.tracing).toBeUndefined();
    for (const name of ['sinks-not-a-list', 'no-sinks', 'json-not-a-list']) expect(accepted(result, 'AccessLogPolicy', name)?.status).toBe('False');
    for (const name of ['attributes-not-a-list', 'no-provider', 'rate-above-one']) expect(accepted(result, 'XTelemetryPolicy', name)?.status).toBe('False');
  });

  it('a valid policy next to them applies; a cached translation equals a fresh one', () => {
    const valid = [accessLog('valid', { sinks: [{ type: 'Stdout' }], filter: { minStatusCode: 500 } }), telemetry('valid', { mode: 'Enabled', provider: { backendRef: { name: 'otel', port: 4317 } } })];
    const objects = ResourceSet.from([...base, ...malformed, ...valid] as never);
    const fresh = translate(objects, { now });
    expect(fresh.gateways.get('default/eg')?.accessLogs?.map((l) => [l.policy, l.minStatusCode])).toEqual([['default/valid', 500]]);
    expect(fresh.gateways.get('default/eg')?.tracing?.backend).toBe('default/otel/4317/http2');
    const cache = createTranslationCache();
    translate(objects, { now, cache });
    const cached = translate(objects, { now, cache });
    expect(cached.gateways).toEqual(fresh.gateways);
    expect([...cached.statuses.keys()].sort()).toEqual([...fresh.statuses.keys()].sort());
  });
});
