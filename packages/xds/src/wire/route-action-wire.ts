/**
 * What a route in the direct writer's shape (route-wire.ts) does, written from the IR: the RouteAction
 * or DirectResponseAction that route-action.ts buildRouteTarget builds for it, field by field. Rewrites
 * of the path, retries, mirrors and hash policies are not in that shape (their routes take the JSON
 * path), so neither are their fields here.
 */
import { BufferWriter, fieldHasPresence, fieldTags, lazyRecord } from '@portico/envoy';
import type { HeaderModifierIR, HTTPRouteIR, WeightedBackendIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER, INVALID_BACKEND_HEADER } from '../names.js';
import type { ReferencedNames } from '../resources.js';
import { isGrpcRoute } from '../routes/route-match.js';
import { addName } from '../snapshot/consistency.js';
import { requestHost, writeHeaderAdds, writeHeaderRemoves } from './header-mutations-wire.js';
import { writeDurationMs, writeString, writeStringWithPresence, writeUInt32Value } from './wire-fields.js';

const ROUTE_ACTION = 'envoy.config.route.v3.RouteAction';
const ACTION_FIELDS = ['cluster', 'weightedClusters', 'hostRewriteLiteral', 'timeout', 'idleTimeout', 'maxStreamDuration'] as const;
const ACTION = fieldTags(ROUTE_ACTION, ACTION_FIELDS, { ordered: true });
const WEIGHTED = fieldTags('envoy.config.route.v3.WeightedCluster', ['clusters']);
const CLUSTER_WEIGHT = 'envoy.config.route.v3.WeightedCluster.ClusterWeight';
const WEIGHT_FIELDS = ['name', 'weight', 'requestHeadersToAdd', 'responseHeadersToAdd', 'responseHeadersToRemove', 'requestHeadersToRemove', 'hostRewriteLiteral'] as const;
const WEIGHT = fieldTags(CLUSTER_WEIGHT, WEIGHT_FIELDS, { ordered: true });
const WEIGHT_HOST = lazyRecord(['hasPresence'], () => ({ hasPresence: fieldHasPresence(CLUSTER_WEIGHT, 'hostRewriteLiteral') }));
const STREAM_DURATION = fieldTags('envoy.config.route.v3.RouteAction.MaxStreamDuration', ['grpcTimeoutHeaderMax']);
const DIRECT = fieldTags('envoy.config.route.v3.DirectResponseAction', ['status', 'body']);
const DATA_SOURCE = fieldTags('envoy.config.core.v3.DataSource', ['inlineString']);

/** The header the invalid-backend share carries in config dumps (route-action.ts invalidShare). */
const INVALID_SHARE_HEADERS: HeaderModifierIR = { set: [{ name: INVALID_BACKEND_HEADER, value: 'true' }] };

type ValidBackend = Extract<WeightedBackendIR, { backend: string }>;

/** Whether every weight the route writes is a uint32, as the JSON encoder requires (else it takes the JSON path, which reports it). */
export function weightsFit(route: HTTPRouteIR): boolean {
  let invalid = 0;
  for (const b of route.destination?.backends ?? []) {
    if (!(b.weight > 0)) continue;
    if ('invalid' in b) invalid += b.weight;
    else if (!isUint32(b.weight)) return false;
  }
  return invalid === 0 || isUint32(invalid);
}

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n <= 0xffffffff;
}

/**
 * The Route's `route` field (tag `tag`) when the route forwards, or a GRPCRoute answers through
 * the invalid-backend cluster; false when it answers directly (writeDirectResponse, after the decorator).
 */
export function writeForwardAction(w: BufferWriter, tag: number, route: HTTPRouteIR, names: ReferencedNames): boolean {
  const destination = route.destination;
  // URLRewrite's hostname wins over a Host set by a header modifier.
  const hostRewrite = route.rewrite?.hostname ?? requestHost(route.requestHeaders);
  const perBackendHost = destination?.backends.some((b) => 'backend' in b && b.rewriteHostname !== undefined) ?? false;
  if (destination && hasShares(route)) {
    w.uint32(tag).fork();
    writeClusters(w, route, perBackendHost ? hostRewrite : undefined, names);
    if (!perBackendHost && hostRewrite !== undefined) writeStringWithPresence(w, ACTION.hostRewriteLiteral, hostRewrite);
    writeTimeouts(w, route);
    w.ldelim();
    return true;
  }
  if (isGrpcRoute(route) && directResponseStatus(route) === 500 && !directResponseBody(route)) {
    // A GRPCRoute answers UNAVAILABLE through the endpoint-less invalid-backend cluster (route-action.ts).
    w.uint32(tag).fork();
    w.uint32(ACTION.weightedClusters).fork();
    writeInvalidShare(w, 1, names);
    w.ldelim();
    w.ldelim();
    return true;
  }
  return false;
}

/** The Route's direct_response: the route's own, or 500 for a destination none of whose shares has weight. */
export function writeDirectResponse(w: BufferWriter, tag: number, route: HTTPRouteIR): void {
  const status = directResponseStatus(route);
  const body = directResponseBody(route);
  w.uint32(tag).fork();
  if (status !== 0) w.uint32(DIRECT.status).uint32(status);
  if (body) {
    w.uint32(DIRECT.body).fork();
    writeStringWithPresence(w, DATA_SOURCE.inlineString, body);
    w.ldelim();
  }
  w.ldelim();
}

function directResponseStatus(route: HTTPRouteIR): number {
  return route.destination ? 500 : route.directResponse?.status ?? 500;
}

function directResponseBody(route: HTTPRouteIR): string | undefined {
  return route.destination ? undefined : route.directResponse?.body;
}

