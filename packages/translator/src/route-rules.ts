/**
 * What HTTPRoute and GRPCRoute translation share: the loop over rules that drops an invalid rule and
 * keeps the rest (shared_types.go RouteConditionPartiallyInvalid) — including a rule with a value
 * Envoy would refuse (envoy-values.ts) —, backendRef-level filters, and header matches.
 */
import type { HeaderMatchIR } from '@portico/ir';
import type { HTTPBackendRef, Route } from '@portico/resources';
import type { BackendRefWithModifiers, DestinationSink, Problem } from './destinations.js';
import { headerModifier } from './http-filters.js';
import { routeValueProblem } from './envoy-values.js';
import { regexProblem } from './regex.js';
import { settleRuleProblems, type RouteEntry, type RuleProblem, type TranslatedRoute } from './translated-route.js';

/** Reports a problem that drops the rule being translated (only the first one counts). */
export type ReportInvalid = (problem: Problem) => void;

/**
 * Translates each rule with `translateRule`; a rule that reported a problem contributes no entries and
 * no service ports, and the route becomes PartiallyInvalid (or not Accepted when no rule is left).
 */
export function translateRules<Rule>(
  route: Route,
  rules: readonly Rule[],
  translateRule: (rule: Rule, ruleIndex: number, sink: DestinationSink, invalid: ReportInvalid) => RouteEntry[],
): TranslatedRoute {
  const out: TranslatedRoute = { route, unresolved: [], servicePorts: [], entries: [] };
  const problems: RuleProblem[] = [];
  rules.forEach((rule, ruleIndex) => {
    const found: { problem?: RuleProblem } = {};
    const invalid: ReportInvalid = (p) => (found.problem ??= { rule: ruleIndex, reason: p.reason, message: p.message });
    const sink: DestinationSink = { unresolved: out.unresolved, servicePorts: [] };
    const entries = translateRule(rule, ruleIndex, sink, invalid);
    // Values Envoy would refuse drop the rule here, so they never reach (and NACK) a route table.
    for (const entry of entries) {
      const problem = routeValueProblem(entry.ir);
      if (problem) invalid(problem);
    }
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

/** backendRef filters: only header modifiers are supported per backend (HTTPRouteBackendRequestHeaderModification). */
export function backendRefsWithFilters(refs: readonly HTTPBackendRef[], invalid: ReportInvalid): BackendRefWithModifiers[] {
  return refs.map((ref) => {
    const withMods: BackendRefWithModifiers = { ...ref };
    for (const f of ref.filters ?? []) {
      if (f.type === 'RequestHeaderModifier' && f.requestHeaderModifier) withMods.requestHeaders = headerModifier(f.requestHeaderModifier);
      else if (f.type === 'ResponseHeaderModifier' && f.responseHeaderModifier) withMods.responseHeaders = headerModifier(f.responseHeaderModifier);
      else invalid({ reason: 'UnsupportedValue', message: `backendRef filter type ${f.type} is not supported (supported: RequestHeaderModifier, ResponseHeaderModifier)` });
    }
    return withMods;
  });
}

/**
 * Header or query param matches. "If multiple entries specify equivalent names, only the first entry
 * MUST be considered" (httproute_types.go); `canonical` says which names are equivalent.
 */
export function nameValueMatches(
  matches: readonly { name: string; value: string; type?: 'Exact' | 'RegularExpression' }[],
  canonical: (name: string) => string,
  invalid: ReportInvalid,
  what: string,
): HeaderMatchIR[] {
  const seen = new Set<string>();
  const out: HeaderMatchIR[] = [];
  for (const h of matches) {
    const key = canonical(h.name);
    if (seen.has(key)) continue;
    seen.add(key);
    const type = h.type ?? 'Exact';
    const problem = type === 'RegularExpression' ? regexProblem(h.value) : undefined;
    if (problem) invalid({ reason: 'UnsupportedValue', message: `${what} ${h.name}: ${problem}` });
    out.push({ name: h.name, type, value: h.value });
  }
  return out;
}

/** Header names are case-insensitive (RFC 9110). */
export const headerName = (name: string): string => name.toLowerCase();
