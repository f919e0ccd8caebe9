/**
 * What a route does with a request: forward it (RouteAction), redirect it (route-redirect.ts) or
 * answer it (DirectResponseAction). Exactly one per route, as in the IR.
 */
import type { Proto3Json } from '@portico/envoy';
import type { DestinationIR, HTTPRouteIR, MirrorIR, WeightedBackendIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER, INVALID_BACKEND_HEADER } from '../names.js';
import { routePathRewrite } from './path-rewrite.js';
import { durationFromMs } from '../proto-duration.js';
import type { RouteTableContext } from './route-configuration.js';
import { applyHeaderMutations, headerMutations } from './route-filters.js';
import { isGrpcRoute, matchedPrefix } from './route-match.js';
import { buildRedirectAction } from './route-redirect.js';
import { routeHashPolicy } from './hash-policy.js';
import { backendPolicyRouteTimeouts } from './backend-policy-route-timeouts.js';

/**
 * `{ route }`, `{ redirect }` or `{ directResponse }` for an Envoy Route. `host` is a Host value
 * set by the route's request header modifier (see headerMutations).
 */
export function buildRouteTarget(route: HTTPRouteIR, context: RouteTableContext, host?: string): Proto3Json {
  if (route.redirect) return { redirect: buildRedirectAction(route, route.redirect, context) };
  // URLRewrite's hostname wins over a Host set by a header modifier.
  const hostRewrite = route.rewrite?.hostname ?? host;
  // A backend with a Host of its own (backendRef URLRewrite) must not be overridden by the route's,
  // which Envoy applies after a ClusterWeight's: the route's then goes to every other backend instead.
  const perBackendHost = route.destination?.backends.some((b) => 'backend' in b && b.rewriteHostname !== undefined) ?? false;
  const clusters = route.destination ? clusterSpecifier(route.destination, perBackendHost ? hostRewrite : undefined) : undefined;
  if (clusters) return { route: forwardAction(route, clusters, perBackendHost ? undefined : hostRewrite) };
  // A direct response, or a destination none of whose shares has weight (the rule answers 500).
  const status = route.destination ? 500 : route.directResponse?.status ?? 500;
  const body = route.destination ? undefined : route.directResponse?.body;
  // A proxyless gRPC client (gRFC A28, grpc-js-xds) rejects the whole route table when any route is
  // not a forwarding one, so a GRPCRoute answers the way an invalid backend share does: "no healthy
  // upstream" on INVALID_BACKEND_CLUSTER, a 503 that the connection manager leaves alone for gRPC
  // requests, so clients get grpc-status UNAVAILABLE, which GRPCRouteRule.BackendRefs requires when
  // every backendRef is invalid (a direct 500 would reach them as UNKNOWN).
  if (isGrpcRoute(route) && status === 500 && !body) return { route: { weightedClusters: { clusters: [invalidShare(1)] } } };
  return { directResponse: body ? { status, body: { inlineString: body } } : { status } };
}

/**
 * `cluster` for a single plain backend, else `weighted_clusters` (also for one backend with its own
 * header filters, which only a ClusterWeight can carry). Undefined when no share has weight: Envoy
 * requires the weights to add up to more than 0.
 */
export function clusterSpecifier(destination: DestinationIR, routeHost?: string): Proto3Json | undefined {
  const clusters: Proto3Json[] = [];
  let invalid: Proto3Json | undefined;
  for (const b of destination.backends) {
    if (!(b.weight > 0)) continue;
    if ('invalid' in b) {
      // Every invalid share goes to the same cluster: one entry carrying their summed weight.
      if (invalid) invalid.weight = (invalid.weight as number) + b.weight;
      else clusters.push((invalid = invalidShare(b.weight)));
    } else clusters.push(clusterWeight(b, routeHost));
  }
  if (clusters.length === 0) return undefined;
  const only = clusters[0]!;
  if (clusters.length === 1 && Object.keys(only).length === 2) return { cluster: only.name };
  return { weightedClusters: { clusters } };
}

/**
 * Backend names are cluster names (names.ts clusterName). `routeHost` is the route's host rewrite,
 * given when some backend of the route has its own (see buildRouteTarget).
 */
function clusterWeight(b: Extract<WeightedBackendIR, { backend: string }>, routeHost: string | undefined): Proto3Json {
  const entry: Proto3Json = { name: b.backend, weight: b.weight };
  // HTTPBackendRef filters apply only to requests sent to that backend. Envoy applies a
  // ClusterWeight's header mutations (and host rewrite) before the route's, so where the rule's
  // filters touch the same header the rule's win (Gateway API leaves the order open; Envoy Gateway
  // behaves the same). most_specific_header_mutations_wins does not change this: it only orders the
  // route, virtual host and route table levels.
  const request = headerMutations(b.requestHeaders, 'request');
  applyHeaderMutations(entry, 'request', request);
  applyHeaderMutations(entry, 'response', headerMutations(b.responseHeaders, 'response'));
  const host = b.rewriteHostname ?? routeHost ?? request.host;
  if (host !== undefined) entry.hostRewriteLiteral = host;
  return entry;
}

