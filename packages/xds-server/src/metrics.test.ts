import { describe, expect, it } from '@jest/globals';
import { Registry, register as globalRegistry } from 'prom-client';
import { createXdsMetrics } from './metrics.js';

const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

describe('xDS metrics', () => {
  it('counts streams, pushes, ACKs, NACKs and push latency in its own registry', async () => {
    const metrics = createXdsMetrics();
    expect(metrics.registry).not.toBe(globalRegistry);
    metrics.record({ kind: 'connected', node: {}, gateway: 'default/eg' }, 'delta');
    metrics.record({ kind: 'push', typeUrl: RDS, version: 'v1', resources: 3, bytes: 300, removed: 0, latencyMs: 2 }, 'delta');
    metrics.record({ kind: 'nack', typeUrl: RDS, version: 'v1', message: 'no' }, 'delta');
    metrics.record({ kind: 'ack', typeUrl: RDS, version: 'v1' }, 'delta');
    const text = await metrics.registry.metrics();
    expect(text).toContain('portico_xds_connected_clients{protocol="delta"} 1');
    expect(text).toContain('portico_xds_connected_clients{protocol="sotw"} 0');
    expect(text).toContain(`portico_xds_pushes_total{type_url="${RDS}"} 1`);
    expect(text).toContain(`portico_xds_pushed_resources_total{type_url="${RDS}"} 3`);
    expect(text).toContain(`portico_xds_pushed_bytes_total{type_url="${RDS}"} 300`);
    expect(text).toContain(`portico_xds_nacks_total{type_url="${RDS}"} 1`);
    expect(text).toContain(`portico_xds_acks_total{type_url="${RDS}"} 1`);
    expect(text).toContain(`portico_xds_push_duration_seconds_bucket{le="0.0025",type_url="${RDS}"} 1`);
    expect(text).toContain(`portico_xds_push_duration_seconds_bucket{le="0.001",type_url="${RDS}"} 0`);
    metrics.record({ kind: 'closed' }, 'delta');
    expect(await metrics.registry.metrics()).toContain('portico_xds_connected_clients{protocol="delta"} 0');
  });

  it('registers in a given registry', async () => {
    const registry = new Registry();
    createXdsMetrics(registry);
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toContain('portico_xds_push_duration_seconds');
  });
});
