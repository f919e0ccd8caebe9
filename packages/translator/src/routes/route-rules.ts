/**
 * What HTTPRoute and GRPCRoute translation share: the loop over rules that drops an invalid rule and
 * keeps the rest (shared_types.go RouteConditionPartiallyInvalid) — including a rule with a value
 * Envoy would refuse (envoy-values.ts) —, backendRef-level filters, and header matches.
 */
import type { HeaderMatchIR, HTTPRouteIR } from '@portico/ir';
import type { HTTPBackendRef, Route } from '@portico/resources';
import type { BackendRefWithModifiers, DestinationSink, Problem } from '../backends/destinations.js';
import { headerModifier, pathModifier } from './http-filters.js';
import { routeValueProblem } from './envoy-values.js';
import { regexProblem } from './regex.js';
import { settleRuleProblems, type RouteEntry, type RuleProblem, type TranslatedRoute } from './translated-route.js';

/** Reports a problem that drops the rule being translated (only the first one counts). */
export type ReportInvalid = (problem: Problem) => void;

/**
 * Translates each rule with `translateRule`; a rule that reported a problem contributes no entries and
 * no service ports, and the route becomes PartiallyInvalid (or not Accepted when no rule is left).
 * What a rule cannot serve as written but can still match (a filter we do not implement) is not such a
 * problem: the rule answers 500 instead (http-filters.ts) and lands in `failedClosed`.
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
    const sink: DestinationSink = { unresolved: out.unresolved, servicePorts: [], failedClosed: [] };
    const entries = translateRule(rule, ruleIndex, sink, invalid);
    // Values Envoy would refuse never reach (and NACK) a route table: a refused match drops the rule,
    // a refused filter value makes it fail closed (envoy-values.ts).
    let unservable: Problem | undefined;
    for (const entry of entries) {
      const value = routeValueProblem(entry.ir);
      if (value?.in === 'match') invalid(value.problem);
      else if (value) unservable ??= value.problem;
    }
    if (found.problem) {
      problems.push(found.problem);
    } else if (unservable) {
      out.unresolved.push(unservable);
      out.entries.push(...entries.map((entry) => ({ ...entry, ir: failedClosedEntry(entry.ir) })));
      (out.failedClosed ??= []).push({ rule: ruleIndex, ...unservable });
    } else {
      out.entries.push(...entries);
      out.servicePorts.push(...sink.servicePorts);
      for (const p of sink.failedClosed) (out.failedClosed ??= []).push({ rule: ruleIndex, ...p });
    }
  });
  settleRuleProblems(out, problems);
  return out;
}

/** The entry of a rule that fails closed: its matches, answered with 500 (http-filters.ts `failClosed`). */
function failedClosedEntry(ir: HTTPRouteIR): HTTPRouteIR {
  return { name: ir.name, source: ir.source, match: ir.match, directResponse: { status: 500 } };
}

/** The backendRef filters every route kind supports (HTTPRouteBackendRequestHeaderModification). */
export const BACKEND_HEADER_FILTERS: ReadonlySet<string> = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier']);

/**
 * backendRef filters: header modifiers, and URLRewrite where `supported` lists it (HTTPRoute,
 * HTTPRouteBackendURLRewrite; backend-url-rewrite.ts settles what of a rewrite can be served).
 * Any other filter fails closed for that backend only (http-filters.ts explains why a filter is never
 * skipped): the requests its weight would carry answer 500, the rule's other backends keep serving.
 */
export function backendRefsWithFilters(refs: readonly HTTPBackendRef[], supported: ReadonlySet<string> = BACKEND_HEADER_FILTERS): BackendRefWithModifiers[] {
  return refs.map((ref, index) => {
    const withMods: BackendRefWithModifiers = { ...ref };
    for (const f of ref.filters ?? []) {
      if (!supported.has(f.type)) {
        withMods.unservableFilter ??= {
          reason: f.type === 'ExtensionRef' ? 'InvalidKind' : 'UnsupportedValue',
          message: `backendRef ${index} (${ref.name}): filter type ${f.type} is not supported on a backendRef (supported: ${[...supported].join(', ')})`,
        };
      } else if (f.type === 'RequestHeaderModifier' && f.requestHeaderModifier) withMods.requestHeaders = headerModifier(f.requestHeaderModifier);
      else if (f.type === 'ResponseHeaderModifier' && f.responseHeaderModifier) withMods.responseHeaders = headerModifier(f.responseHeaderModifier);
      else if (f.type === 'URLRewrite' && f.urlRewrite) {
        const { hostname, path } = f.urlRewrite;
        withMods.urlRewrite = { ...(hostname ? { hostname } : {}), ...(path ? { path: pathModifier(path) } : {}) };
      }
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
