/**
 * IR routes → the Routes a proxyless gRPC client (gRFC A28 routing, A31 timeouts, A44 retries; as
 * implemented by @grpc/grpc-js-xds 1.14) accepts and acts on, with the same precedence and the same
 * clusters as the Envoy route table built from the same IR (route-configuration.ts).
 *
 * grpc-js-xds refuses the WHOLE RouteConfiguration (RouteConfigurationResourceType.validateResource)
 * when one route has a path specifier other than `prefix`, `path` or `safe_regex` (so no
 * `path_separated_prefix`), an action other than `route` (so no redirect, no direct response) or a
 * cluster specifier other than `cluster`, `weighted_clusters` or `cluster_header`. What it accepts
 * but ignores (header mutations, rewrites, mirrors, RouteAction.timeout, per_try_timeout,
 * query_parameters, RouteMatch.grpc) is left out, so the table says what the client really does.
 */
import type { Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR, RetryIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER } from '../names.js';
import { durationFromMs } from '../proto-duration.js';
import { clusterSpecifier } from './route-action.js';
import { buildRouteMatch } from './route-match.js';

/**
 * The gRPC routes for one IR route, in order: none when no gRPC call can match it, two when its
 * PathPrefix has to be spelled as an exact path plus a `/`-terminated prefix.
 */
export function proxylessRoutes(route: HTTPRouteIR): Proto3Json[] {
  if (!canMatchGrpcCall(route)) return [];
  const action = proxylessAction(route);
  return proxylessMatches(route).map((match) => ({ name: route.name, match, route: action }));
}

/**
 * A gRPC call is always a POST (gRPC over HTTP/2: `:method` is POST) and its path never carries a
 * query string, so a route that requires another method or any query parameter never matches one
 * through Envoy either. grpc-js-xds would not see it that way: it looks `:method` up in the call's
 * metadata (never there, so the route would never match, even for POST) and ignores
 * query_parameters (so the route would match too much).
 */
export function canMatchGrpcCall(route: HTTPRouteIR): boolean {
  const { method, queryParams } = route.match;
  if (method !== undefined && method !== 'POST') return false;
  return !queryParams?.length;
}

/**
 * Envoy's match (route-match.ts), adapted:
 * - `path_separated_prefix` P becomes `path: P` then `prefix: P/`, which is exactly its element-wise
 *   meaning (`/abc`, `/abc/…`, never `/abcd`), in gRPC's cheap non-regex matchers.
 * - The `:method` condition (always POST here, see canMatchGrpcCall) is dropped, and so is
 *   RouteMatch.grpc: every call of a gRPC client is a gRPC request.
 * - Header matchers stay as they are: gRPC compares them with the call's metadata, values joined
 *   with `,` as Envoy does. Two differences gRFC A28 prescribes: a `-bin` header never matches, and
 *   `content-type` is always `application/grpc`.
 */
function proxylessMatches(route: HTTPRouteIR): Proto3Json[] {
  const { grpc: _grpc, queryParameters: _query, ...match } = buildRouteMatch(route);
  const headers = ((match.headers as Proto3Json[] | undefined) ?? []).filter((h) => h.name !== ':method');
  if (headers.length) match.headers = headers;
  else delete match.headers;
  if (typeof match.pathSeparatedPrefix !== 'string') return [match];
  const { pathSeparatedPrefix: prefix, ...rest } = match;
  return [
    { path: prefix, ...rest },
    { prefix: `${prefix}/`, ...rest },
  ];
}

/**
 * Forward to the route's clusters (the names Envoy uses, so both share CDS/EDS). A route that does
 * not forward in Envoy (a redirect, a direct response, or no share with weight) still has to stop
 * the calls it matches, or they would fall through to a later, less specific route and reach a
 * backend that this rule shadows; gRPC has no redirect or local reply to give, so such a route goes
 * to INVALID_BACKEND_CLUSTER, which has no endpoints: the call fails with UNAVAILABLE. Through Envoy
 * such a call fails too (a gRPC client cannot follow an HTTP redirect), with UNKNOWN or UNAVAILABLE.
 */