/**
 * The share of an unresolvable backendRef (Gateway API: a 500 for its share of the weight). The 500
 * comes from the connection manager's local reply mapper, which keys on this cluster's name (see
 * http-connection-manager.ts). The INVALID_BACKEND_HEADER entry labels the share in config dumps;
 * Envoy adds a ClusterWeight's headers only once it has an upstream connection, which this
 * endpoint-less cluster never gives, so the header never reaches the wire and nothing depends on it.
 */
function invalidShare(weight: number): Proto3Json {
  return {
    name: INVALID_BACKEND_CLUSTER,
    weight,
    requestHeadersToAdd: [{ header: { key: INVALID_BACKEND_HEADER, value: 'true' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  };
}

function forwardAction(route: HTTPRouteIR, clusters: Proto3Json, hostRewrite: string | undefined): Proto3Json {
  const action: Proto3Json = { ...clusters };
  if (route.rewrite?.path) Object.assign(action, routePathRewrite(route.rewrite.path, matchedPrefix(route.match.path)));
  else if (route.rewrite?.regexPath) action.regexRewrite = { pattern: { regex: route.rewrite.regexPath.pattern }, substitution: route.rewrite.regexPath.substitution };
  if (hostRewrite !== undefined) action.hostRewriteLiteral = hostRewrite;
  Object.assign(action, timeoutsAndRetries(route), backendPolicyRouteTimeouts(route));
  const mirrors = (route.mirrors ?? []).map(mirrorPolicy).filter((m): m is Proto3Json => m !== undefined);
  if (mirrors.length) action.requestMirrorPolicies = mirrors;
  if (route.destination?.hashPolicy) action.hashPolicy = routeHashPolicy(route.destination.hashPolicy);
  return action;
}

/**
 * HTTPRouteTimeouts and HTTPRouteRetry (GEP-1742, GEP-1731). `0s` disables a timeout in both APIs.
 * - request → RouteAction.timeout: it spans the whole exchange, retries included. Unset, Envoy's
 *   default (15s) applies, except for gRPC: streams outlive any fixed limit, so the route timeout is
 *   off and the client's own deadline (grpc-timeout header, uncapped) is the limit.
 * - backendRequest is one request to a backend. With retries it is RetryPolicy.per_try_timeout (each
 *   attempt, the first included); the route timeout is then off unless `request` is set, so Envoy's
 *   15s default never cuts a longer attempt short. Without retries there is one attempt, so it is the
 *   route timeout (the smaller of the two when both are set).
 * - retry: Envoy retries `attempts` times on connection errors, which the spec says implementations
 *   SHOULD do whenever retry is configured (connect-failure, refused-stream; reset covers a
 *   disconnect and a per-try timeout), plus on exactly the listed status codes. No codes: only
 *   connection errors. The backoff is the base interval; Envoy grows it exponentially up to 10x.
 */
function timeoutsAndRetries(route: HTTPRouteIR): Proto3Json {
  const out: Proto3Json = {};
  const { requestMs, backendRequestMs } = route.timeouts ?? {};
  const retry = route.retry && route.retry.attempts > 0 ? route.retry : undefined;
  let timeoutMs: number | undefined;
  if (retry) timeoutMs = requestMs ?? (backendRequestMs !== undefined ? 0 : undefined);
  else timeoutMs = tighterTimeout(requestMs, backendRequestMs);
  if (timeoutMs !== undefined) out.timeout = durationFromMs(timeoutMs);
  else if (isGrpcRoute(route)) out.timeout = '0s';
  if (retry) {
    const policy: Proto3Json = {
      retryOn: ['connect-failure', 'refused-stream', 'reset', ...(retry.codes?.length ? ['retriable-status-codes'] : [])].join(','),
      numRetries: retry.attempts,
    };
    if (retry.codes?.length) policy.retriableStatusCodes = retry.codes;
    if (backendRequestMs) policy.perTryTimeout = durationFromMs(backendRequestMs);
    // RetryBackOff.base_interval must be greater than zero: no backoff leaves Envoy's 25ms default.
    if (retry.backoffMs) policy.retryBackOff = { baseInterval: durationFromMs(retry.backoffMs) };
    out.retryPolicy = policy;
  }
  if (isGrpcRoute(route)) out.maxStreamDuration = { grpcTimeoutHeaderMax: '0s' };
  if (route.timeouts?.idleMs !== undefined) out.idleTimeout = durationFromMs(route.timeouts.idleMs);
  return out;
}

/** Of two optional timeouts where 0 means "none", the one that fires first. */
function tighterTimeout(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || a === 0) return b ?? a;
  if (b === undefined || b === 0) return a;
  return Math.min(a, b);
}

/**
 * HTTPRequestMirrorFilter: a fire-and-forget copy to the backend (Envoy appends `-shadow` to its
 * Host). Percent may be fractional, hence parts per million; 100% needs no fraction and 0% no mirror.
 */
function mirrorPolicy(m: MirrorIR): Proto3Json | undefined {
  const numerator = Math.round(m.percent * 10000);
  if (numerator <= 0) return undefined;
  const policy: Proto3Json = { cluster: m.backend };
  if (numerator < 1_000_000) policy.runtimeFraction = { defaultValue: { numerator, denominator: 'MILLION' } };
  return policy;
}
