/**
 * When one route match provably takes every request another would: the relation behind shadowing
 * (shadowed-entries.ts). Sound rather than complete — "covers" is only claimed when it holds for every
 * request, as Envoy matches them (xds routes/route-match.ts):
 * - Path: a PathPrefix covers the paths under it element-wise (httproute_types.go PathMatchPathPrefix:
 *   `/abc` covers `/abc`, `/abc/` and `/abc/x`, not `/abcd`; a trailing `/` is ignored, so `/abc/`
 *   means `/abc`), Exact and PathPrefix alike; `/` covers every path, regular expressions included.
 *   An Exact path covers only the same Exact path; a RegularExpression only the same expression.
 * - gRPC (grpcroute_types.go GRPCMethodMatch, sent as a `:path` match): no method match covers every
 *   gRPC match; an Exact service covers that service's methods; an Exact method covers that method of
 *   any service; service+method only itself; a RegularExpression only the same expressions.
 * - Conditions (HTTP method, header and query param matches, all ANDed): the covering match may only
 *   carry conditions the covered one carries too, identical (header names compared case-insensitively,
 *   query param names as written, values and regular expressions as written).
 * HTTP and gRPC matches never cover each other (a GRPCRoute's routes also require a gRPC content-type).
 *
 * A match is reduced to a shape: its own path key, the keys of every path match that would cover it,
 * and its conditions as sorted strings. `a` covers `b` exactly when `b.coveredBy` holds `a.path` and
 * `a.conditions` ⊆ `b.conditions`, which lets the sweep find covering matches by lookup.
 */
import type { HeaderMatchIR, RouteMatchIR } from '@portico/ir';

export interface MatchShape {
  /** The path part as a key (`h…` HTTP, `g…` gRPC). */
  path: string;
  /** Keys of every path part that covers this one, this one's own included. */
  coveredBy: readonly string[];
  /** The ANDed conditions (method, headers, query params) as strings, sorted, without duplicates. */
  conditions: readonly string[];
}

const SEP = '\u0000';

export function matchShape(m: RouteMatchIR, grpc: boolean): MatchShape {
  const { path, coveredBy } = grpc ? grpcPath(m) : httpPath(m);
  return { path, coveredBy, conditions: conditionsOf(m) };
}

/** Does a match of shape `a` take every request a match of shape `b` would? */
export function covers(a: MatchShape, b: MatchShape): boolean {
  return b.coveredBy.includes(a.path) && isSubset(a.conditions, b.conditions);
}

/** Both sorted. */
export function isSubset(small: readonly string[], big: readonly string[]): boolean {
  let j = 0;
  for (const c of small) {
    while (j < big.length && big[j]! < c) j++;
    if (big[j] !== c) return false;
    j++;
  }
  return true;
}

/** PathPrefix without its trailing slashes (`` is `/`, the match-all prefix), as the xDS layer writes it. */
function normalizedPrefix(value: string): string {
  return value.replace(/\/+$/, '');
}

const prefixKey = (p: string) => `hP${SEP}${p}`;

function httpPath(m: RouteMatchIR): { path: string; coveredBy: string[] } {
  const p = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  switch (p.type) {
    case 'RegularExpression': {
      const own = `hR${SEP}${p.value}`;
      return { path: own, coveredBy: [prefixKey(''), own] };
    }
    case 'Exact': {
      const own = `hE${SEP}${p.value}`;
      return { path: own, coveredBy: [...elementPrefixes(p.value).map(prefixKey), own] };
    }
    case 'PathPrefix': {
      const prefix = normalizedPrefix(p.value);
      return { path: prefixKey(prefix), coveredBy: elementPrefixes(prefix).map(prefixKey) };
    }
  }
}

/**
 * Every normalized prefix `q` with `path === q` or `path` starting with `q + '/'`, and `` (`/`): the
 * PathPrefix matches that match every request whose path is, or lies under, `path`.
 */
function elementPrefixes(path: string): string[] {
  const out = new Set<string>(['']);
  for (let i = 1; i < path.length; i++) if (path[i] === '/' && path[i - 1] !== '/') out.add(path.slice(0, i));
  const whole = normalizedPrefix(path);
  if (whole) out.add(whole);
  return [...out];
}

function grpcPath(m: RouteMatchIR): { path: string; coveredBy: string[] } {
  const any = 'g*';
  const g = m.grpc;
  if (!g || (!g.service && !g.method)) return { path: any, coveredBy: [any] };
  const key = (service: string, method: string) => `g${g.type === 'Exact' ? 'E' : 'R'}${SEP}${service}${SEP}${method}`;
  const own = key(g.service ?? '', g.method ?? '');
  if (g.type !== 'Exact') return { path: own, coveredBy: [any, own] };
  const coveredBy = new Set([any, own]);
  if (g.service && g.method) {
    coveredBy.add(key(g.service, ''));
    coveredBy.add(key('', g.method));
  }
  return { path: own, coveredBy: [...coveredBy] };
}

function conditionsOf(m: RouteMatchIR): string[] {
  const out = new Set<string>();
  if (m.method) out.add(`m${SEP}${m.method}`);
  for (const h of m.headers ?? []) out.add(condition('h', h.name.toLowerCase(), h));
  for (const q of m.queryParams ?? []) out.add(condition('q', q.name, q));
  return [...out].sort();
}

function condition(kind: string, name: string, h: HeaderMatchIR): string {
  return `${kind}${SEP}${name}${SEP}${h.type}${SEP}${h.value}`;
}
