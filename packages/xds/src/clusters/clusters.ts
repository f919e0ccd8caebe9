/**
 * Backends → Envoy clusters (CDS) and their endpoints (EDS). Every BackendIR (one Service port in
 * one protocol) is one EDS cluster fed over ADS, so pod churn only ever changes its
 * ClusterLoadAssignment, never the cluster (Envoy would re-warm it and drop its connection pools).
 * ExternalName Services are LOGICAL_DNS clusters instead (dns-clusters.ts).
 * UDP backends are the exception: UDP listeners route to clusters of their own that list the
 * backends' endpoints (udp-clusters.ts), and nothing else routes UDP, so they get none.
 */
import { constantJson, type Proto3Json } from '@portico/envoy';
import type { BackendIR, BackendTimeoutsIR, GatewayIR, HTTP2SettingsIR, RetryBudgetIR, UpstreamProtocol } from '@portico/ir';
import { adsConfigSource } from '../config-source.js';
import { memoizedAcrossBuilds, reusedHost } from '../build-cache.js';
import { clusterDiscovery, hasEdsEndpoints } from './dns-clusters.js';
import { buildClusterLoadAssignment } from './endpoints.js';
import { BLACKHOLE_CLUSTER, clusterName, INVALID_BACKEND_CLUSTER } from '../names.js';
import type { NamedResource } from '../resources.js';
import { typedConfig } from '../typed-config.js';
import { upstreamTlsTransportSocket } from './upstream-tls.js';
import {
  commonHttpProtocolOptions,
  circuitBreakerThreshold,
  healthChecks,
  http2ProtocolOptions,
  loadBalancingPolicy,
  outlierDetection,
  upstreamConnectionOptions,
} from './backend-policy-cluster.js';
import { durationFromMs } from '../proto-duration.js';

/**
 * Time to establish a connection to an endpoint, TLS handshake included. Envoy's own default,
 * written out so the config dump shows it: in-cluster connects take milliseconds, so 5s only trips
 * on a black-holed Pod IP, and still well before typical client deadlines, leaving room for a retry
 * on another endpoint. (Contour uses 2s, Envoy Gateway 10s.)
 */
export const CONNECT_TIMEOUT = '5s';

/**
 * 32 KiB soft limit on each upstream connection's read/write buffers, as Envoy's edge best
 * practices and Envoy Gateway use, instead of Envoy's 1 MiB: flow control then pushes back on a
 * fast backend instead of letting thousands of connections each buffer a megabyte.
 */
export const PER_CONNECTION_BUFFER_LIMIT_BYTES = 32768;

/**
 * HTTP/2 flow-control windows for upstream streams (64 KiB) and connections (1 MiB), from Envoy's
 * edge best practices: Envoy's defaults (256 MiB) let one upstream stream outrun the buffer limit
 * above by orders of magnitude.
 */
const HTTP2_INITIAL_STREAM_WINDOW_SIZE = 65536;
const HTTP2_INITIAL_CONNECTION_WINDOW_SIZE = 1048576;

/**
 * Concurrent retries allowed per cluster. Envoy's default circuit breaker allows only 3, far below
 * its 1024 concurrent requests, so an HTTPRoute retry policy would silently stop retrying under
 * load (upstream_rq_retry_overflow); this raises it to match max_requests, as Envoy Gateway does.
 */
const MAX_CONCURRENT_RETRIES = 1024;

/**
 * Concurrent UDP sessions per cluster. udp_proxy counts each session (one per client address and
 * port, kept for the 60 s idle timeout) against the cluster's max_connections circuit breaker,
 * 1024 unless set (Envoy docs, UDP proxy: "Circuit breaking"); past it every datagram of a new
 * session is dropped (`upstream_cx_overflow`). Clients that use a fresh port per request (DNS
 * resolvers, the Gateway API conformance probes) reach 1024 at 17 new sessions a second. Raised to
 * the bootstrap's ceiling on downstream connections (DEFAULT_MAX_DOWNSTREAM_CONNECTIONS): a session
 * holds one upstream socket, as a TCP connection does.
 */
