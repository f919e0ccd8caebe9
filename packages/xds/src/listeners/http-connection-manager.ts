/**
 * The HTTP connection manager (`envoy.filters.network.http_connection_manager`) of a cleartext HTTP
 * listener or of one HTTPS filter chain: edge-proxy defaults from Envoy's "Configuring Envoy as an
 * edge proxy" best practices, the route table over RDS, and only the HTTP filters its routes use.
 */
import type { Proto3Json } from '@portico/envoy';
import { httpAccessLog, policyAccessLogs } from './access-log.js';
import { adsConfigSource } from '../config-source.js';
import { referencesOf } from '../snapshot/consistency.js';
import { CORS_FILTER, INVALID_BACKEND_CLUSTER, ROUTER_FILTER, STATEFUL_SESSION_FILTER } from '../names.js';
import type { NamedResource } from '../resources.js';
import { typedConfig } from '../typed-config.js';
import type { AccessLogIR, ExternalAuthIR, RateLimitServiceIR, TracingIR } from '@portico/ir';
import { extAuthzHttpFilter } from './ext-authz.js';
import { securityHttpFilters, type SecurityFilterSet } from './security-filters.js';
import { bufferHttpFilters } from './buffer-filter.js';
import { rateLimitHttpFilters } from './rate-limit-filter.js';
import { globalRateLimitHttpFilters } from './rate-limit-global-filter.js';
import { hcmTracing } from './tracing.js';

export const HTTP_CONNECTION_MANAGER_FILTER = 'envoy.filters.network.http_connection_manager';
const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/**
 * Edge defaults (Envoy edge best practices; Envoy Gateway uses the same HTTP/2 figures):
 * - requestHeadersTimeout 10s: a client that has not sent its full headers by then is a slowloris;
 *   Envoy's default is no limit.
 * - streamIdleTimeout 300s: Envoy's own default, written out so the dump says it. It also bounds idle
 *   WebSockets and idle gRPC streams; the whole-request timeout stays off (Envoy's default) because
 *   streaming gRPC and WebSockets legitimately last longer, and HTTPRoute `timeouts` set it per route.
 * - idleTimeout 3600s for a downstream connection with no streams (Envoy's default, written out).
 * - HTTP/2: 100 concurrent streams per connection, 64 KiB stream and 1 MiB connection windows, so
 *   one client cannot make Envoy buffer 256 MiB per stream (the HTTP/2 defaults).
 */
const REQUEST_HEADERS_TIMEOUT = '10s';
const STREAM_IDLE_TIMEOUT = '300s';
const CONNECTION_IDLE_TIMEOUT = '3600s';
const HTTP2_MAX_CONCURRENT_STREAMS = 100;
const HTTP2_INITIAL_STREAM_WINDOW = 65536;
const HTTP2_INITIAL_CONNECTION_WINDOW = 1048576;

export interface HttpConnectionManagerOptions {
  /** Prefix of the `http.<statPrefix>.*` statistics. */
  statPrefix: string;
  /** The route table served over RDS for this connection manager: its routes decide which HTTP filters are installed. */
  routeConfig: NamedResource;
  accessLog: boolean;
  /**
   * A request header set to a value before routing (overwriting the client's), for a route table shared
   * by several HTTPS filter chains to know the chain: `{ name: HTTPS_SERVER_HEADER, value: <server> }`.
   */
  routingHeader?: { name: string; value: string };
  /**
   * The external auth services of the table's routes by ext_authz filter name (ext-authz.ts
   * externalAuthServices); each one a route of the table enables is installed.
   */
  externalAuths?: ReadonlyMap<string, ExternalAuthIR>;
  /** The SecurityPolicy filter settings of the table's routes (security-filters.ts securityFilterSet). */
  security?: SecurityFilterSet;
  /** The Gateway's tracing (XTelemetryPolicy): Envoy's OpenTelemetry tracer on this connection manager. */
  tracing?: TracingIR;
  /** The AccessLogPolicy of this connection manager's listener(s), with the Gateway (`namespace/name`): it replaces the default log. */
  accessLogPolicy?: { log: AccessLogIR; gateway: string };
  /** The Gateway's rate-limit service: the ratelimit filter is installed when a route has global rules. */
  rateLimitService?: RateLimitServiceIR;
}

/** The network filter, ready for a filter chain's `filters`. */
export function httpConnectionManagerFilter(options: HttpConnectionManagerOptions): Proto3Json {
  return { name: HTTP_CONNECTION_MANAGER_FILTER, typedConfig: typedConfig(HCM_TYPE, httpConnectionManager(options)) };
}

