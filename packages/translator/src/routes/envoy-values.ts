/**
 * Values of a route rule that Envoy would refuse, found before they reach xDS: one such value makes
 * Envoy NACK the whole RouteConfiguration, i.e. every route of every team on that listener. The rule
 * is dropped instead (PartiallyInvalid, or Accepted=False when no rule is left), with a message that
 * names the field and the value.
 *
 * The rules are Envoy's own (PGV annotations of the v3 protos, which `--mode validate` and every xDS
 * update enforce) and the Gateway API CRD's, which the API server would have enforced (the file
 * provider has no API server in front of it):
 * - header names: Gateway API `HTTPHeaderName` (`^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$`, at most 256),
 *   stricter than Envoy's `HTTP_HEADER_NAME` (no NUL, CR, LF) and free of `:` pseudo-headers;
 * - header mutations: Envoy's HeaderParser refuses `:`-prefixed names and `host` ("may not be
 *   modified" / "removed"): the name rule keeps `:` out, and the xDS translator turns a request
 *   `Host` set/add into host_rewrite_literal and drops a `host` removal (route-filters.ts), so
 *   `host` is no problem here;
 * - header values, rewritten and redirected paths: Envoy's `HTTP_HEADER_VALUE` (no NUL, CR, LF) on
 *   `HeaderValue.value`, `prefix_rewrite`, `regex_rewrite.substitution`, `path_redirect`;
 * - rewritten and redirected hostnames: Gateway API `PreciseHostname` (lower-case RFC 1123), which
 *   also keeps `host_rewrite_literal` / `host_redirect` free of what Envoy refuses.
 */
import type { HeaderModifierIR, HTTPRouteIR, PathModifierIR } from '@portico/ir';
import { quoteValue } from '@portico/ir';
import type { Problem } from '../backends/destinations.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const HEADER_NAME_MAX = 256;
const HEADER_VALUE_MAX = 4096;
const PATH_MAX = 1024;
/** Gateway API PreciseHostname. */
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME_MAX = 253;
/** Envoy's HTTP_HEADER_VALUE (strict: false) refuses these three. */
const FORBIDDEN_IN_HEADER_VALUE = /[\0\r\n]/;

export function headerNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > HEADER_NAME_MAX) return `${quoteValue(name)} is longer than ${HEADER_NAME_MAX} characters`;
  if (!HEADER_NAME.test(name)) return `${quoteValue(name)} is not a valid header name (an RFC 7230 token: letters, digits and !#$%&'*+-.^_\`|~)`;
  return undefined;
}

export function headerValueProblem(value: string): string | undefined {
  if (value.length > HEADER_VALUE_MAX) return `${quoteValue(value)} is longer than ${HEADER_VALUE_MAX} characters`;
  if (FORBIDDEN_IN_HEADER_VALUE.test(value)) return `${quoteValue(value)} contains NUL, CR or LF, which Envoy refuses in a header value`;
  return undefined;
}

export function preciseHostnameProblem(hostname: string): string | undefined {
  if (hostname.length > HOSTNAME_MAX || !PRECISE_HOSTNAME.test(hostname)) {
    return `${quoteValue(hostname)} is not a valid hostname (lower-case RFC 1123: letters, digits, '-' and '.', at most ${HOSTNAME_MAX} characters)`;
  }
  return undefined;
}

export function rewritePathProblem(path: string): string | undefined {
  if (path.length > PATH_MAX) return `${quoteValue(path)} is longer than ${PATH_MAX} characters`;
  if (FORBIDDEN_IN_HEADER_VALUE.test(path)) return `${quoteValue(path)} contains NUL, CR or LF, which Envoy refuses in a rewritten path`;
  return undefined;
}

/** The first value of one route entry that Envoy would refuse, as a rule problem. */
/**
 * Where a value Envoy would refuse sits decides what becomes of its rule: a refused match cannot be
 * matched at all, so the rule is dropped (`match`); a refused filter value leaves the matches intact,
 * so the rule keeps them and fails closed with a 500 (`filter`, see http-filters.ts), rather than
 * letting its requests fall through to another rule.
 */
export interface RouteValueProblem {
  in: 'match' | 'filter';
  problem: Problem;
}

