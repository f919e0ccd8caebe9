import { encodeMessage } from '@portico/envoy';
import type { BackendIR, BackendPolicyIR } from '@portico/ir';
import { circuitBreakerThreshold, commonHttpProtocolOptions, healthChecks, loadBalancingPolicy, outlierDetection } from './backend-policy-cluster.js';
import { buildClusters } from './clusters.js';
import { grpcDecode } from '../proxyless-grpc.test-util.js';

function backend(policy: BackendPolicyIR, protocol: BackendIR['protocol'] = 'HTTP'): BackendIR {
  return { name: `default/web/80/${protocol.toLowerCase()}`, service: { namespace: 'default', name: 'web', port: 80 }, protocol, endpoints: [{ address: '10.0.0.1', port: 8080 }], policy };
}

function cluster(b: BackendIR): Record<string, unknown> {
  return buildClusters({ name: '', gatewayClass: 'portico', listeners: [], backends: [b] } as never).clusters[0]!.resource as Record<string, unknown>;
}

describe('BackendPolicy → Envoy cluster', () => {
  it('health check: expected statuses as [start, end) ranges, runs merged; HTTP/2 backends are checked over HTTP/2', () => {
    const [check] = healthChecks({ type: 'HTTP', intervalMs: 250, timeoutMs: 100, unhealthyThreshold: 2, healthyThreshold: 1, http: { path: '/h', hostname: 'h', method: 'HEAD', expectedStatuses: [200, 201, 202, 204, 301] } }, true);
    expect(check).toEqual({
      timeout: '0.100s',
      interval: '0.250s',
      noTrafficInterval: '0.250s',
      unhealthyThreshold: 2,
      healthyThreshold: 1,
      httpHealthCheck: {
        host: 'h',
        path: '/h',
        method: 'HEAD',
        expectedStatuses: [
          { start: '200', end: '203' },
          { start: '204', end: '205' },
          { start: '301', end: '302' },
        ],
        codecClientType: 'HTTP2',
      },
    });
    expect(healthChecks({ type: 'TCP', intervalMs: 3000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1 }, false)[0]).toMatchObject({ tcpHealthCheck: {} });
  });

  it('outlier detection does only what the policy says: success rate off, gateway errors on only when set, 5xx off at 0', () => {
    expect(outlierDetection({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 5000, maxEjectionPercent: 50 })).toEqual({
      enforcingConsecutive5xx: 0,
      consecutiveGatewayFailure: 2,
      enforcingConsecutiveGatewayFailure: 100,
      enforcingSuccessRate: 0,
      interval: '1s',
      baseEjectionTime: '5s',
      maxEjectionPercent: 50,
      alwaysEjectOneHost: true,
    });
  });

  it('circuit breaker: the policy’s limits over the base; a retry budget keeps replacing maxRetries', () => {
    expect(circuitBreakerThreshold({ maxRequests: 5, maxRetries: 1 }, { maxRetries: 1024 })).toEqual({ maxRequests: 5, maxRetries: 1 });
    const budget = { retryBudget: { budgetPercent: { value: 20 }, minRetryConcurrency: 3 } };
    expect(circuitBreakerThreshold({ maxConnections: 7, maxRetries: 1 }, budget)).toEqual({ ...budget, maxConnections: 7 });
  });

  it('load balancing: round robin follows as the fallback for xDS clients without the first, never after round robin or ring hash', () => {
    const names = (type: Parameters<typeof loadBalancingPolicy>[0]['type']) =>
      ((loadBalancingPolicy({ type }).loadBalancingPolicy as { policies: { typedExtensionConfig: { name: string } }[] }).policies).map((p) => p.typedExtensionConfig.name.split('.').pop());
    expect(names('Maglev')).toEqual(['maglev', 'round_robin']);
    expect(names('Random')).toEqual(['random', 'round_robin']);
    expect(names('RingHash')).toEqual(['ring_hash']);
    expect(names('RoundRobin')).toEqual(['round_robin']);
  });

  it('every field together encodes as an Envoy Cluster (HTTP/2 and TCP backends)', () => {
    const policy: BackendPolicyIR = {
      policy: 'default/p',
      healthCheck: { type: 'HTTP', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2, http: { path: '/healthz', hostname: 'web', method: 'GET', expectedStatuses: [200] } },
      outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
      circuitBreaker: { maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4 },
      loadBalancer: { type: 'LeastRequest', slowStartWindowMs: 30_000 },
      connectTimeoutMs: 250,
      tcpKeepalive: { probes: 3, idleTimeSeconds: 60, intervalSeconds: 10 },
      http2: { maxConcurrentStreams: 100, initialStreamWindowSize: 131072 },
    };
    for (const protocol of ['HTTP2', 'TCP'] as const) {
      const c = cluster(backend(policy, protocol));
      expect(() => encodeMessage('envoy.config.cluster.v3.Cluster', c)).not.toThrow();
      expect(c.connectTimeout).toBe('0.250s');
      expect(c.upstreamConnectionOptions).toEqual({ tcpKeepalive: { keepaliveProbes: 3, keepaliveTime: 60, keepaliveInterval: 10 } });
    }
    const h2 = cluster(backend(policy, 'HTTP2')) as { typedExtensionProtocolOptions: Record<string, { explicitHttpConfig: { http2ProtocolOptions: object } }> };
    expect(Object.values(h2.typedExtensionProtocolOptions)[0]!.explicitHttpConfig.http2ProtocolOptions).toEqual({ initialStreamWindowSize: 131072, initialConnectionWindowSize: 1048576, maxConcurrentStreams: 100 });
    expect(cluster(backend(policy, 'TCP')).circuitBreakers).toEqual({ thresholds: [{ maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4 }] });
  });

  it('a proxyless gRPC client (grpc-js-xds) accepts every load-balancing type with every other field set', () => {
    const rest: Omit<BackendPolicyIR, 'loadBalancer'> = {
      policy: 'default/p',
      healthCheck: { type: 'TCP', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 },
      outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 2, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
      circuitBreaker: { maxRequests: 3 },
      connectTimeoutMs: 250,
      http2: { maxConcurrentStreams: 100 },
    };
    for (const type of ['LeastRequest', 'RoundRobin', 'Random', 'RingHash', 'Maglev'] as const) {
      const decoded = grpcDecode('cluster', cluster(backend({ ...rest, loadBalancer: { type } }, 'HTTP2')));
      expect([type, decoded.error]).toEqual([type, undefined]);
    }
  });

  it('timeouts: the connection ones go on the HttpProtocolOptions common options; route-level ones do not touch the cluster', () => {
    expect(commonHttpProtocolOptions({ connectionIdleMs: 30_000, maxConnectionDurationMs: 600_000, maxStreamDurationMs: 1500 })).toEqual({
      idleTimeout: '30s',
      maxConnectionDuration: '600s',
      maxStreamDuration: '1.500s',
    });
    expect(commonHttpProtocolOptions({ requestMs: 1000, streamIdleMs: 1000 })).toBeUndefined();
    const options = (c: Record<string, unknown>) =>
      ((c.typedExtensionProtocolOptions as Record<string, Record<string, unknown>>)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']!);
    for (const protocol of ['HTTP', 'HTTP2'] as const) {
      const c = cluster(backend({ policy: 'default/p', timeouts: { connectionIdleMs: 2000 } }, protocol));
      expect(options(c).commonHttpProtocolOptions).toEqual({ idleTimeout: '2s' });
      expect(Object.keys(options(c))).toContain('explicitHttpConfig');
    }
    expect(options(cluster(backend({ policy: 'default/p', timeouts: { requestMs: 1000 } }))).commonHttpProtocolOptions).toBeUndefined();
  });
});

