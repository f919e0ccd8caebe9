/** HTTPRoute → route entries (one per rule and match), independent of the gateways it attaches to. */
import type { HeaderMatchIR, HTTPRouteIR, RouteMatchIR } from '@portico/ir';
import { GATEWAY_GROUP, type HTTPRoute, type HTTPRouteMatch, type HTTPRouteRule } from '@portico/resources';
import type { TranslationContext } from './context.js';
import { buildDestination, type BackendRefWithModifiers, type DestinationSink, type Problem } from './destinations.js';
import { headerModifier, translateFilters } from './http-filters.js';
import { regexProblem } from './regex.js';
import { ruleExtras } from './rule-extras.js';
import { settleRuleProblems, type RouteEntry, type RuleProblem, type TranslatedRoute } from './translated-route.js';

const RULE_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'CORS', 'ExtensionRef']);
const BACKEND_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier']);

export function translateHTTPRoute(ctx: TranslationContext, route: HTTPRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace };
  const out: TranslatedRoute = { route, unresolved: [], servicePorts: [], entries: [] };
  const key = `${namespace}/${route.metadata.name}`;
  const problems: RuleProblem[] = [];
  (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
    // The first problem of a rule drops it (settleRuleProblems); its service ports then go unused.
    const found: { problem?: RuleProblem } = {};
    const invalid = (p: Problem) => (found.problem ??= { rule: ruleIndex, reason: p.reason, message: p.message });
    const sink: DestinationSink = { unresolved: out.unresolved, servicePorts: [] };
    const entries: RouteEntry[] = [];
    const action = ruleAction(ctx, from, rule, sink, invalid);
    const extras = ruleExtras(rule, invalid);
    const matches: HTTPRouteMatch[] = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    matches.forEach((m, matchIndex) => {
      const match = translateMatch(m, invalid);
      if (action.fields.rewrite?.path?.type === 'ReplacePrefixMatch' || action.fields.redirect?.path?.type === 'ReplacePrefixMatch') {
        if (match.path?.type !== 'PathPrefix') invalid({ reason: 'UnsupportedValue', message: 'ReplacePrefixMatch needs a PathPrefix match' });
      }
      const ir: HTTPRouteIR = {
        name: `httproute/${key}/rule/${ruleIndex}/match/${matchIndex}`,
        source: { kind: 'HTTPRoute', namespace, name: route.metadata.name, rule: ruleIndex, match: matchIndex },
        match,
        ...action.fields,
        ...extras,
        ...action.target,
      };
      const entry: RouteEntry = {
        ir,
        origin: { creationTimestamp: route.metadata.creationTimestamp ?? '', key, rule: ruleIndex, match: matchIndex },
        grpc: false,
      };
      entries.push(entry);
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

function ruleAction(
  ctx: TranslationContext,
  from: { group: string; kind: string; namespace: string },
  rule: HTTPRouteRule,
  sink: DestinationSink,
  invalid: (p: Problem) => void,
): { fields: ReturnType<typeof translateFilters>['fields']; target: Pick<HTTPRouteIR, 'destination' | 'directResponse'> } {
  const filters = translateFilters(ctx, from, rule.filters ?? [], RULE_FILTERS, sink);
  if (filters.invalid) invalid(filters.invalid);
  if (filters.failClosed) {
    sink.unresolved.push(filters.failClosed);
    return { fields: filters.fields, target: { directResponse: { status: 500 } } };
  }
  if (filters.fields.redirect) return { fields: filters.fields, target: {} };
  const refs: BackendRefWithModifiers[] = (rule.backendRefs ?? []).map((ref) => {
    const withMods: BackendRefWithModifiers = { ...ref };
    for (const f of ref.filters ?? []) {
      if (!BACKEND_FILTERS.has(f.type)) invalid({ reason: 'UnsupportedValue', message: `backendRef filter type ${f.type} is not supported (supported: ${[...BACKEND_FILTERS].join(', ')})` });
      else if (f.type === 'RequestHeaderModifier' && f.requestHeaderModifier) withMods.requestHeaders = headerModifier(f.requestHeaderModifier);
      else if (f.type === 'ResponseHeaderModifier' && f.responseHeaderModifier) withMods.responseHeaders = headerModifier(f.responseHeaderModifier);
    }
    return withMods;
  });
  return { fields: filters.fields, target: buildDestination(ctx, from, refs, 'HTTP', sink) };
}

function translateMatch(m: HTTPRouteMatch, invalid: (p: Problem) => void): RouteMatchIR {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  if (type === 'RegularExpression') {
    const problem = regexProblem(value);
    if (problem) invalid({ reason: 'UnsupportedValue', message: `path: ${problem}` });
  } else if (!value.startsWith('/')) {
    invalid({ reason: 'UnsupportedValue', message: `path ${JSON.stringify(value)} must start with /` });
  }
  const match: RouteMatchIR = { path: { type, value } };
  const headers = dedupe(m.headers ?? [], (n) => n.toLowerCase(), invalid, 'header');
  if (headers.length) match.headers = headers;
  const query = dedupe(m.queryParams ?? [], (n) => n, invalid, 'query param');
  if (query.length) match.queryParams = query;
  if (m.method) match.method = m.method;
  return match;
}

/** "If multiple entries specify equivalent names, only the first entry MUST be considered." */
function dedupe(
  matches: readonly { name: string; value: string; type?: 'Exact' | 'RegularExpression' }[],
  canonical: (name: string) => string,
  invalid: (p: Problem) => void,
  what: string,
): HeaderMatchIR[] {
  const seen = new Set<string>();
  const out: HeaderMatchIR[] = [];
  for (const h of matches) {
    const key = canonical(h.name);
    if (seen.has(key)) continue;
    seen.add(key);
    const type = h.type ?? 'Exact';
    if (type === 'RegularExpression') {
      const problem = regexProblem(h.value);
      if (problem) invalid({ reason: 'UnsupportedValue', message: `${what} ${h.name}: ${problem}` });
    }
    out.push({ name: h.name, type, value: h.value });
  }
  return out;
}

