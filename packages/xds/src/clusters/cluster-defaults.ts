/**
 * The settings every backend cluster starts from (backend-cluster.ts builds its JSON from them; the
 * wire writer, wire/cluster-wire.ts, writes the same values straight into bytes). The JSON parts
 * most HTTP clusters share are made once as constants (@portico/envoy constant-json.ts): the encoder
 * writes each once per process rather than once per cluster, and the clusters of 10,000 backends no
 * longer each allocate their own copy. A backend with a policy that changes one of them gets its own
 * object, built as before.
 */
import { constantJson, type Proto3Json } from '@portico/envoy';
import type { BackendTimeoutsIR, HTTP2SettingsIR, UpstreamProtocol } from '@portico/ir';
import { commonHttpProtocolOptions, http2ProtocolOptions } from './backend-policy-cluster.js';
import { typedConfig } from '../typed-config.js';

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
export const MAX_CONCURRENT_RETRIES = 1024;

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

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Circuit breakers without a retry budget or a policy's thresholds. */
export const HTTP_CIRCUIT_BREAKERS = constantJson({ thresholds: [{ maxRetries: MAX_CONCURRENT_RETRIES }] });

/** Circuit breakers of a cluster udp_proxy routes to (udp-clusters.ts): room for UDP_MAX_SESSIONS sessions. */
export function udpCircuitBreakers(): Proto3Json {
  return { thresholds: [{ maxConnections: UDP_MAX_SESSIONS }] };
}

/**
 * HTTP backends' `loadBalancingPolicy`: least-request balancing (Envoy Gateway's default; it avoids
 * piling requests on a slow Pod, which round robin does not) with round robin after it in the list.
 * Each xDS client takes the first policy it supports (Cluster.load_balancing_policy): Envoy takes
 * least request, gRPC's xDS client (which has no least request and rejects `lb_policy:
 * LEAST_REQUEST`) takes round robin. lb_policy stays unset, so it is ignored in favour of this list.
 */
export const HTTP_LOAD_BALANCING = constantJson({
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
export function httpProtocolOptions(protocol: UpstreamProtocol, http2: HTTP2SettingsIR | undefined, timeouts: BackendTimeoutsIR | undefined): Proto3Json {
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
export const DEFAULT_HTTP_PROTOCOL_OPTIONS = {
  HTTP: constantJson({ [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptions('HTTP', undefined, undefined) }),
  HTTP2: constantJson({ [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptions('HTTP2', undefined, undefined) }),
};
