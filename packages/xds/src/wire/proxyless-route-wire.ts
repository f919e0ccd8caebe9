/**
 * One IR route → the bytes of its proxyless gRPC Routes (routes/proxyless-routes.ts: what
 * grpc-js-xds accepts and acts on) and the clusters they name, written straight from the IR; a route
 * with retries is encoded from the JSON that proxylessRoutes builds (exact by construction).
 */
import { BufferWriter, encodeMessage, fieldTags } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import { INVALID_BACKEND_CLUSTER } from '../names.js';
import { callTimeoutMs, canMatchGrpcCall, proxylessRoutes } from '../routes/proxyless-routes.js';
import { routePathSpecifier, type PathSpecifier } from '../routes/route-match.js';
import { addName, emptyNames, merge, routeNames } from '../snapshot/consistency.js';
import type { ReferencedNames } from '../resources.js';
import { weightsFit } from './route-action-wire.js';
import { writeProxylessMatch } from './route-match-wire.js';
import { ROUTE_TYPE, type RoutesWire } from './route-wire.js';
import { writeDurationMs, writeString, writeStringWithPresence, writeUInt32Value } from './wire-fields.js';

const ROUTE_FIELDS = ['match', 'route', 'name'] as const;
const ROUTE = fieldTags(ROUTE_TYPE, ROUTE_FIELDS, { ordered: true });
const ACTION_FIELDS = ['cluster', 'weightedClusters', 'maxStreamDuration'] as const;
const ACTION = fieldTags('envoy.config.route.v3.RouteAction', ACTION_FIELDS, { ordered: true });
const WEIGHTED = fieldTags('envoy.config.route.v3.WeightedCluster', ['clusters']);
const WEIGHT = fieldTags('envoy.config.route.v3.WeightedCluster.ClusterWeight', ['name', 'weight']);
const STREAM_FIELDS = ['maxStreamDuration', 'grpcTimeoutHeaderMax'] as const;
const STREAM = fieldTags('envoy.config.route.v3.RouteAction.MaxStreamDuration', STREAM_FIELDS, { ordered: true });

/** One writer for every proxyless route written on its own (route-wire.ts explains why). */
const scratch = new BufferWriter();

/** The proxyless Routes of `route` (none when no gRPC call can match it), to keep across builds. */
export function proxylessRouteWire(route: HTTPRouteIR): RoutesWire {
  if (!isDirectProxylessRoute(route)) return encodedProxylessRoutes(route);
  const references = emptyNames();
  const bytes: Uint8Array[] = [];
  if (canMatchGrpcCall(route)) {
    for (const specifier of proxylessSpecifiers(routePathSpecifier(route.match))) {
      scratch.reset();
      writeDirectRoute(scratch, route, specifier, references);
      bytes.push(scratch.finish());
    }
  }
  return { bytes, references };
}

/** The proxyless Routes of `route` written straight into `w`, each under `tag`, names into `names` (for a build that keeps nothing). */
export function writeProxylessRoutes(w: BufferWriter, tag: number, route: HTTPRouteIR, names: ReferencedNames): void {
  if (!isDirectProxylessRoute(route)) {
    const encoded = encodedProxylessRoutes(route);
    for (const bytes of encoded.bytes) w.uint32(tag).bytes(bytes);
    merge(names, encoded.references);
    return;
  }
  if (!canMatchGrpcCall(route)) return;
  for (const specifier of proxylessSpecifiers(routePathSpecifier(route.match))) {
    w.uint32(tag).fork();
    writeDirectRoute(w, route, specifier, names);
    w.ldelim();
  }
}

/** Retries (gRFC A44's policy) are left to the JSON path, and weights that are no uint32 to its error. */
function isDirectProxylessRoute(route: HTTPRouteIR): boolean {
  return !(route.retry && route.retry.attempts > 0) && weightsFit(route);
}

/** One proxyless Route body: the match for `specifier`, the action, the name. */
function writeDirectRoute(w: BufferWriter, route: HTTPRouteIR, specifier: PathSpecifier, names: ReferencedNames): void {
  w.uint32(ROUTE.match).fork();
  writeProxylessMatch(w, route, specifier);
  w.ldelim();
  w.uint32(ROUTE.route).fork();
  writeAction(w, route, names);
  w.ldelim();
  writeString(w, ROUTE.name, route.name);
}

/** A path_separated_prefix P (which gRPC does not know) is the exact path P, then the prefix `P/`. */
function proxylessSpecifiers(specifier: PathSpecifier): PathSpecifier[] {
  if (!('pathSeparatedPrefix' in specifier)) return [specifier];
  return [{ path: specifier.pathSeparatedPrefix }, { prefix: `${specifier.pathSeparatedPrefix}/` }];
}

/**
 * proxyless-routes.ts proxylessAction without retries: the route's shares by name and weight (one
 * share: a plain cluster), or the invalid-backend cluster for a route that does not forward; a call
 * timeout as max_stream_duration and grpc_timeout_header_max.
 */
function writeAction(w: BufferWriter, route: HTTPRouteIR, names: ReferencedNames): void {
  const forwards = route.redirect === undefined && route.destination !== undefined && route.externalAuth === undefined && route.security === undefined;
  const shares = forwards ? route.destination!.backends.filter((b) => b.weight > 0) : [];
  let invalid = 0;
  for (const b of shares) if ('invalid' in b) invalid += b.weight;
  // Every invalid share is one entry, at the place of the first (route-action.ts clusterSpecifier).
  const entries: { name: string; weight: number }[] = [];
  for (const b of shares) {
    if (!('invalid' in b)) entries.push({ name: b.backend, weight: b.weight });
    else if (invalid > 0) {
      entries.push({ name: INVALID_BACKEND_CLUSTER, weight: invalid });
      invalid = 0;
    }
  }
  if (entries.length <= 1) {
    const cluster = entries[0]?.name ?? INVALID_BACKEND_CLUSTER;
    writeStringWithPresence(w, ACTION.cluster, cluster);
    addName(names, 'clusters', cluster);
  } else {
    w.uint32(ACTION.weightedClusters).fork();
    for (const entry of entries) {
      w.uint32(WEIGHTED.clusters).fork();
      writeString(w, WEIGHT.name, entry.name);
      writeUInt32Value(w, WEIGHT.weight, entry.weight);
      w.ldelim();
      addName(names, 'clusters', entry.name);
    }
    w.ldelim();
  }
  if (entries.length === 0) return;
  const timeoutMs = callTimeoutMs(route, false);
  if (timeoutMs) {
    w.uint32(ACTION.maxStreamDuration).fork();
    writeDurationMs(w, STREAM.maxStreamDuration, timeoutMs);
    writeDurationMs(w, STREAM.grpcTimeoutHeaderMax, timeoutMs);
    w.ldelim();
  }
}

function encodedProxylessRoutes(route: HTTPRouteIR): RoutesWire {
  const references = emptyNames();
  const bytes = proxylessRoutes(route).map((json) => {
    merge(references, routeNames(json));
    return encodeMessage(ROUTE_TYPE, json);
  });
  return { bytes, references };
}
