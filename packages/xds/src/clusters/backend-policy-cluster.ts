/**
 * A BackendPolicy's settings (BackendPolicyIR) → fields of the backend's Envoy Cluster: one small
 * builder per Envoy concept. clusters.ts decides where each goes; the consistent-hash key goes on
 * routes instead (routes/hash-policy.ts).
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendTimeoutsIR, CircuitBreakerIR, HealthCheckIR, HTTP2SettingsIR, LoadBalancerIR, OutlierDetectionIR, TCPKeepaliveIR } from '@portico/ir';
import { durationFromMs } from '../proto-duration.js';
import { typedConfig } from '../typed-config.js';

/**
 * One active health check (config/core/v3/health_check.proto). no_traffic_interval is the interval
 * too: Envoy would otherwise probe a cluster without traffic only every 60s, so an endpoint that
 * failed while idle would still take the first requests after a quiet spell.
 */
export function healthChecks(hc: HealthCheckIR, http2: boolean): Proto3Json[] {
  const interval = durationFromMs(hc.intervalMs);
  const check: Proto3Json = {
    timeout: durationFromMs(hc.timeoutMs),
    interval,
    noTrafficInterval: interval,
    unhealthyThreshold: hc.unhealthyThreshold,
    healthyThreshold: hc.healthyThreshold,
  };
  if (hc.type === 'HTTP' && hc.http) {
    check.httpHealthCheck = {
      host: hc.http.hostname,
      path: hc.http.path,
      ...(hc.http.method === 'GET' ? {} : { method: hc.http.method }),
      // Envoy's ranges are [start, end): one range per contiguous run of statuses.
      expectedStatuses: statusRanges(hc.http.expectedStatuses),
      // The check speaks what the backend speaks (an h2c or gRPC port refuses HTTP/1.1).
      codecClientType: http2 ? 'HTTP2' : 'HTTP1',
    };
  } else {
    // No payload: the check passes when the connection opens.
    check.tcpHealthCheck = {};
  }
  return [check];
}

function statusRanges(statuses: readonly number[]): Proto3Json[] {
  const ranges: { start: number; end: number }[] = [];
  for (const s of [...statuses].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === s) last.end = s + 1;
    else if (!last || last.end < s) ranges.push({ start: s, end: s + 1 });
  }
  return ranges.map((r) => ({ start: String(r.start), end: String(r.end) }));
}

/**
 * Outlier detection (config/cluster/v3/outlier_detection.proto) doing only what the policy says:
 * Envoy's success-rate ejection is on by default (enforcing_success_rate 100) and is turned off, the
 * gateway-error ejection is off by default (enforcing 0) and is turned on when asked for. Without
 * split_external_local_origin_errors, a connection failure counts as a 5xx and as a gateway error.
 * always_eject_one_host: with the default 10%, a Service of fewer than 10 endpoints (most of them)
 * could otherwise never eject any.
 */
export function outlierDetection(od: OutlierDetectionIR): Proto3Json {
  return {
    ...(od.consecutive5xxErrors > 0 ? { consecutive5xx: od.consecutive5xxErrors } : {}),
    enforcingConsecutive5xx: od.consecutive5xxErrors > 0 ? 100 : 0,
    ...(od.consecutiveGatewayErrors === undefined ? {} : { consecutiveGatewayFailure: od.consecutiveGatewayErrors }),
    enforcingConsecutiveGatewayFailure: od.consecutiveGatewayErrors === undefined ? 0 : 100,
    enforcingSuccessRate: 0,
    interval: durationFromMs(od.intervalMs),
    baseEjectionTime: durationFromMs(od.baseEjectionTimeMs),
    maxEjectionPercent: od.maxEjectionPercent,
    alwaysEjectOneHost: true,
  };
}

/** The policy's limits on the default-priority thresholds; unset limits keep what `base` has (Envoy's defaults otherwise). */
export function circuitBreakerThreshold(cb: CircuitBreakerIR | undefined, base: Proto3Json): Proto3Json {
  if (!cb) return base;
  const threshold: Proto3Json = { ...base };
  if (cb.maxConnections !== undefined) threshold.maxConnections = cb.maxConnections;
  if (cb.maxPendingRequests !== undefined) threshold.maxPendingRequests = cb.maxPendingRequests;
  if (cb.maxRequests !== undefined) threshold.maxRequests = cb.maxRequests;
  // A retry budget (XBackendTrafficPolicy) "will override any configured retry circuit breaker".
  if (cb.maxRetries !== undefined && !('retryBudget' in base)) threshold.maxRetries = cb.maxRetries;
  return threshold;
}