export function httpConnectionManager(options: HttpConnectionManagerOptions): Proto3Json {
  const hcm: Proto3Json = {
    // AUTO sniffs the HTTP/2 connection preface, so gRPC with prior knowledge (h2c) works on cleartext.
    codecType: 'AUTO',
    statPrefix: options.statPrefix,
    rds: { configSource: adsConfigSource(), routeConfigName: options.routeConfig.name },
    httpFilters: httpFilters(options),
    ...(options.routingHeader ? { earlyHeaderMutationExtensions: [routingHeaderMutation(options.routingHeader)] } : {}),
    // The edge is the first hop: X-Forwarded-For and x-envoy-external-address come from the peer address.
    useRemoteAddress: true,
    // Nothing is "internal" at the edge: with the default (every RFC 1918 address is internal, which
    // Envoy announces will change), a client behind a private load balancer could send x-envoy-*
    // control headers that Envoy would honour.
    internalAddressConfig: {},
    // Path hygiene, so a route's path match cannot be bypassed with `/a/../b`, `//a` or `%2F`
    // (Envoy edge best practices; Gateway API leaves normalization to the implementation).
    normalizePath: true,
    mergeSlashes: true,
    pathWithEscapedSlashesAction: 'UNESCAPE_AND_REDIRECT',
    // No strip_any_host_port: it would rewrite Host, and Gateway API wants the backend to get the
    // Host header as sent, port included (conformance HTTPRouteHostnameIntersection sends
    // `very.specific.com:1234`). Virtual hosts still match without the port: the route table sets
    // ignore_port_in_host_matching (route-configuration.ts).
    upgradeConfigs: [{ upgradeType: 'websocket' }],
    requestHeadersTimeout: REQUEST_HEADERS_TIMEOUT,
    streamIdleTimeout: STREAM_IDLE_TIMEOUT,
    commonHttpProtocolOptions: { idleTimeout: CONNECTION_IDLE_TIMEOUT },
    http2ProtocolOptions: {
      maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS,
      initialStreamWindowSize: HTTP2_INITIAL_STREAM_WINDOW,
      initialConnectionWindowSize: HTTP2_INITIAL_CONNECTION_WINDOW,
    },
  };
  if (referencesOf(options.routeConfig).clusters.has(INVALID_BACKEND_CLUSTER)) hcm.localReplyConfig = invalidBackendLocalReply();
  if (options.accessLogPolicy) hcm.accessLog = policyAccessLogs(options.accessLogPolicy.log, options.accessLogPolicy.gateway);
  else if (options.accessLog) hcm.accessLog = [httpAccessLog()];
  if (options.tracing) hcm.tracing = hcmTracing(options.tracing);
  return hcm;
}

/**
 * CORS, then external auth, then stateful sessions, each only when a route uses it; the router is always last (Envoy
 * requires a terminal filter). The optional filters carry `is_optional`, like their per-route
 * configs (route-filters.ts): Envoy has both built in, so nothing changes for it, while an xDS
 * client without them (a proxyless gRPC client such as grpc-js-xds rejects an unknown non-optional
 * HTTP filter) still accepts the connection manager.
 */
