/**
 * Path matching and precedence of Ingress rules (networking/v1 HTTPIngressPath, and the Kubernetes
 * Ingress docs "Path types" and "Multiple matches"):
 * - `Exact` matches the URL path exactly; `Prefix` matches element by element (`/foo` matches `/foo`
 *   and `/foo/bar`, not `/foobar`), ignoring a trailing `/` on either side. That is the IR's
 *   `PathPrefix` (the same rule as Gateway API's).
 * - `ImplementationSpecific` is ours to define: we treat it as `Prefix`, as ingress-nginx does when
 *   regular expressions are not enabled. A path left out (only this type may omit it) is `/`.
 * - Precedence: "first to the longest matching path. If two paths are still equally matched,
 *   precedence will be given to paths with an exact path type over prefix path types."
 *   That is NOT HTTPRoute's order (precedence.ts: every Exact before every PathPrefix, then length),
 *   hence a comparator of its own. Ties left after that go to the oldest Ingress (compareOrigins).
 */
import type { PathMatchIR } from '@portico/ir';

export type IngressPathType = 'Exact' | 'PathPrefix' | 'RegularExpression';

export interface IngressPathMatch extends PathMatchIR {
  type: IngressPathType;
  /** For RegularExpression (ingress-nginx `use-regex`): the path as written, whose length orders it. */
  source?: string;
}

/**
 * The IR match for one HTTPIngressPath. A trailing `/` of a `Prefix` path is dropped: "/foo/" and
 * "/foo" match the same requests (Ingress docs, "Examples": `/aaa/bbb/` matches `/aaa/bbb`), and only
 * the normalised form gives them equal length for precedence and makes them duplicates of each other.
 */
export function ingressPathMatch(pathType: string, path: string | undefined): IngressPathMatch {
  const value = path ?? '/';
  if (pathType === 'Exact') return { type: 'Exact', value };
  const trimmed = value.replace(/\/+$/, '');
  return { type: 'PathPrefix', value: trimmed === '' ? '/' : trimmed };
}

const TYPE_RANK: Record<IngressPathType, number> = { Exact: 0, PathPrefix: 1, RegularExpression: 2 };

/**
 * Longest path first; on equal length, Exact before Prefix. 0 when neither goes first. Regular
 * expressions (ingress-nginx `use-regex`) come before every other path of the host, as nginx tries
 * `~*` locations before it settles for a prefix location (an `=` location of another Ingress on the
 * same host, which nginx would prefer, is not ordered first: a simple total order wins over that
 * corner), and among themselves longest source first, the order ingress-nginx writes its locations in.
 */
export function compareIngressPaths(a: IngressPathMatch, b: IngressPathMatch): number {
  const regexFirst = Number(b.type === 'RegularExpression') - Number(a.type === 'RegularExpression');
  if (regexFirst !== 0) return regexFirst;
  return pathLength(b) - pathLength(a) || TYPE_RANK[a.type] - TYPE_RANK[b.type];
}

function pathLength(p: IngressPathMatch): number {
  return (p.source ?? p.value).length;
}

/** Two paths that match exactly the same requests: only the oldest is kept. */
export function samePathMatch(a: IngressPathMatch, b: IngressPathMatch): boolean {
  return a.type === b.type && a.value === b.value;
}
