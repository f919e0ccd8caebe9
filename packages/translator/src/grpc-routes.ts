/** GRPCRoute → route entries (grpcroute_types.go), never merged with HTTPRoutes. */
import type { HeaderMatchIR, HTTPRouteIR, RouteMatchIR } from '@portico/ir';
import { GATEWAY_GROUP, type GRPCRoute, type GRPCRouteMatch } from '@portico/resources';
import type { TranslationContext } from './context.js';
import { buildDestination, type BackendRefWithModifiers, type DestinationSink, type Problem } from './destinations.js';
import { headerModifier, translateFilters } from './http-filters.js';
import { regexProblem } from './regex.js';
import { ruleExtras } from './rule-extras.js';
import { settleRuleProblems, type RouteEntry, type RuleProblem, type TranslatedRoute } from './translated-route.js';

const RULE_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);

export function translateGRPCRoute(ctx: TranslationContext, route: GRPCRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: 'GRPCRoute', namespace };
  const out: TranslatedRoute = { route, unresolved: [], servicePorts: [], entries: [] };
  const key = `${namespace}/${route.metadata.name}`;
  const problems: RuleProblem[] = [];
  (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
    // The first problem of a rule drops it (settleRuleProblems); its service ports then go unused.
    const found: { problem?: RuleProblem } = {};
    const invalid = (p: Problem) => (found.problem ??= { rule: ruleIndex, reason: p.reason, message: p.message });
    const sink: DestinationSink = { unresolved: out.unresolved, servicePorts: [] };
    const entries: RouteEntry[] = [];
    const filters = translateFilters(ctx, from, rule.filters ?? [], RULE_FILTERS, sink);
    if (filters.invalid) invalid(filters.invalid);
    let target: Pick<HTTPRouteIR, 'destination' | 'directResponse'>;
    if (filters.failClosed) {
      sink.unresolved.push(filters.failClosed);
      target = { directResponse: { status: 500 } };
    } else {
      const refs: BackendRefWithModifiers[] = (rule.backendRefs ?? []).map((ref) => {
        const withMods: BackendRefWithModifiers = { ...ref };
        for (const f of ref.filters ?? []) {
          if (f.type === 'RequestHeaderModifier' && f.requestHeaderModifier) withMods.requestHeaders = headerModifier(f.requestHeaderModifier);
          else if (f.type === 'ResponseHeaderModifier' && f.responseHeaderModifier) withMods.responseHeaders = headerModifier(f.responseHeaderModifier);
          else invalid({ reason: 'UnsupportedValue', message: `backendRef filter type ${f.type} is not supported` });
        }
        return withMods;
      });
      target = buildDestination(ctx, from, refs, 'GRPC', sink);
    }
    const extras = ruleExtras({ sessionPersistence: rule.sessionPersistence }, invalid);
    const matches: GRPCRouteMatch[] = rule.matches?.length ? rule.matches : [{}];
    matches.forEach((m, matchIndex) => {
      entries.push({
        ir: {
          name: `grpcroute/${key}/rule/${ruleIndex}/match/${matchIndex}`,
          source: { kind: 'GRPCRoute', namespace, name: route.metadata.name, rule: ruleIndex, match: matchIndex },
          match: translateMatch(m, invalid),
          ...filters.fields,
          ...extras,
          ...target,
        },
        origin: { creationTimestamp: route.metadata.creationTimestamp ?? '', key, rule: ruleIndex, match: matchIndex },
        grpc: true,
      });
    });
    if (found.problem) {
      problems.push(found.problem);
    } else {
      out.entries.push(...entries);
      out.servicePorts.push(...sink.servicePorts);
    }
  });
  settleRuleProblems(out, problems);
  return out;
}

function translateMatch(m: GRPCRouteMatch, invalid: (p: Problem) => void): RouteMatchIR {
  const match: RouteMatchIR = {};
  if (m.method && (m.method.service || m.method.method)) {
    const type = m.method.type ?? 'Exact';
    if (type === 'RegularExpression') {
      for (const part of [m.method.service, m.method.method]) {
        const problem = part ? regexProblem(part) : undefined;
        if (problem) invalid({ reason: 'UnsupportedValue', message: `method: ${problem}` });
      }
    }
    match.grpc = { type, ...(m.method.service ? { service: m.method.service } : {}), ...(m.method.method ? { method: m.method.method } : {}) };
  }
  const seen = new Set<string>();
  const headers: HeaderMatchIR[] = [];
  for (const h of m.headers ?? []) {
    const key = h.name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const type = h.type ?? 'Exact';
    const problem = type === 'RegularExpression' ? regexProblem(h.value) : undefined;
    if (problem) invalid({ reason: 'UnsupportedValue', message: `header ${h.name}: ${problem}` });
    headers.push({ name: h.name, type, value: h.value });
  }
  if (headers.length) match.headers = headers;
  return match;
}
