/**
 * An IR route's RouteMatch written from the IR: the message route-match.ts buildRouteMatch builds,
 * field by field in field-number order (the path specifier from the same routePathSpecifier).
 */
import { BufferWriter, fieldTags } from '@portico/envoy';
import type { HTTPRouteIR, StringMatchIR } from '@portico/ir';
import { isGrpcRoute, routePathSpecifier, type PathSpecifier } from '../routes/route-match.js';
import { writeEmptyMessage, writeString, writeStringWithPresence } from './wire-fields.js';

const ROUTE_MATCH = 'envoy.config.route.v3.RouteMatch';
const MATCH_FIELDS = ['prefix', 'path', 'headers', 'queryParameters', 'grpc', 'safeRegex', 'pathSeparatedPrefix'] as const;
// prefix and path come before the headers, safe_regex and path_separated_prefix after RouteMatch.grpc.
const MATCH = fieldTags(ROUTE_MATCH, MATCH_FIELDS, { ordered: true });
const HEADER = fieldTags('envoy.config.route.v3.HeaderMatcher', ['name', 'stringMatch']);
const QUERY = fieldTags('envoy.config.route.v3.QueryParameterMatcher', ['name', 'stringMatch']);
const STRING_MATCHER = fieldTags('envoy.type.matcher.v3.StringMatcher', ['exact', 'safeRegex']);
const REGEX = fieldTags('envoy.type.matcher.v3.RegexMatcher', ['regex']);

/** The RouteMatch body (no tag, no length) of `route`'s match. */
export function writeRouteMatch(w: BufferWriter, route: HTTPRouteIR): void {
  const m = route.match;
  const specifier = routePathSpecifier(m);
  // Members of the path_specifier oneof: written even when "".
  if ('prefix' in specifier) writeStringWithPresence(w, MATCH.prefix, specifier.prefix);
  else if ('path' in specifier) writeStringWithPresence(w, MATCH.path, specifier.path);
  // An HTTP method is the `:method` pseudo-header to Envoy, before the other header matchers.
  if (m.method) writeMatcher(w, MATCH.headers, HEADER, ':method', 'Exact', m.method);
  for (const h of m.headers ?? []) writeMatcher(w, MATCH.headers, HEADER, h.name, h.type, h.value);
  for (const q of m.queryParams ?? []) writeMatcher(w, MATCH.queryParameters, QUERY, q.name, q.type, q.value);
  if (isGrpcRoute(route)) writeEmptyMessage(w, MATCH.grpc);
  if ('safeRegex' in specifier) writeRegex(w, MATCH.safeRegex, specifier.safeRegex.regex);
  else if ('pathSeparatedPrefix' in specifier) writeStringWithPresence(w, MATCH.pathSeparatedPrefix, specifier.pathSeparatedPrefix);
}

/**
 * The RouteMatch body of a proxyless gRPC route (routes/proxyless-routes.ts proxylessMatches): the
 * given path specifier and the route's header matchers but `:method`; no query parameters, no
 * RouteMatch.grpc (a gRPC client ignores both).
 */
export function writeProxylessMatch(w: BufferWriter, route: HTTPRouteIR, specifier: PathSpecifier): void {
  if ('prefix' in specifier) writeStringWithPresence(w, MATCH.prefix, specifier.prefix);
  else if ('path' in specifier) writeStringWithPresence(w, MATCH.path, specifier.path);
  for (const h of route.match.headers ?? []) if (h.name !== ':method') writeMatcher(w, MATCH.headers, HEADER, h.name, h.type, h.value);
  if ('safeRegex' in specifier) writeRegex(w, MATCH.safeRegex, specifier.safeRegex.regex);
  else if ('pathSeparatedPrefix' in specifier) writeStringWithPresence(w, MATCH.pathSeparatedPrefix, specifier.pathSeparatedPrefix);
}

/** A HeaderMatcher or QueryParameterMatcher: its name, then its StringMatcher (exact, or an RE2 safe_regex). */
function writeMatcher(w: BufferWriter, tag: number, fields: { name: number; stringMatch: number }, name: string, type: StringMatchIR['type'], value: string): void {
  w.uint32(tag).fork();
  writeString(w, fields.name, name);
  w.uint32(fields.stringMatch).fork();
  if (type === 'Exact') writeStringWithPresence(w, STRING_MATCHER.exact, value);
  else writeRegex(w, STRING_MATCHER.safeRegex, value);
  w.ldelim();
  w.ldelim();
}

function writeRegex(w: BufferWriter, tag: number, regex: string): void {
  w.uint32(tag).fork();
  writeString(w, REGEX.regex, regex);
  w.ldelim();
}
