import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createServerMetrics } from './server-metrics.js';

describe('server metrics', () => {
  it('count reconciles as controller-runtime does, one controller per kind in lower case', async () => {
    const registry = new Registry();
    const metrics = createServerMetrics(registry, { processMetrics: false });
    metrics.reconciled(['HTTPRoute', 'Service'], 'success', 0.02);
    metrics.reconciled(['HTTPRoute'], 'error', 0.5);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="httproute",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="httproute",result="error"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="service",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="httproute"} 1');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="httproute"} 2');
    expect(text).toContain('portico_reconcile_total{kind="HTTPRoute",result="success"} 1');
  });

  it('observe convergence per gateway, and drop a removed gateway series', async () => {
    const registry = new Registry();
    const metrics = createServerMetrics(registry, { processMetrics: false });
    metrics.converged('default/eg', 0.3);
    metrics.converged('default/eg', 0.7);
    metrics.converged('apps/other', 2);
    let text = await registry.metrics();
    expect(text).toContain('portico_xds_convergence_seconds_count{gateway="default/eg"} 2');
    expect(text).toContain('portico_xds_convergence_seconds_bucket{le="0.5",gateway="default/eg"} 1');
    expect(text).toContain('portico_xds_convergence_seconds_sum{gateway="apps/other"} 2');
    metrics.gatewayRemoved('apps/other');
    text = await registry.metrics();
    expect(text).not.toContain('gateway="apps/other"');
    expect(text).toContain('portico_xds_convergence_seconds_count{gateway="default/eg"} 2');
  });
});