function httpFilters(options: HttpConnectionManagerOptions): Proto3Json[] {
  // The table's per-route configs say which filters its routes use (CORS policies, session persistence).
  const perFilter = referencesOf(options.routeConfig).perFilterConfigs;
  const filters: Proto3Json[] = [];
  if (perFilter.has(CORS_FILTER)) {
    // An empty Cors config: each route carries its CorsPolicy in typed_per_filter_config.
    filters.push({ name: CORS_FILTER, typedConfig: typedConfig('envoy.extensions.filters.http.cors.v3.Cors'), isOptional: true });
  }
  // RateLimitPolicy's local rate limit, after CORS (preflights are not counted) and before every
  // authentication and authorization filter: a flood over the limit costs no credential check and no
  // ext_authz call.
  filters.push(...rateLimitHttpFilters(perFilter));
  // Then the global limit: a request the local limit refuses costs no call to the rate-limit service.
  filters.push(...globalRateLimitHttpFilters(perFilter, options.rateLimitService));
  // SecurityPolicy filters (IP lists, basic auth, API keys, JWT), after CORS for the same reason as
  // ext_authz, and before it: a request refused locally never costs an authorization call.
  filters.push(...securityHttpFilters(perFilter, options.security));
  // After CORS, so a preflight (which carries no credentials) is answered without a check. Not
  // optional: an xDS client that cannot run the filter must refuse the route, never serve it unchecked.
  for (const [name, auth] of options.externalAuths ?? []) if (perFilter.has(name)) filters.push(extAuthzHttpFilter(name, auth));
  // Request body limits (an ingress-nginx proxy-body-size) after every credential check: an
  // unauthenticated client cannot make Envoy buffer a body.
  filters.push(...bufferHttpFilters(perFilter));
  if (perFilter.has(STATEFUL_SESSION_FILTER)) {
    // No session_state here, so the filter does nothing on routes without persistence; routes
    // with it enable it through StatefulSessionPerRoute.
    filters.push({
      name: STATEFUL_SESSION_FILTER,
      typedConfig: typedConfig('envoy.extensions.filters.http.stateful_session.v3.StatefulSession'),
      isOptional: true,
    });
  }
  filters.push({ name: ROUTER_FILTER, typedConfig: typedConfig('envoy.extensions.filters.http.router.v3.Router') });
  return filters;
}


/**
 * Gateway API: a request given to an invalid backendRef gets a 500 for that backend's share of the
 * weight. The route table sends that share to INVALID_BACKEND_CLUSTER, which has no endpoints, so
 * the router answers a local 503 with response flag UH; this mapper turns exactly those into 500,
 * and leaves the 503 of a real Service without ready endpoints alone (and that of gRPC requests,
 * which GRPCRoute wants answered UNAVAILABLE: see below).
 *
 * The cluster is recognised with a CEL filter on `xds.cluster_name` (Envoy's attribute for the
 * route's cluster, the weighted pick included), which the connection manager records when it
 * resolves the route, before the router runs; Istio's access-log filters use the same attribute to
 * spot its BlackHoleCluster. A header_filter on INVALID_BACKEND_HEADER would not work: the header
 * filter reads request headers, and a weighted cluster's `request_headers_to_add` are applied by
 * the router's finalizeRequestHeaders(), which in router.cc runs only after a connection pool was
 * found, so the UH reply is sent before the header exists. It would only let a client turn a 503
 * into a 500 by sending the header itself.
 */
function invalidBackendLocalReply(): Proto3Json {
  const isInvalidBackendCluster = {
    extensionFilter: {
      name: 'envoy.access_loggers.extension_filters.cel',
      typedConfig: typedConfig('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', {
        expression: `xds.cluster_name == ${JSON.stringify(INVALID_BACKEND_CLUSTER)}`,
      }),
    },
  };
  const noHealthyUpstream = { responseFlagFilter: { flags: ['UH'] } };
  // gRPC requests keep the 503. GRPCRouteRule.BackendRefs: "UNAVAILABLE statuses MUST be returned
  // for requests that would have otherwise been routed to an invalid backend", and Envoy derives a
  // gRPC local reply's grpc-status from the HTTP code after this mapper has run
  // (Http::Utility::prepareLocalReply, httpToGrpcStatus): 503 → UNAVAILABLE, but 500 → UNKNOWN. A
  // gRPC request is one with content-type `application/grpc` or `application/grpc+…`, Envoy's own
  // test (Grpc::Common::hasGrpcContentType); a request without content-type is not one
  // (treat_missing_header_as_empty, so the inverted match holds for it).
  const notGrpc = {
    headerFilter: {
      header: {
        name: 'content-type',
        stringMatch: { safeRegex: { regex: '^application/grpc(\\+.*)?$' } },
        invertMatch: true,
        treatMissingHeaderAsEmpty: true,
      },
    },
  };
  return { mappers: [{ filter: { andFilter: { filters: [noHealthyUpstream, isInvalidBackendCluster, notGrpc] } }, statusCode: 500 }] };
}

/**
 * Early header mutation runs before the route is chosen (HttpConnectionManager
 * early_header_mutation_extensions), so route matches see the header; OVERWRITE_IF_EXISTS_OR_ADD makes
 * a value sent by the client irrelevant.
 */
function routingHeaderMutation(header: { name: string; value: string }): Proto3Json {
  return {
    name: 'envoy.http.early_header_mutation.header_mutation',
    typedConfig: typedConfig('envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation', {
      mutations: [{ append: { header: { key: header.name, value: header.value }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' } }],
    }),
  };
}
