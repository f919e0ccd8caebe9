/** GRPCRoute → route entries (grpcroute_types.go), never merged with HTTPRoutes. */
import type { RouteMatchIR } from '@portico/ir';
import { GATEWAY_GROUP, type GRPCRoute, type GRPCRouteMatch } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { buildDestination, type Problem } from '../backends/destinations.js';
import { failClosed, translateFilters } from './http-filters.js';
import { grpcMethodRegexProblem } from './regex.js';
import { backendRefsWithFilters, headerName, nameValueMatches, translateRules, type ReportInvalid } from './route-rules.js';
import { ruleExtras } from './rule-extras.js';
import { backendSessionPersistence } from '../policies/backend-traffic-policy.js';
import type { TranslatedRoute } from './translated-route.js';

const RULE_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);

export function translateGRPCRoute(ctx: TranslationContext, route: GRPCRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: 'GRPCRoute', namespace };
  const key = `${namespace}/${route.metadata.name}`;
  return translateRules(route, route.spec.rules ?? [], (rule, ruleIndex, sink, invalid) => {
    // Session persistence we cannot apply: the rule still matches, and fails closed (http-filters.ts).
    let unservable: Problem | undefined;
    const extras = ruleExtras({ sessionPersistence: rule.sessionPersistence }, (p) => (unservable ??= p));
    // The rule's own sessionPersistence wins over the one its backend's XBackendTrafficPolicy gives.
    const inherited = rule.sessionPersistence ? undefined : backendSessionPersistence(ctx, namespace, rule.backendRefs);
    if (inherited) extras.sessionPersistence = inherited;
    const filters = translateFilters(ctx, from, rule.filters ?? [], RULE_FILTERS, sink);
    const problem = unservable ?? filters.failClosed;
    const action = problem
      ? failClosed(sink, problem)
      : { fields: filters.fields, target: buildDestination(ctx, from, backendRefsWithFilters(rule.backendRefs ?? []), 'GRPC', sink) };
    const matches: GRPCRouteMatch[] = rule.matches?.length ? rule.matches : [{}];
    return matches.map((m, matchIndex) => ({
      ir: {
        name: `grpcroute/${key}/rule/${ruleIndex}/match/${matchIndex}`,
        source: { kind: 'GRPCRoute', namespace, name: route.metadata.name, rule: ruleIndex, match: matchIndex },
        match: translateMatch(m, invalid),
        ...action.fields,
        ...(problem ? {} : extras),
        ...action.target,
      },
      origin: { creationTimestamp: route.metadata.creationTimestamp ?? '', key, rule: ruleIndex, match: matchIndex },
      grpc: true,
    }));
  });
}

function translateMatch(m: GRPCRouteMatch, invalid: ReportInvalid): RouteMatchIR {
  const match: RouteMatchIR = {};
  if (m.method && (m.method.service || m.method.method)) {
    const type = m.method.type ?? 'Exact';
    if (type === 'RegularExpression') {
      const problem = grpcMethodRegexProblem(m.method.service, m.method.method);
      if (problem) invalid({ reason: 'UnsupportedValue', message: `method.${problem}` });
    }
    match.grpc = { type, ...(m.method.service ? { service: m.method.service } : {}), ...(m.method.method ? { method: m.method.method } : {}) };
  }
  const headers = nameValueMatches(m.headers ?? [], headerName, invalid, 'header');
  if (headers.length) match.headers = headers;
  return match;
}
