/**
 * What a BackendPolicy (gateway.portico.dev/v1alpha1) gives a backend: the settings of its Envoy
 * cluster, every default filled in so the dump shows what Envoy is told. Durations are milliseconds
 * (TCP keepalive: whole seconds, as Envoy takes them).
 */

export interface BackendPolicyIR {
  /** `namespace/name` of the BackendPolicy. */
  policy: string;
  healthCheck?: HealthCheckIR;
  outlierDetection?: OutlierDetectionIR;
  circuitBreaker?: CircuitBreakerIR;
  loadBalancer?: LoadBalancerIR;
  connectTimeoutMs?: number;
  tcpKeepalive?: TCPKeepaliveIR;
  /** Applied to HTTP/2 backends only. */
  http2?: HTTP2SettingsIR;
  /** Applied to HTTP and HTTP/2 backends only. */
  timeouts?: BackendTimeoutsIR;
}

/**
 * A BackendPolicy's `timeouts`, in milliseconds. The connection ones go on the cluster; `requestMs`
 * and `streamIdleMs` (0: off) reach the routes through DestinationIR.backendTimeouts.
 */
export interface BackendTimeoutsIR {
  connectionIdleMs?: number;
  maxConnectionDurationMs?: number;
  maxStreamDurationMs?: number;
  streamIdleMs?: number;
  requestMs?: number;
}

/** The route-level defaults of a BackendPolicy's timeouts; the route's own timeouts win. */
export interface BackendRouteTimeoutsIR {
  /** `namespace/name` of the BackendPolicy they come from. */
  policy: string;
  requestMs?: number;
  streamIdleMs?: number;
}

export interface HealthCheckIR {
  type: 'HTTP' | 'TCP';
  intervalMs: number;
  timeoutMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  http?: { path: string; hostname: string; method: string; expectedStatuses: number[] };
}

export interface OutlierDetectionIR {
  /** 0: consecutive 5xx do not eject. */
  consecutive5xxErrors: number;
  consecutiveGatewayErrors?: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
}

export interface CircuitBreakerIR {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export type LoadBalancerType = 'LeastRequest' | 'RoundRobin' | 'Random' | 'RingHash' | 'Maglev';

export interface LoadBalancerIR {
  type: LoadBalancerType;
  slowStartWindowMs?: number;
}

export interface TCPKeepaliveIR {
  probes?: number;
  idleTimeSeconds?: number;
  intervalSeconds?: number;
}

export interface HTTP2SettingsIR {
  maxConcurrentStreams?: number;
  initialStreamWindowSize?: number;
  initialConnectionWindowSize?: number;
}

/**
 * The consistent-hash key of a route whose backend balances by RingHash or Maglev (Envoy's
 * RouteAction.hash_policy). A Cookie with no `ttlMs` is generated as a session cookie.
 */
export type HashPolicyIR =
  | { type: 'Header'; header: string }
  | { type: 'Cookie'; name: string; ttlMs?: number; path?: string }
  | { type: 'SourceIP' };
