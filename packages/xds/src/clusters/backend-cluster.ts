/**
 * One backend's Envoy Cluster in proto3 JSON: what config dumps and goldens show, and what the wire
 * writer (wire/cluster-wire.ts) encodes for the shapes it does not write itself.
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendIR, RetryBudgetIR, UpstreamProtocol } from '@portico/ir';
import { clusterDiscovery } from './dns-clusters.js';
import { clusterName } from '../names.js';
import { upstreamTlsTransportSocket } from './upstream-tls.js';
import { circuitBreakerThreshold, healthChecks, loadBalancingPolicy, outlierDetection, upstreamConnectionOptions } from './backend-policy-cluster.js';
import {
  CONNECT_TIMEOUT,
  DEFAULT_HTTP_PROTOCOL_OPTIONS,
  HTTP_CIRCUIT_BREAKERS,
  HTTP_LOAD_BALANCING,
  HTTP_PROTOCOL_OPTIONS,
  httpProtocolOptions,
  MAX_CONCURRENT_RETRIES,
  PER_CONNECTION_BUFFER_LIMIT_BYTES,
} from './cluster-defaults.js';
import { durationFromMs } from '../proto-duration.js';

export function backendClusterJson(backend: BackendIR): Proto3Json {
  const http = isHttp(backend.protocol);
  const policy = backend.policy;
  const cluster: Proto3Json = {
    name: clusterName(backend),
    ...clusterDiscovery(backend),
    connectTimeout: policy?.connectTimeoutMs === undefined ? CONNECT_TIMEOUT : durationFromMs(policy.connectTimeoutMs),
    perConnectionBufferLimitBytes: PER_CONNECTION_BUFFER_LIMIT_BYTES,
    // TCP: round robin. Least request weighs hosts by active HTTP requests; an L4 session is one
    // long-lived connection, where picking two hosts at random spreads sessions less evenly than
    // simply taking turns. A BackendPolicy's choice wins over both.
    ...(policy?.loadBalancer ? loadBalancingPolicy(policy.loadBalancer) : http ? { loadBalancingPolicy: HTTP_LOAD_BALANCING } : { lbPolicy: 'ROUND_ROBIN' }),
  };
  if (http) {
    if (!backend.retryBudget && !policy?.circuitBreaker) cluster.circuitBreakers = HTTP_CIRCUIT_BREAKERS;
    else {
      const base = backend.retryBudget ? retryBudgetThreshold(backend.retryBudget) : { maxRetries: MAX_CONCURRENT_RETRIES };
      cluster.circuitBreakers = { thresholds: [circuitBreakerThreshold(policy?.circuitBreaker, base)] };
    }
    cluster.typedExtensionProtocolOptions =
      !policy?.http2 && !policy?.timeouts ? DEFAULT_HTTP_PROTOCOL_OPTIONS[backend.protocol as 'HTTP' | 'HTTP2'] : { [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptions(backend.protocol, policy?.http2, policy?.timeouts) };
  } else if (policy?.circuitBreaker) {
    cluster.circuitBreakers = { thresholds: [circuitBreakerThreshold(policy.circuitBreaker, {})] };
  }
  if (policy?.healthCheck) cluster.healthChecks = healthChecks(policy.healthCheck, backend.protocol === 'HTTP2');
  if (policy?.outlierDetection) cluster.outlierDetection = outlierDetection(policy.outlierDetection);
  if (policy?.tcpKeepalive) cluster.upstreamConnectionOptions = upstreamConnectionOptions(policy.tcpKeepalive);
  // A BackendTLSPolicy applies to stream backends (HTTP, HTTP/2, TCP), the only ones with clusters here.
  if (backend.tls) cluster.transportSocket = upstreamTlsTransportSocket(backend.tls, backend.protocol);
  return cluster;
}

/**
 * An XBackendTrafficPolicy retryConstraint as Envoy's retry budget (circuit_breaker.proto
 * Thresholds.retry_budget, which "will override any configured retry circuit breaker"): active
 * retries ≤ budget_percent of active and pending requests, never fewer than min_retry_concurrency.
 */
function retryBudgetThreshold(budget: RetryBudgetIR): Proto3Json {
  return { retryBudget: { budgetPercent: { value: budget.budgetPercent }, minRetryConcurrency: budget.minRetryConcurrency } };
}

export function isHttp(protocol: UpstreamProtocol): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2';
}