const LB_EXTENSIONS: Record<LoadBalancerIR['type'], [string, string]> = {
  LeastRequest: ['envoy.load_balancing_policies.least_request', 'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest'],
  RoundRobin: ['envoy.load_balancing_policies.round_robin', 'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin'],
  Random: ['envoy.load_balancing_policies.random', 'envoy.extensions.load_balancing_policies.random.v3.Random'],
  RingHash: ['envoy.load_balancing_policies.ring_hash', 'envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash'],
  Maglev: ['envoy.load_balancing_policies.maglev', 'envoy.extensions.load_balancing_policies.maglev.v3.Maglev'],
};

/**
 * Cluster.load_balancing_policy for the policy's type. Round robin follows as a fallback for the
 * xDS clients that lack the first (a proxyless gRPC client has no least request, random or Maglev);
 * Envoy takes the first. Ring hash needs no fallback: gRPC clients have it.
 */
export function loadBalancingPolicy(lb: LoadBalancerIR): Proto3Json {
  const [name, typeName] = LB_EXTENSIONS[lb.type];
  const fields: Proto3Json = lb.slowStartWindowMs === undefined ? {} : { slowStartConfig: { slowStartWindow: durationFromMs(lb.slowStartWindowMs) } };
  // XX_HASH is what DEFAULT_HASH means to Envoy, written out: gRPC clients refuse DEFAULT_HASH.
  if (lb.type === 'RingHash') fields.hashFunction = 'XX_HASH';
  const policies = [{ typedExtensionConfig: { name, typedConfig: typedConfig(typeName, fields) } }];
  if (lb.type !== 'RoundRobin' && lb.type !== 'RingHash') {
    const [rrName, rrType] = LB_EXTENSIONS.RoundRobin;
    policies.push({ typedExtensionConfig: { name: rrName, typedConfig: typedConfig(rrType) } });
  }
  return { loadBalancingPolicy: { policies } };
}

/** Cluster.upstream_connection_options: keepalive on every connection to the endpoints. */
export function upstreamConnectionOptions(keepalive: TCPKeepaliveIR): Proto3Json {
  const tcpKeepalive: Proto3Json = {};
  if (keepalive.probes !== undefined) tcpKeepalive.keepaliveProbes = keepalive.probes;
  if (keepalive.idleTimeSeconds !== undefined) tcpKeepalive.keepaliveTime = keepalive.idleTimeSeconds;
  if (keepalive.intervalSeconds !== undefined) tcpKeepalive.keepaliveInterval = keepalive.intervalSeconds;
  return { tcpKeepalive };
}

/** The policy's HTTP/2 settings over Portico's (`base`). */
export function http2ProtocolOptions(settings: HTTP2SettingsIR | undefined, base: Proto3Json): Proto3Json {
  if (!settings) return base;
  return {
    ...base,
    ...(settings.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: settings.maxConcurrentStreams }),
    ...(settings.initialStreamWindowSize === undefined ? {} : { initialStreamWindowSize: settings.initialStreamWindowSize }),
    ...(settings.initialConnectionWindowSize === undefined ? {} : { initialConnectionWindowSize: settings.initialConnectionWindowSize }),
  };
}

/**
 * A BackendPolicy's connection timeouts (config/core/v3/protocol.proto HttpProtocolOptions, the
 * upstream HttpProtocolOptions' common_http_protocol_options): idle_timeout closes a connection with
 * no active request (Envoy's default 1h), max_connection_duration drains one after that long, and
 * max_stream_duration resets a request to an endpoint that lasts longer (the client gets 504).
 * Undefined when the policy sets none of them (the route-level ones go on routes instead).
 */
export function commonHttpProtocolOptions(t: BackendTimeoutsIR): Proto3Json | undefined {
  const out: Proto3Json = {};
  if (t.connectionIdleMs !== undefined) out.idleTimeout = durationFromMs(t.connectionIdleMs);
  if (t.maxConnectionDurationMs !== undefined) out.maxConnectionDuration = durationFromMs(t.maxConnectionDurationMs);
  if (t.maxStreamDurationMs !== undefined) out.maxStreamDuration = durationFromMs(t.maxStreamDurationMs);
  return Object.keys(out).length > 0 ? out : undefined;
}
