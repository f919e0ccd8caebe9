/**
 * IR route matches → Envoy RouteMatch (route_components.proto). Every condition of one IR match
 * must hold (httproute_types.go HTTPRouteMatch: "ANDed together"), which is what Envoy does with a
 * path specifier plus `headers` plus `query_parameters`. Matching is case-sensitive, Envoy's default.
 */
import type { Proto3Json } from '@portico/envoy';
import type { HeaderMatchIR, HTTPRouteIR, PathMatchIR, RouteMatchIR, StringMatchIR } from '@portico/ir';
import { escapeRegex, grpcMethodRegex } from './route-regex.js';

export type PathSpecifier = { prefix: string } | { path: string } | { pathSeparatedPrefix: string } | { safeRegex: { regex: string } };

export function buildRouteMatch(route: HTTPRouteIR): Proto3Json {
  const m = route.match;
  const match: Proto3Json = routePathSpecifier(m);
  const headers: Proto3Json[] = [];
  // An HTTP method is the `:method` pseudo-header to Envoy (HTTPRouteMatch.Method).
  if (m.method) headers.push({ name: ':method', stringMatch: { exact: m.method } });
  for (const h of m.headers ?? []) headers.push({ name: h.name, stringMatch: stringMatcher(h) });
  if (headers.length) match.headers = headers;
  if (m.queryParams?.length) match.queryParameters = m.queryParams.map((q: HeaderMatchIR) => ({ name: q.name, stringMatch: stringMatcher(q) }));
  // RouteMatch.grpc: only requests with a gRPC content-type (application/grpc, application/grpc+…)
  // match, so a GRPCRoute never takes plain HTTP requests for the same host, even its match-all.
  if (isGrpcRoute(route)) match.grpc = {};
  return match;
}

/** RouteMatch's path specifier for an IR match (shared with the wire writer, wire/route-match-wire.ts). */
export function routePathSpecifier(m: RouteMatchIR): PathSpecifier {
  return m.grpc ? grpcPathSpecifier(m.grpc) : httpPathSpecifier(m.path);
}

export function isGrpcRoute(route: HTTPRouteIR): boolean {
  return route.match.grpc !== undefined || route.source.kind === 'GRPCRoute';
}

/**
 * PathPrefix keeps its value without trailing slashes: "When specified, a trailing `/` is ignored"
 * (httproute_types.go PathMatchPathPrefix), so `/foo/` means `/foo`. `` stands for `/`, the
 * match-all prefix. Exact and RegularExpression values are returned as they are.
 */
export function normalizedPrefix(value: string): string {
  // Nearly every prefix has no trailing slash: no regex run, no string made for those.
  return value.endsWith('/') ? value.replace(/\/+$/, '') : value;
}

/** Which path a route's ReplacePrefixMatch replaces; undefined when the match has no prefix semantics. */
export function matchedPrefix(path: PathMatchIR | undefined): string | undefined {
  if (!path) return '';
  if (path.type === 'PathPrefix') return normalizedPrefix(path.value);
  if (path.type === 'Exact') return path.value;
  return undefined;
}

function httpPathSpecifier(path: PathMatchIR | undefined): PathSpecifier {
  if (!path) return { prefix: '/' };
  switch (path.type) {
    case 'Exact':
      // RouteMatch.path ignores the query string, as Gateway API's Exact does.
      return { path: path.value };
    case 'RegularExpression':
      // RE2, Envoy's only engine (google_re2 is the default, no field needed); a full match on the
      // path without its query string.
      return { safeRegex: { regex: path.value } };
    case 'PathPrefix': {
      const prefix = normalizedPrefix(path.value);
      if (prefix === '') return { prefix: '/' };
      // path_separated_prefix is element-wise: `/abc` matches `/abc`, `/abc/` and `/abc/x` but not
      // `/abcd`, exactly Gateway API's PathPrefix. Its PGV pattern `^[^?#]+[^?#/]$` forbids `?`, `#`
      // (which Gateway API's path validation also rules out) and the trailing `/` removed above.
      if (/^[^?#]+[^?#/]$/.test(prefix)) return { pathSeparatedPrefix: prefix };
      return { safeRegex: { regex: `${escapeRegex(prefix)}(/.*)?` } };
    }
  }
}

/**
 * GRPCRoute method matches (grpcroute_types.go GRPCMethodMatch) on the request path
 * `/<package.Service>/<Method>`. A part left out matches any one path segment.
 */
function grpcPathSpecifier(grpc: NonNullable<RouteMatchIR['grpc']>): PathSpecifier {
  const { service, method } = grpc;
  if (grpc.type === 'Exact') {
    if (service && method) return { path: `/${service}/${method}` };
    if (service) return { prefix: `/${service}/` };
    if (method) return { safeRegex: { regex: `^/[^/]+/${escapeRegex(method)}$` } };
    return { prefix: '/' };
  }
  return { safeRegex: { regex: grpcMethodRegex(service, method) } };
}

function stringMatcher(m: StringMatchIR): Proto3Json {
  return m.type === 'Exact' ? { exact: m.value } : { safeRegex: { regex: m.value } };
}