function proxylessAction(route: HTTPRouteIR): Proto3Json {
  // An ExternalAuth or SecurityPolicy route: a gRPC client has no ext_authz (nor our security
  // filters), and a call it cannot check must not reach the backend (fail closed), nor fall through
  // to a later route: it fails like the above.
  const forwards = route.redirect === undefined && route.destination !== undefined && route.externalAuth === undefined && route.security === undefined;
  const clusters = forwards ? clusterSpecifier(route.destination!) : undefined;
  const action: Proto3Json = clusters ? bareClusters(clusters) : { cluster: INVALID_BACKEND_CLUSTER };
  if (!clusters) return action;
  const retry = retryPolicy(route.retry);
  if (retry) action.retryPolicy = retry;
  const timeoutMs = callTimeoutMs(route, retry !== undefined);
  // gRFC A31: the call's deadline becomes min(its own deadline, grpc_timeout_header_max, or
  // max_stream_duration when that is unset); 0 or unset leaves the application's deadline alone.
  // Both are set, which means the same to Envoy (cap the grpc-timeout header, bound the stream).
  if (timeoutMs) action.maxStreamDuration = { maxStreamDuration: durationFromMs(timeoutMs), grpcTimeoutHeaderMax: durationFromMs(timeoutMs) };
  return action;
}

/**
 * Cluster names and weights only. A ClusterWeight's header mutations and host rewrite (per-backend
 * HTTPHeaderFilter) are Envoy-only; the invalid-backend share keeps its summed weight. One entry
 * left is a plain `cluster`.
 */
function bareClusters(specifier: Proto3Json): Proto3Json {
  if (typeof specifier.cluster === 'string') return { cluster: specifier.cluster };
  const entries = (specifier.weightedClusters as { clusters: Proto3Json[] }).clusters;
  if (entries.length === 1) return { cluster: entries[0]!.name };
  return { weightedClusters: { clusters: entries.map((c) => ({ name: c.name, weight: c.weight })) } };
}

/**
 * HTTPRoute retry (GEP-1731) → gRFC A44 RetryPolicy. gRPC retries on grpc-status names only, of
 * which it knows `cancelled`, `deadline-exceeded`, `internal`, `resource-exhausted` and
 * `unavailable`, and drops the policy when none is listed. Envoy's policy (route-action.ts) retries
 * connection failures, refused streams and resets, which a gRPC client sees as UNAVAILABLE; so
 * does it see the HTTP 429, 502, 503 and 504 a retry code may name (gRPC's HTTP-to-status mapping).
 * Other HTTP codes map to statuses gRPC does not retry (500 → UNKNOWN) or that would retry far
 * more than asked (400 → INTERNAL, which a healthy backend also returns), so they add nothing.
 * The backoff is A44's initial backoff (max 10×, as Envoy); gRPC has no per-try timeout, and
 * grpc-js makes at most 5 attempts unless the channel option `grpc-node.retry_max_attempts_limit`
 * says more.
 */
function retryPolicy(retry: RetryIR | undefined): Proto3Json | undefined {
  if (!retry || !(retry.attempts > 0)) return undefined;
  const policy: Proto3Json = { retryOn: 'unavailable', numRetries: retry.attempts };
  if (retry.backoffMs) policy.retryBackOff = { baseInterval: durationFromMs(retry.backoffMs) };
  return policy;
}

/**
 * HTTPRouteTimeouts for a whole call. `request` spans the exchange with its retries, as a gRPC
 * deadline does. `backendRequest` is one attempt: without retries that is the call, so the tighter
 * of the two applies; with retries gRPC has nothing per attempt and only `request` holds.
 * 0 disables a timeout.
 */
export function callTimeoutMs(route: HTTPRouteIR, retries: boolean): number | undefined {
  const { requestMs, backendRequestMs } = route.timeouts ?? {};
  const candidates = (retries ? [requestMs] : [requestMs, backendRequestMs]).filter((t): t is number => t !== undefined && t > 0);
  return candidates.length ? Math.min(...candidates) : undefined;
}
