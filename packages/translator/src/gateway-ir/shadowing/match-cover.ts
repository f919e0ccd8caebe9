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
  /** `conditions` as one key. */
  conditionsKey: string;
  /**
   * The key of every subset of `conditions` (the condition sets a covering match may have), when
   * there are at most MAX_ENUMERATED conditions; undefined beyond (2^n keys would be too many).
   */
  subsetKeys?: readonly string[];
}

/** Subsets of up to 2^6 = 64 keys; matches with more conditions are rare (the CRDs allow 16 + 16 + 1). */
export const MAX_ENUMERATED = 6;

const SEP = '\u0000';

const NO_CONDITIONS: readonly string[] = [];
const NO_CONDITIONS_SUBSETS: readonly string[] = [''];

export function matchShape(m: RouteMatchIR, grpc: boolean): MatchShape {
  const { path, coveredBy } = grpc ? grpcPath(m) : httpPath(m);
  const conditions = conditionsOf(m);
  if (conditions.length === 0) return { path, coveredBy, conditions, conditionsKey: '', subsetKeys: NO_CONDITIONS_SUBSETS };
  const shape: MatchShape = { path, coveredBy, conditions, conditionsKey: setKey(conditions) };
  if (conditions.length <= MAX_ENUMERATED) shape.subsetKeys = subsetKeys(conditions);
  return shape;
}

export function setKey(conditions: readonly string[]): string {
  return conditions.join('\u0001');
}

function subsetKeys(conditions: readonly string[]): string[] {
  if (conditions.length === 1) return ['', conditions[0]!];
  const keys: string[] = [];
  for (let mask = 0; mask < 1 << conditions.length; mask++) {
    const picked: string[] = [];
    for (let i = 0; i < conditions.length; i++) if (mask & (1 << i)) picked.push(conditions[i]!);
    keys.push(setKey(picked));
  }
  return keys;
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
const ROOT_PREFIX = prefixKey('');

function httpPath(m: RouteMatchIR): { path: string; coveredBy: string[] } {
  const p = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  switch (p.type) {
    case 'RegularExpression': {
      const own = `hR${SEP}${p.value}`;
      return { path: own, coveredBy: [ROOT_PREFIX, own] };
    }
    case 'Exact': {
      const own = `hE${SEP}${p.value}`;
      const coveredBy = elementPrefixes(p.value);
      coveredBy.push(own);
      return { path: own, coveredBy };
    }
    case 'PathPrefix': {
      const prefix = normalizedPrefix(p.value);
      const coveredBy = elementPrefixes(prefix);
      return { path: coveredBy[coveredBy.length - 1]!, coveredBy };
    }
  }
}

/**
 * The keys of every normalized prefix `q` with `path === q` or `path` starting with `q + '/'`, and of
 * `` (`/`), the last being `path`'s own (normalized): the PathPrefix matches that match every request
 * whose path is, or lies under, `path`.
 */
function elementPrefixes(path: string): string[] {
  const out = [ROOT_PREFIX];
  for (let i = 1; i < path.length; i++) if (path.charCodeAt(i) === SLASH && path.charCodeAt(i - 1) !== SLASH) out.push(prefixKey(path.slice(0, i)));
  const whole = path.charCodeAt(path.length - 1) === SLASH ? normalizedPrefix(path) : path;
  // Distinct already, but for a path ending in `/`, whose last element was pushed by the loop.
  if (whole) {
    const key = prefixKey(whole);
    if (out[out.length - 1] !== key) out.push(key);
  }
  return out;
}

const SLASH = 47;

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

function conditionsOf(m: RouteMatchIR): readonly string[] {
  if (!m.method && !m.queryParams?.length && m.headers?.length === 1) return [condition('h', m.headers[0]!.name.toLowerCase(), m.headers[0]!)];
  if (!m.method && !m.headers?.length && !m.queryParams?.length) return NO_CONDITIONS;
  const out = new Set<string>();
  if (m.method) out.add(`m${SEP}${m.method}`);
  for (const h of m.headers ?? []) out.add(condition('h', h.name.toLowerCase(), h));
  for (const q of m.queryParams ?? []) out.add(condition('q', q.name, q));
  return [...out].sort();
}

function condition(kind: string, name: string, h: HeaderMatchIR): string {
  return `${kind}${SEP}${name}${SEP}${h.type}${SEP}${h.value}`;
}
