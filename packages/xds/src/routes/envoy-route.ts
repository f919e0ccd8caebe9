/**
 * One IR route → its Envoy Route(s) in proto3 JSON: the match, what it does, its header changes and
 * per-filter configs. Used by the route tables' JSON (route-configuration.ts) and, for routes outside
 * the direct writer's shape, by the wire writer (wire/route-wire.ts), which encodes this JSON.
 */
import type { Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import type { RouteTableContext } from './route-configuration.js';
import { buildRouteTarget } from './route-action.js';
import { applyHeaderMutations, headerMutations, perFilterConfig } from './route-filters.js';
import { securityPerFilterConfig } from './security-per-route.js';
import { bufferPerFilterConfig } from './buffer-per-route.js';
import { rateLimitPerFilterConfig } from './rate-limit-per-route.js';
import { globalRateLimitPerFilterConfig } from './rate-limit-global-per-route.js';
import { buildRouteMatch } from './route-match.js';
import { hostPortOverride, hostWithPortTwin } from './route-redirect.js';

/** The Envoy route(s) of one IR route: a redirect that keeps the request's host may need a twin for a Host with a port. */
export function buildRoutes(route: HTTPRouteIR, context: RouteTableContext): Proto3Json[] {
  const built = buildRoute(route, context);
  const port = route.redirect ? hostPortOverride(route.redirect, context) : undefined;
  return port === undefined ? [built] : [hostWithPortTwin(built, port), built];
}

function buildRoute(route: HTTPRouteIR, context: RouteTableContext): Proto3Json {
  const request = headerMutations(route.requestHeaders, 'request');
  const out: Proto3Json = {
    name: route.name,
    match: buildRouteMatch(route),
    ...buildRouteTarget(route, context, request.host),
  };
  // RequestHeaderModifier / ResponseHeaderModifier of the rule. Response headers also apply to the
  // responses Envoy makes itself (redirects, direct responses).
  applyHeaderMutations(out, 'request', request);
  applyHeaderMutations(out, 'response', headerMutations(route.responseHeaders, 'response'));
  if (hasPerFilterConfig(route)) {
    const perFilter = { ...perFilterConfig(route.cors, route.sessionPersistence, route.externalAuth), ...securityPerFilterConfig(route.security), ...rateLimitPerFilterConfig(route.rateLimit), ...globalRateLimitPerFilterConfig(route.rateLimit), ...bufferPerFilterConfig(route.maxRequestBytes) };
    if (Object.keys(perFilter).length > 0) out.typedPerFilterConfig = perFilter;
  }
  return out;
}

/**
 * Whether any per-filter config builder above has something to say (each gives nothing when its IR
 * field is unset): most routes have none, and skip six objects made only to be spread.
 */
export function hasPerFilterConfig(route: HTTPRouteIR): boolean {
  return (
    route.cors !== undefined ||
    route.sessionPersistence !== undefined ||
    route.externalAuth !== undefined ||
    route.security !== undefined ||
    route.rateLimit !== undefined ||
    route.maxRequestBytes !== undefined
  );
}

