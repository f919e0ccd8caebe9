/**
 * One IR route → the bytes of its Envoy Route(s) and the names they reference, written straight from
 * the IR for the common shapes, and for any other route encoded from the JSON the existing builder
 * makes (routes/envoy-route.ts), so its bytes are right by construction and rare features need no
 * second implementation.
 *
 * The direct shape: any path, header, query or method match (HTTPRoute and GRPCRoute), one cluster or
 * weighted clusters (invalid shares included) with per-backend header changes and Host, or a direct
 * response; timeouts (the route's and a BackendPolicy's), request/response header changes and a Host
 * rewrite. Redirects, path rewrites, retries, mirrors, hash policies and per-filter configs (CORS,
 * auth, rate limits, session persistence, body limits) take the JSON path.
 */
import { BufferWriter, encodeMessage, fieldTags, type Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import type { ReferencedNames } from '../resources.js';
import { buildRoutes, hasPerFilterConfig } from '../routes/envoy-route.js';
import type { RouteTableContext } from '../routes/route-configuration.js';
import { emptyNames, merge, routeNames } from '../snapshot/consistency.js';
import { writeHeaderAdds, writeHeaderRemoves } from './header-mutations-wire.js';
import { weightsFit, writeDirectResponse, writeForwardAction } from './route-action-wire.js';
import { writeRouteMatch } from './route-match-wire.js';
import { writeString } from './wire-fields.js';

export const ROUTE_TYPE = 'envoy.config.route.v3.Route';
const ROUTE_FIELDS = ['match', 'route', 'decorator', 'directResponse', 'requestHeadersToAdd', 'responseHeadersToAdd', 'responseHeadersToRemove', 'requestHeadersToRemove', 'name'] as const;
const ROUTE = fieldTags(ROUTE_TYPE, ROUTE_FIELDS, { ordered: true });
const DECORATOR = fieldTags('envoy.config.route.v3.Decorator', ['operation']);

/** The Envoy Routes of one IR route (two for a redirect that needs a twin for a Host with a port), encoded. */
export interface RoutesWire {
  bytes: readonly Uint8Array[];
  references: ReferencedNames;
}

/** Whether `route` is in the shape the direct writer covers (the module comment); the others are encoded from their JSON. */
export function isDirectRoute(route: HTTPRouteIR): boolean {
  return (
    route.redirect === undefined &&
    !hasPerFilterConfig(route) &&
    route.rewrite?.path === undefined &&
    route.rewrite?.regexPath === undefined &&
    !(route.retry && route.retry.attempts > 0) &&
    !route.mirrors?.length &&
    route.destination?.hashPolicy === undefined &&
    weightsFit(route)
  );
}

/**
 * One writer for every route written on its own (copied out by `finish`): a buffer per route was a
 * good part of writing them. Never used re-entrantly: writing a route writes no other route.
 */
const scratch = new BufferWriter();

/** The route's Envoy Routes for a table of `context` (its span name, if any, is each route's decorator), to keep across builds. */
export function routeWire(route: HTTPRouteIR, context: RouteTableContext): RoutesWire {
  if (!isDirectRoute(route)) return encodedRoutes(buildRoutes(route, context), context.spanName);
  const references = emptyNames();
  scratch.reset();
  writeDirectRoute(scratch, route, context.spanName, references);
  return { bytes: [scratch.finish()], references };
}

/**
 * The route's Envoy Routes written straight into `w`, each under `tag` (a VirtualHost's `routes`),
 * their names added to `names`: for a build that keeps nothing (a one-build cache), no bytes of
 * their own and no names per route.
 */
export function writeRoutes(w: BufferWriter, tag: number, route: HTTPRouteIR, context: RouteTableContext, names: ReferencedNames): void {
  if (!isDirectRoute(route)) {
    const encoded = encodedRoutes(buildRoutes(route, context), context.spanName);
    for (const bytes of encoded.bytes) w.uint32(tag).bytes(bytes);
    merge(names, encoded.references);
    return;
  }
  w.uint32(tag).fork();
  writeDirectRoute(w, route, context.spanName, names);
  w.ldelim();
}

/** The Route body (no tag, no length) of a route in the direct shape. */
function writeDirectRoute(w: BufferWriter, route: HTTPRouteIR, spanName: string | undefined, names: ReferencedNames): void {
  w.uint32(ROUTE.match).fork();
  writeRouteMatch(w, route);
  w.ldelim();
  const forwards = writeForwardAction(w, ROUTE.route, route, names);
  if (spanName) writeDecorator(w, spanName);
  if (!forwards) writeDirectResponse(w, ROUTE.directResponse, route);
  // A request Host is a host rewrite (in the action above), never a header to add.
  writeHeaderAdds(w, ROUTE.requestHeadersToAdd, route.requestHeaders, 'request');
  writeHeaderAdds(w, ROUTE.responseHeadersToAdd, route.responseHeaders, 'response');
  writeHeaderRemoves(w, ROUTE.responseHeadersToRemove, route.responseHeaders);
  writeHeaderRemoves(w, ROUTE.requestHeadersToRemove, route.requestHeaders);
  writeString(w, ROUTE.name, route.name);
}

/** Routes/envoy-route.ts JSON, encoded (with the table's span name as decorator, as route-configuration.ts adds it). */
export function encodedRoutes(routes: readonly Proto3Json[], spanName: string | undefined): RoutesWire {
  const references = emptyNames();
  const bytes = routes.map((json) => {
    const route = spanName ? { ...json, decorator: { operation: spanName } } : json;
    merge(references, routeNames(route));
    return encodeMessage(ROUTE_TYPE, route);
  });
  return { bytes, references };
}

function writeDecorator(w: BufferWriter, operation: string): void {
  w.uint32(ROUTE.decorator).fork();
  writeString(w, DECORATOR.operation, operation);
  w.ldelim();
}