export const UDP_MAX_SESSIONS = 50_000;

/** Empty clusters need no real timeout: they never connect. */
const EMPTY_CLUSTER_CONNECT_TIMEOUT = '1s';

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/*
 * What most HTTP clusters share, made once as constants (@portico/envoy constant-json.ts): the
 * encoder writes each once per process rather than once per cluster, and the clusters of 10,000
 * backends no longer each allocate their own copy. A backend with a policy that changes one of them
 * gets its own object, built as before.
 */

/** Circuit breakers without a retry budget or a policy's thresholds. */
const HTTP_CIRCUIT_BREAKERS = constantJson({ thresholds: [{ maxRetries: MAX_CONCURRENT_RETRIES }] });

export function buildClusters(gateway: GatewayIR): { clusters: NamedResource[]; endpoints: NamedResource[] } {
  // The same backends as last time (the translator reuses unchanged BackendIR objects): the same lists.
  if (gateway.name) return reusedHost(`backends|${gateway.name}`, gateway.backends, '', () => buildClusterLists(gateway));
  return buildClusterLists(gateway);
}

function buildClusterLists(gateway: GatewayIR): { clusters: NamedResource[]; endpoints: NamedResource[] } {
  const streamBackends = gateway.backends.filter((b) => b.protocol !== 'UDP');
  return {
    clusters: sortByName(streamBackends.map((b) => memoizedAcrossBuilds('cluster', b, () => backendCluster(b)))),
    // ExternalName backends resolve DNS themselves (dns-clusters.ts): no endpoint set.
    endpoints: sortByName(streamBackends.filter(hasEdsEndpoints).map((b) => memoizedAcrossBuilds('endpoints', b, () => buildClusterLoadAssignment(b)))),
  };
}

/** A cluster that never has endpoints, with its (empty) endpoint set. */
export interface EmptyCluster {
  cluster: NamedResource;
  endpoints: NamedResource;
}

/**
 * Where invalid backendRefs send HTTP requests: no endpoints, so Envoy answers "no healthy
 * upstream", which the connection manager turns into the spec's 500 (http-connection-manager.ts).
 */
export function invalidBackendCluster(): EmptyCluster {
  return emptyCluster(INVALID_BACKEND_CLUSTER);
}

/** Where TCP/UDP traffic for an invalid backend goes: no endpoints, so connections are refused. */
export function blackholeCluster(): EmptyCluster {
  return emptyCluster(BLACKHOLE_CLUSTER);
}

