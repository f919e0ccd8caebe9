/** HTTPRoute → route entries (one per rule and match), independent of the gateways it attaches to. */
import type { HTTPRouteIR, RouteMatchIR } from '@portico/ir';
import { GATEWAY_GROUP, type HTTPRoute, type HTTPRouteMatch, type HTTPRouteRule } from '@portico/resources';
import type { ReferrerRef } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';
import { buildDestination, type DestinationSink, type Problem } from '../backends/destinations.js';
import { failClosed, translateFilters, type FilterFields } from './http-filters.js';
import { regexProblem } from './regex.js';
import { BACKEND_HEADER_FILTERS, backendRefsWithFilters, headerName, nameValueMatches, translateRules, type ReportInvalid } from './route-rules.js';
import { settleBackendURLRewrites } from './backend-url-rewrite.js';
import { ruleExtras } from './rule-extras.js';
import { backendSessionPersistence } from '../policies/backend-traffic-policy.js';
import type { TranslatedRoute } from './translated-route.js';

const RULE_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'CORS', 'ExternalAuth', 'ExtensionRef']);
/** HTTPRouteBackendRequestHeaderModification and HTTPRouteBackendURLRewrite. */
const BACKEND_FILTERS = new Set([...BACKEND_HEADER_FILTERS, 'URLRewrite']);

export function translateHTTPRoute(ctx: TranslationContext, route: HTTPRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace };
  const key = `${namespace}/${route.metadata.name}`;
  return translateRules(route, route.spec.rules ?? [], (rule, ruleIndex, sink, invalid) => {
    const matches: HTTPRouteMatch[] = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    // Timeouts, retry or session persistence we cannot apply: the rule still matches, and fails closed.
    let unservable: Problem | undefined;
    const extras = ruleExtras(rule, (p) => (unservable ??= p));
    // The rule's own sessionPersistence wins over the one its backend's XBackendTrafficPolicy gives.
    const inherited = rule.sessionPersistence ? undefined : backendSessionPersistence(ctx, namespace, rule.backendRefs);
    if (inherited) extras.sessionPersistence = inherited;
    const action = unservable ? failClosed(sink, unservable) : ruleAction(ctx, from, rule, matches, sink);
    return matches.map((m, matchIndex) => {
      const match = translateMatch(m, invalid);
      const ir: HTTPRouteIR = {
        name: `httproute/${key}/rule/${ruleIndex}/match/${matchIndex}`,
        source: { kind: 'HTTPRoute', namespace, name: route.metadata.name, rule: ruleIndex, match: matchIndex },
        match,
        ...action.fields,
        ...(unservable ? {} : extras),
        ...action.target,
      };
      return { ir, origin: { creationTimestamp: route.metadata.creationTimestamp ?? '', key, rule: ruleIndex, match: matchIndex }, grpc: false };
    });
  });
}

function ruleAction(
  ctx: TranslationContext,
  from: ReferrerRef,
  rule: HTTPRouteRule,
  matches: readonly HTTPRouteMatch[],
  sink: DestinationSink,
): { fields: FilterFields; target: Pick<HTTPRouteIR, 'destination' | 'directResponse'> } {
  const filters = translateFilters(ctx, from, rule.filters ?? [], RULE_FILTERS, sink);
  const { rewrite, redirect } = filters.fields;
  // HTTPPathModifier: "ReplacePrefixMatch is only compatible with a PathPrefix HTTPRouteMatch"; the
  // matches are fine, the filter cannot be applied to them, so the rule fails closed.
  if (!filters.failClosed && (rewrite?.path?.type === 'ReplacePrefixMatch' || redirect?.path?.type === 'ReplacePrefixMatch')) {
    if (matches.some((m) => (m.path?.type ?? 'PathPrefix') !== 'PathPrefix')) {
      filters.failClosed = { reason: 'UnsupportedValue', message: 'ReplacePrefixMatch needs a PathPrefix match' };
    }
  }
  if (filters.failClosed) return failClosed(sink, filters.failClosed);
  if (redirect) return { fields: filters.fields, target: {} };
  const matchTypes = matches.map((m) => m.path?.type ?? 'PathPrefix');
  const settled = settleBackendURLRewrites(backendRefsWithFilters(rule.backendRefs ?? [], BACKEND_FILTERS), rewrite?.path, matchTypes);
  // A path rewrite every backend shares is the route's (backend-url-rewrite.ts).
  const fields = settled.path ? { ...filters.fields, rewrite: { ...filters.fields.rewrite, path: settled.path } } : filters.fields;
  return { fields, target: buildDestination(ctx, from, settled.refs, 'HTTP', sink) };
}

function translateMatch(m: HTTPRouteMatch, invalid: ReportInvalid): RouteMatchIR {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  if (type === 'RegularExpression') {
    const problem = regexProblem(value);
    if (problem) invalid({ reason: 'UnsupportedValue', message: `path: ${problem}` });
  } else if (!value.startsWith('/')) {
    invalid({ reason: 'UnsupportedValue', message: `path ${JSON.stringify(value)} must start with /` });
  }
  const match: RouteMatchIR = { path: { type, value } };
  const headers = nameValueMatches(m.headers ?? [], headerName, invalid, 'header');
  if (headers.length) match.headers = headers;
  // Query parameter names are case-sensitive (httproute_types.go HTTPQueryParamMatch).
  const query = nameValueMatches(m.queryParams ?? [], (n) => n, invalid, 'query param');
  if (query.length) match.queryParams = query;
  if (m.method) match.method = m.method;
  return match;
}
