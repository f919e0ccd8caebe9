/**
 * Envoy's RouteMatch (route_components.proto) on one request: the path specifier (`prefix`, `path`,
 * `path_separated_prefix`, `safe_regex`; each on the path without query string and fragment), `headers` (HeaderMatcher: string_match, present_match,
 * invert_match, treat_missing_header_as_empty; repeated headers joined with `,`),
 * `query_parameters` (the first value of the name) and `grpc` (a gRPC content-type). Every condition
 * must hold. Each is reported, so an explanation can name the first that failed.
 */
import { headerValue, pathOnly, type ExplainRequest } from './request.js';
import { describeStringMatch, regexFullMatch, stringMatches } from './string-match.js';
import { asArray, type Json } from './xds-view.js';

export interface MatchCondition {
  /** What was asked, in words: `path starts with element "/api"`, `header x-canary = "true"`. */
  condition: string;
  holds: boolean;
}

export interface RouteMatchResult {
  matched: boolean;
  conditions: MatchCondition[];
}

/** Evaluates `match` (a RouteMatch) for `request`, whose `:path` is already normalised. */
export function evaluateRouteMatch(match: Json, request: ExplainRequest, path: string): RouteMatchResult {
  const conditions: MatchCondition[] = [pathCondition(match, path)];
  for (const h of asArray(match.headers)) conditions.push(headerCondition(h, request));
  if (asArray(match.queryParameters).length > 0) {
    const query = parseQuery(path);
    for (const q of asArray(match.queryParameters)) conditions.push(queryCondition(q, query));
  }
  if (match.grpc !== undefined) conditions.push({ condition: 'a gRPC request (content-type application/grpc)', holds: isGrpcRequest(request) });
  for (const unsupported of ['connectMatcher', 'pathMatchPolicy', 'tlsContext', 'dynamicMetadata', 'filterState', 'cookies'] as const) {
    if (match[unsupported] !== undefined) conditions.push({ condition: `${unsupported} (not evaluated by explain)`, holds: false });
  }
  return { matched: conditions.every((c) => c.holds), conditions };
}

/** `case_sensitive` (BoolValue, default true) applies to prefix, path and path_separated_prefix. */
function caseSensitive(match: Json): boolean {
  return match.caseSensitive !== false;
}

const fold = (s: string, sensitive: boolean): string => (sensitive ? s : s.toLowerCase());

function pathCondition(match: Json, path: string): MatchCondition {
  const sensitive = caseSensitive(match);
  const noQuery = pathOnly(path);
  const ci = sensitive ? '' : ' (any case)';
  if (typeof match.prefix === 'string') {
    // Like every path specifier, compared with the path without query string and fragment
    // (Matchers::PathMatcher::match calls PathUtil::removeQueryAndFragment).
    return { condition: `path starts with ${JSON.stringify(match.prefix)}${ci}`, holds: fold(noQuery, sensitive).startsWith(fold(match.prefix, sensitive)) };
  }
  if (typeof match.path === 'string') {
    return { condition: `path is ${JSON.stringify(match.path)}${ci}`, holds: fold(noQuery, sensitive) === fold(match.path, sensitive) };
  }
  if (typeof match.pathSeparatedPrefix === 'string') {
    const p = fold(match.pathSeparatedPrefix, sensitive);
    const v = fold(noQuery, sensitive);
    return { condition: `path is ${JSON.stringify(match.pathSeparatedPrefix)} or below it${ci}`, holds: v === p || v.startsWith(`${p}/`) };
  }
  const regex = (match.safeRegex as Json | undefined)?.regex;
  if (typeof regex === 'string') return { condition: `path matches regex ${JSON.stringify(regex)}`, holds: regexFullMatch(regex, noQuery) };
  return { condition: 'a path specifier explain does not evaluate', holds: false };
}

/** HeaderUtility::matchHeaders. */
export function headerCondition(h: Json, request: ExplainRequest): MatchCondition {
  const name = String(h.name ?? '');
  const invert = h.invertMatch === true;
  const shown = name === ':method' ? 'method' : name === ':authority' ? 'host' : `header ${name}`;
  let value = headerValue(request, name);
  if (value === undefined && h.treatMissingHeaderAsEmpty === true) value = '';
  if (typeof h.presentMatch === 'boolean') {
    const present = value !== undefined;
    const wanted = h.presentMatch !== invert;
    return { condition: `${shown} ${wanted ? 'present' : 'absent'}`, holds: present === wanted };
  }
  const m = (h.stringMatch as Json | undefined) ?? legacyMatcher(h);
  const phrase = `${shown} ${invert ? 'not ' : ''}${m ? describeStringMatch(m) : 'present'}`;
  // A missing header fails every value matcher, inverted or not.
  if (value === undefined) return { condition: phrase, holds: false };
  const matched = m ? stringMatches(m, value) : true;
  return { condition: phrase, holds: matched !== invert };
}

/** The deprecated one-of fields (`exactMatch`, `prefixMatch`…) as a StringMatcher. */
function legacyMatcher(h: Json): Json | undefined {
  if (typeof h.exactMatch === 'string') return { exact: h.exactMatch };
  if (typeof h.prefixMatch === 'string') return { prefix: h.prefixMatch };
  if (typeof h.suffixMatch === 'string') return { suffix: h.suffixMatch };
  if (typeof h.containsMatch === 'string') return { contains: h.containsMatch };
  if (h.safeRegexMatch) return { safeRegex: h.safeRegexMatch };
  return undefined;
}

/**
 * Query parameters by name, first value kept, as written: RouteEntryImplBase::matchRoute parses them
 * with QueryParamsMulti::parseQueryString, which does not percent-decode (`q=a%20b` has the value `a%20b`).
 */
export function parseQuery(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = path.indexOf('?');
  if (q === -1) return out;
  const end = path.indexOf('#', q);
  for (const part of path.slice(q + 1, end === -1 ? undefined : end).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    if (!out.has(name)) out.set(name, eq === -1 ? '' : part.slice(eq + 1));
  }
  return out;
}

/** ConfigUtility::QueryParameterMatcher: the parameter must be present; then its first value must match. */
function queryCondition(q: Json, query: Map<string, string>): MatchCondition {
  const name = String(q.name ?? '');
  const value = query.get(name);
  const m = q.stringMatch as Json | undefined;
  const phrase = `query ${name} ${m && q.presentMatch !== true ? describeStringMatch(m) : 'present'}`;
  if (value === undefined) return { condition: phrase, holds: false };
  return { condition: phrase, holds: m && q.presentMatch !== true ? stringMatches(m, value) : true };
}

/** Grpc::Common::hasGrpcContentType: `application/grpc`, or `application/grpc+<codec>`. */
export function isGrpcRequest(request: ExplainRequest): boolean {
  const type = headerValue(request, 'content-type');
  return type !== undefined && (type === 'application/grpc' || type.startsWith('application/grpc+'));
}