function backendCluster(backend: BackendIR): NamedResource {
  const name = clusterName(backend);
  const http = isHttp(backend.protocol);
  const policy = backend.policy;
  const cluster: Proto3Json = {
    name,
    ...clusterDiscovery(backend),
    connectTimeout: policy?.connectTimeoutMs === undefined ? CONNECT_TIMEOUT : durationFromMs(policy.connectTimeoutMs),
    perConnectionBufferLimitBytes: PER_CONNECTION_BUFFER_LIMIT_BYTES,
    // TCP: round robin. Least request weighs hosts by active HTTP requests; an L4 session is one
    // long-lived connection, where picking two hosts at random spreads sessions less evenly than
    // simply taking turns. A BackendPolicy's choice wins over both.
    ...(policy?.loadBalancer ? loadBalancingPolicy(policy.loadBalancer) : http ? httpLoadBalancing() : { lbPolicy: 'ROUND_ROBIN' }),
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
  return { name, resource: cluster };
}

/**
 * An XBackendTrafficPolicy retryConstraint as Envoy's retry budget (circuit_breaker.proto
 * Thresholds.retry_budget, which "will override any configured retry circuit breaker"): active
 * retries ≤ budget_percent of active and pending requests, never fewer than min_retry_concurrency.
 */
function retryBudgetThreshold(budget: RetryBudgetIR): Proto3Json {
  return { retryBudget: { budgetPercent: { value: budget.budgetPercent }, minRetryConcurrency: budget.minRetryConcurrency } };
}

/** Circuit breakers of a cluster udp_proxy routes to (udp-clusters.ts): room for UDP_MAX_SESSIONS sessions. */
export function udpCircuitBreakers(): Proto3Json {
  return { thresholds: [{ maxConnections: UDP_MAX_SESSIONS }] };
}

/**
 * HTTP backends: least-request balancing (Envoy Gateway's default; it avoids piling requests on a
 * slow Pod, which round robin does not) with round robin after it in the list. Each xDS client
 * takes the first policy it supports (Cluster.load_balancing_policy): Envoy takes least request,
 * gRPC's xDS client (which has no least request and rejects `lb_policy: LEAST_REQUEST`) takes
 * round robin. lb_policy stays unset, so it is ignored in favour of this list.
 */
function httpLoadBalancing(): Proto3Json {
  return { loadBalancingPolicy: HTTP_LOAD_BALANCING };
}

const HTTP_LOAD_BALANCING = constantJson({
  policies: [
    lbPolicy('envoy.load_balancing_policies.least_request', 'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest'),
    lbPolicy('envoy.load_balancing_policies.round_robin', 'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin'),
  ],
});

function lbPolicy(name: string, typeName: string): Proto3Json {
  return { typedExtensionConfig: { name, typedConfig: typedConfig(typeName) } };
}

/**
 * The upstream HTTP version is explicit, never "same as downstream": Gateway API backends speak
 * HTTP/1.1 unless the Service port's appProtocol says otherwise (kubernetes.io/h2c, GEP-1911), and
 * GRPCRoute backends speak HTTP/2. An HTTP/2 client must not turn into HTTP/2 to an HTTP/1.1 Pod.
 */
function httpProtocolOptions(protocol: UpstreamProtocol, http2: HTTP2SettingsIR | undefined, timeouts: BackendTimeoutsIR | undefined): Proto3Json {
  const explicitHttpConfig =
    protocol === 'HTTP2'
      ? {
          http2ProtocolOptions: http2ProtocolOptions(http2, {
            initialStreamWindowSize: HTTP2_INITIAL_STREAM_WINDOW_SIZE,
            initialConnectionWindowSize: HTTP2_INITIAL_CONNECTION_WINDOW_SIZE,
          }),
        }
      : { httpProtocolOptions: {} };
  const common = timeouts ? commonHttpProtocolOptions(timeouts) : undefined;
  return typedConfig(HTTP_PROTOCOL_OPTIONS, { ...(common ? { commonHttpProtocolOptions: common } : {}), explicitHttpConfig });
}

/** typedExtensionProtocolOptions of a backend whose policy sets no HTTP/2 settings and no timeouts, per protocol. */
const DEFAULT_HTTP_PROTOCOL_OPTIONS = {
  HTTP: constantJson({ [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptions('HTTP', undefined, undefined) }),
  HTTP2: constantJson({ [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptions('HTTP2', undefined, undefined) }),
};

/**
 * EDS with an empty endpoint set rather than STATIC: proxyless gRPC clients (grpc-js-xds) only accept
 * EDS and LOGICAL_DNS clusters and would NACK a STATIC one; Envoy takes either.
 */
function emptyCluster(name: string): EmptyCluster {
  return {
    cluster: { name, resource: { name, type: 'EDS', edsClusterConfig: { edsConfig: adsConfigSource() }, connectTimeout: EMPTY_CLUSTER_CONNECT_TIMEOUT } },
    endpoints: { name, resource: { clusterName: name } },
  };
}

function isHttp(protocol: UpstreamProtocol): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2';
}

function sortByName(list: NamedResource[]): NamedResource[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