function hasShares(route: HTTPRouteIR): boolean {
  return route.destination!.backends.some((b) => b.weight > 0);
}

/**
 * `cluster` for a single plain backend, else `weighted_clusters` (route-action.ts clusterSpecifier):
 * every share with weight in order, the invalid ones as one share at the place of the first.
 */
function writeClusters(w: BufferWriter, route: HTTPRouteIR, routeHost: string | undefined, names: ReferencedNames): void {
  const shares = route.destination!.backends.filter((b) => b.weight > 0);
  const only = shares.length === 1 ? shares[0]! : undefined;
  if (only && 'backend' in only && isPlain(only, routeHost)) {
    writeStringWithPresence(w, ACTION.cluster, only.backend);
    addName(names, 'clusters', only.backend);
    return;
  }
  let invalid = 0;
  for (const b of shares) if ('invalid' in b) invalid += b.weight;
  w.uint32(ACTION.weightedClusters).fork();
  let invalidWritten = false;
  for (const b of shares) {
    if (!('invalid' in b)) writeClusterWeight(w, b, routeHost, names);
    else if (!invalidWritten) {
      writeInvalidShare(w, invalid, names);
      invalidWritten = true;
    }
  }
  w.ldelim();
}

/** A backend whose ClusterWeight would hold only its name and weight: no header changes, no Host of its own. */
function isPlain(b: ValidBackend, routeHost: string | undefined): boolean {
  if ((b.rewriteHostname ?? routeHost ?? requestHost(b.requestHeaders)) !== undefined) return false;
  return !changesHeaders(b.requestHeaders) && !changesHeaders(b.responseHeaders);
}

/**
 * Whether a modifier leaves any entry in the header lists: route-filters.ts drops pseudo-headers and
 * `host` (a request Host becomes a host rewrite, which isPlain checks apart).
 */
function changesHeaders(modifier: HeaderModifierIR | undefined): boolean {
  if (!modifier) return false;
  for (const list of [modifier.set, modifier.add]) for (const h of list ?? []) if (isListedHeader(h.name)) return true;
  return (modifier.remove ?? []).some(isListedHeader);
}

function isListedHeader(name: string): boolean {
  return !name.startsWith(':') && name.toLowerCase() !== 'host';
}

function writeClusterWeight(w: BufferWriter, b: ValidBackend, routeHost: string | undefined, names: ReferencedNames): void {
  w.uint32(WEIGHTED.clusters).fork();
  writeString(w, WEIGHT.name, b.backend);
  writeUInt32Value(w, WEIGHT.weight, b.weight);
  writeHeaderAdds(w, WEIGHT.requestHeadersToAdd, b.requestHeaders, 'request');
  writeHeaderAdds(w, WEIGHT.responseHeadersToAdd, b.responseHeaders, 'response');
  writeHeaderRemoves(w, WEIGHT.responseHeadersToRemove, b.responseHeaders);
  writeHeaderRemoves(w, WEIGHT.requestHeadersToRemove, b.requestHeaders);
  const host = b.rewriteHostname ?? routeHost ?? requestHost(b.requestHeaders);
  if (host !== undefined) (WEIGHT_HOST.hasPresence ? writeStringWithPresence : writeString)(w, WEIGHT.hostRewriteLiteral, host);
  w.ldelim();
  addName(names, 'clusters', b.backend);
}

/** route-action.ts invalidShare: the invalid-backend cluster for `weight`, labelled by a header. */
function writeInvalidShare(w: BufferWriter, weight: number, names: ReferencedNames): void {
  w.uint32(WEIGHTED.clusters).fork();
  writeString(w, WEIGHT.name, INVALID_BACKEND_CLUSTER);
  writeUInt32Value(w, WEIGHT.weight, weight);
  writeHeaderAdds(w, WEIGHT.requestHeadersToAdd, INVALID_SHARE_HEADERS, 'request');
  w.ldelim();
  addName(names, 'clusters', INVALID_BACKEND_CLUSTER);
}

/**
 * route-action.ts timeoutsAndRetries (without retries: those routes take the JSON path) and
 * backend-policy-route-timeouts.ts: the route's own timeouts, else the BackendPolicy's defaults;
 * a gRPC route's timeout is off unless one is set, and it ignores no grpc-timeout header.
 */
function writeTimeouts(w: BufferWriter, route: HTTPRouteIR): void {
  const own = route.timeouts ?? {};
  const defaults = route.destination?.backendTimeouts;
  const grpc = isGrpcRoute(route);
  let timeoutMs = tighterTimeout(own.requestMs, own.backendRequestMs);
  if (defaults?.requestMs !== undefined && own.requestMs === undefined && own.backendRequestMs === undefined) timeoutMs = defaults.requestMs;
  if (timeoutMs !== undefined) writeDurationMs(w, ACTION.timeout, timeoutMs);
  else if (grpc) writeDurationMs(w, ACTION.timeout, 0);
  const idleMs = own.idleMs !== undefined ? own.idleMs : defaults?.streamIdleMs;
  if (idleMs !== undefined) writeDurationMs(w, ACTION.idleTimeout, idleMs);
  if (grpc) {
    w.uint32(ACTION.maxStreamDuration).fork();
    writeDurationMs(w, STREAM_DURATION.grpcTimeoutHeaderMax, 0);
    w.ldelim();
  }
}

/** route-action.ts tighterTimeout: of two optional timeouts where 0 means "none", the one that fires first. */
function tighterTimeout(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || a === 0) return b ?? a;
  if (b === undefined || b === 0) return a;
  return Math.min(a, b);
}

