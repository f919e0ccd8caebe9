/**
 * Why one entry comes before another under one listener hostname, step by step, in the order
 * virtual-hosts.ts sorts by: the route's own hostname (GatewayRouteHostnameIntersectionPrecedence),
 * then the match (precedence.ts: httproute_types.go HTTPRouteRule.Matches, grpcroute_types.go
 * GRPCRouteRule.Matches), then the oldest route, then `namespace/name`, then rule and match order.
 * Each step that tied is named, then the one that decided.
 */
import type { RouteMatchIR } from '@portico/ir';
import { compareCreationTimestamps } from '../../context.js';
import { compareHostnameSpecificity } from '../../routes/hostnames.js';
import type { PlacedEntry } from './shadowed-entries.js';

export type PrecedenceStep =
  | 'RouteHostname'
  | 'PathType'
  | 'PathLength'
  | 'Method'
  | 'HeaderCount'
  | 'QueryParamCount'
  | 'ServiceLength'
  | 'MethodLength'
  | 'CreationTimestamp'
  | 'NamespaceName'
  | 'RuleOrder'
  | 'MatchOrder';

export interface PrecedenceExplanation {
  step: PrecedenceStep;
  /** `route hostname: tie (*); match: tie; creationTimestamp: 2025-01-01T00:00:00Z before 2025-02-01T00:00:00Z (decides)`. */
  text: string;
}

interface Criterion {
  step: PrecedenceStep;
  label: string;
  /** Negative when `a` comes first. */
  compare(a: RouteMatchIR, b: RouteMatchIR): number;
  show(m: RouteMatchIR): string;
}

const PATH_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;
const pathOf = (m: RouteMatchIR) => m.path ?? { type: 'PathPrefix' as const, value: '/' };
const count = (list: readonly unknown[] | undefined) => list?.length ?? 0;

const HTTP_CRITERIA: readonly Criterion[] = [
  { step: 'PathType', label: 'path type (Exact, then RegularExpression, then PathPrefix)', compare: (a, b) => PATH_RANK[pathOf(a).type] - PATH_RANK[pathOf(b).type], show: (m) => pathOf(m).type },
  { step: 'PathLength', label: 'longer path', compare: (a, b) => pathOf(b).value.length - pathOf(a).value.length, show: (m) => `${pathOf(m).value.length} characters` },
  { step: 'Method', label: 'method match', compare: (a, b) => Number(!!b.method) - Number(!!a.method), show: (m) => m.method ?? 'none' },
  { step: 'HeaderCount', label: 'more header matches', compare: (a, b) => count(b.headers) - count(a.headers), show: (m) => String(count(m.headers)) },
  { step: 'QueryParamCount', label: 'more query param matches', compare: (a, b) => count(b.queryParams) - count(a.queryParams), show: (m) => String(count(m.queryParams)) },
];

const GRPC_CRITERIA: readonly Criterion[] = [
  { step: 'ServiceLength', label: 'longer service', compare: (a, b) => (b.grpc?.service?.length ?? 0) - (a.grpc?.service?.length ?? 0), show: (m) => m.grpc?.service ?? 'any' },
  { step: 'MethodLength', label: 'longer method', compare: (a, b) => (b.grpc?.method?.length ?? 0) - (a.grpc?.method?.length ?? 0), show: (m) => m.grpc?.method ?? 'any' },
  { step: 'HeaderCount', label: 'more header matches', compare: (a, b) => count(b.headers) - count(a.headers), show: (m) => String(count(m.headers)) },
];

/** How `first` came before `second` (both under one listener hostname, `first` placed earlier). */
export function explainPrecedence(first: PlacedEntry, second: PlacedEntry): PrecedenceExplanation {
  const ties: string[] = [];
  const decided = (step: PrecedenceStep, text: string): PrecedenceExplanation => ({ step, text: [...ties, `${text} (decides)`].join('; ') });

  if (first.behind !== second.behind && compareHostnameSpecificity(first.behind, second.behind) !== 0) {
    return decided('RouteHostname', `route hostname: ${first.behind} is more specific than ${second.behind}`);
  }
  ties.push(`route hostname: tie (${first.behind})`);

  const a = first.entry.ir.match;
  const b = second.entry.ir.match;
  for (const c of first.entry.grpc && second.entry.grpc ? GRPC_CRITERIA : HTTP_CRITERIA) {
    if (c.compare(a, b) !== 0) return decided(c.step, `${c.label}: ${c.show(a)} over ${c.show(b)}`);
  }
  ties.push('match precedence: tie');

  const [oa, ob] = [first.entry.origin, second.entry.origin];
  if (compareCreationTimestamps(oa.creationTimestamp, ob.creationTimestamp) !== 0) {
    return decided('CreationTimestamp', `creationTimestamp: ${oa.creationTimestamp || 'none'} before ${ob.creationTimestamp || 'none'}`);
  }
  if (oa.key !== ob.key) {
    ties.push(`creationTimestamp: tie (${oa.creationTimestamp || 'none'})`);
    return decided('NamespaceName', `namespace/name: ${oa.key} before ${ob.key}`);
  }
  ties.push('same route');
  if (oa.rule !== ob.rule) return decided('RuleOrder', `rule order: rule ${oa.rule} before rule ${ob.rule}`);
  return decided('MatchOrder', `match order: match ${oa.match} before match ${ob.match}`);
}