export function routeValueProblem(ir: HTTPRouteIR): RouteValueProblem | undefined {
  const match = matchMessage(ir);
  if (match !== undefined) return { in: 'match', problem: { reason: 'UnsupportedValue', message: match } };
  const filter = filterMessage(ir);
  return filter === undefined ? undefined : { in: 'filter', problem: { reason: 'UnsupportedValue', message: filter } };
}

function matchMessage(ir: HTTPRouteIR): string | undefined {
  for (const [i, h] of (ir.match.headers ?? []).entries()) {
    const p = headerNameProblem(h.name);
    if (p) return `matches.headers[${i}].name: ${p}`;
  }
  for (const [i, q] of (ir.match.queryParams ?? []).entries()) {
    const p = headerNameProblem(q.name);
    if (p) return `matches.queryParams[${i}].name: ${p}`;
  }
  return undefined;
}

function filterMessage(ir: HTTPRouteIR): string | undefined {
  const modifiers = [
    modifierProblem(ir.requestHeaders, 'filters.requestHeaderModifier'),
    modifierProblem(ir.responseHeaders, 'filters.responseHeaderModifier'),
  ];
  for (const [i, b] of (ir.destination?.backends ?? []).entries()) {
    if (!('backend' in b)) continue;
    modifiers.push(modifierProblem(b.requestHeaders, `backendRefs[${i}].filters.requestHeaderModifier`));
    modifiers.push(modifierProblem(b.responseHeaders, `backendRefs[${i}].filters.responseHeaderModifier`));
    modifiers.push(hostAndPathProblem(b.rewriteHostname !== undefined ? { hostname: b.rewriteHostname } : undefined, `backendRefs[${i}].filters.urlRewrite`));
  }
  const found = modifiers.find((m) => m !== undefined);
  if (found) return found;
  return (
    hostAndPathProblem(ir.rewrite, 'filters.urlRewrite') ??
    hostAndPathProblem(ir.redirect, 'filters.requestRedirect') ??
    corsProblem(ir) ??
    sessionProblem(ir)
  );
}

function modifierProblem(m: HeaderModifierIR | undefined, field: string): string | undefined {
  if (!m) return undefined;
  for (const op of ['set', 'add'] as const) {
    for (const [i, h] of (m[op] ?? []).entries()) {
      const p = headerNameProblem(h.name);
      if (p) return `${field}.${op}[${i}].name: ${p}`;
      const v = headerValueProblem(h.value);
      if (v) return `${field}.${op}[${i}].value: ${v}`;
    }
  }
  for (const [i, name] of (m.remove ?? []).entries()) {
    const p = headerNameProblem(name);
    if (p) return `${field}.remove[${i}]: ${p}`;
  }
  return undefined;
}

function hostAndPathProblem(r: { hostname?: string; path?: PathModifierIR } | undefined, field: string): string | undefined {
  if (!r) return undefined;
  if (r.hostname !== undefined) {
    const p = preciseHostnameProblem(r.hostname);
    if (p) return `${field}.hostname: ${p}`;
  }
  if (r.path) {
    const p = rewritePathProblem(r.path.value);
    const key = r.path.type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
    if (p) return `${field}.path.${key}: ${p}`;
  }
  return undefined;
}

function corsProblem(ir: HTTPRouteIR): string | undefined {
  for (const key of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [i, name] of (ir.cors?.[key] ?? []).entries()) {
      // `*` is CORS's wildcard, which Gateway API allows in these lists.
      const p = name === '*' ? undefined : headerNameProblem(name);
      if (p) return `filters.cors.${key}[${i}]: ${p}`;
    }
  }
  for (const [i, origin] of (ir.cors?.allowOrigins ?? []).entries()) {
    const p = headerValueProblem(origin);
    if (p) return `filters.cors.allowOrigins[${i}]: ${p}`;
  }
  return undefined;
}

function sessionProblem(ir: HTTPRouteIR): string | undefined {
  const s = ir.sessionPersistence;
  if (s?.type !== 'Header') return undefined;
  const p = headerNameProblem(s.name);
  return p ? `sessionPersistence.header.name: ${p}` : undefined;
}
