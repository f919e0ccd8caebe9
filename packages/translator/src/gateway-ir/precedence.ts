/**
 * Route precedence inside one virtual host.
 * HTTPRoute (httproute_types.go HTTPRouteRule.Matches): Exact path, then longest prefix, then method
 * match, then most header matches, then most query param matches; then the oldest route, then
 * `namespace/name`, then rule and match order. RegularExpression paths are implementation-specific:
 * we place them after Exact and before PathPrefix (as Envoy Gateway does), longest pattern first.
 * GRPCRoute (grpcroute_types.go GRPCRouteRule.Matches): longest service, then longest method, then most
 * header matches; then age, name and rule order. Hostname specificity is the virtual host's job.
 */
import type { RouteMatchIR } from '@portico/ir';
import { compareCreationTimestamps } from '../context.js';

export interface RouteOrigin {
  creationTimestamp: string;
  /** `namespace/name`. */
  key: string;
  rule: number;
  match: number;
}

const PATH_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

export function compareHTTPMatches(a: RouteMatchIR, b: RouteMatchIR): number {
  const pa = a.path ?? { type: 'PathPrefix' as const, value: '/' };
  const pb = b.path ?? { type: 'PathPrefix' as const, value: '/' };
  return (
    PATH_RANK[pa.type] - PATH_RANK[pb.type] ||
    pb.value.length - pa.value.length ||
    Number(!!b.method) - Number(!!a.method) ||
    (b.headers?.length ?? 0) - (a.headers?.length ?? 0) ||
    (b.queryParams?.length ?? 0) - (a.queryParams?.length ?? 0)
  );
}

export function compareGRPCMatches(a: RouteMatchIR, b: RouteMatchIR): number {
  return (
    (b.grpc?.service?.length ?? 0) - (a.grpc?.service?.length ?? 0) ||
    (b.grpc?.method?.length ?? 0) - (a.grpc?.method?.length ?? 0) ||
    (b.headers?.length ?? 0) - (a.headers?.length ?? 0)
  );
}

export function compareOrigins(a: RouteOrigin, b: RouteOrigin): number {
  const byTime = compareCreationTimestamps(a.creationTimestamp, b.creationTimestamp);
  if (byTime !== 0) return byTime;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.rule - b.rule || a.match - b.match;
}

/*
 * The same orders as sortable strings (virtual-hosts.ts sorts by them): fixed-width fields, larger
 * counts first by storing their complement. Lengths and counts are bounded by the CRDs (paths 1024
 * characters, 16 header and query matches); the widths leave room.
 */
const width = (n: number, digits: number) => String(n).padStart(digits, '0');

export function httpMatchKey(m: RouteMatchIR): string {
  const path = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  return `${PATH_RANK[path.type]}${width(99_999 - path.value.length, 5)}${m.method ? 0 : 1}${width(999 - (m.headers?.length ?? 0), 3)}${width(999 - (m.queryParams?.length ?? 0), 3)}`;
}

export function grpcMatchKey(m: RouteMatchIR): string {
  return `${width(99_999 - (m.grpc?.service?.length ?? 0), 5)}${width(99_999 - (m.grpc?.method?.length ?? 0), 5)}${width(999 - (m.headers?.length ?? 0), 3)}`;
}

/**
 * Oldest first (by instant; a missing or unparseable timestamp is oldest, as compareCreationTimestamps
 * says), then `namespace/name`, then rule and match index.
 */
export function originKey(o: RouteOrigin): string {
  const ms = o.creationTimestamp ? Date.parse(o.creationTimestamp) : NaN;
  // Shifted so that every instant JavaScript can hold (±8.64e15 ms) is a positive number of at most 17 digits.
  const time = Number.isNaN(ms) ? '0'.repeat(17) : width(ms + 8.64e15 + 1, 17);
  return `${time}\u0000${o.key}\u0000${width(o.rule, 5)}${width(o.match, 5)}`;
}
