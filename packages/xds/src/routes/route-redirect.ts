/**
 * HTTPRequestRedirectFilter → Envoy RedirectAction (route_components.proto).
 *
 * How Envoy builds the Location (Http::Utility::newUri): the scheme is `scheme_redirect`, else the
 * request's; the host is `host_redirect`, else the request's Host header; the port is `:<port_redirect>`
 * when set and nothing otherwise, so without `port_redirect` whatever port the Host header carries
 * stays (unless the scheme changes and it is the old scheme's default port). The Host header keeps its
 * port (http-connection-manager.ts does not strip it), so the Gateway API rules are implemented by
 * deciding the port ourselves, and a redirect that must not write one gets a twin route for requests
 * whose Host carries a port (hostWithPortTwin).
 */
import type { Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR, RedirectIR } from '@portico/ir';
import { prefixReplacement } from './path-rewrite.js';
import type { RouteTableContext } from './route-configuration.js';
import { matchedPrefix } from './route-match.js';

const WELL_KNOWN_PORTS: Record<string, number> = { http: 80, https: 443 };

const RESPONSE_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

export function buildRedirectAction(route: HTTPRouteIR, redirect: RedirectIR, context: RouteTableContext): Proto3Json {
  const action: Proto3Json = {};
  if (redirect.scheme) action.schemeRedirect = redirect.scheme;
  if (redirect.hostname) action.hostRedirect = redirect.hostname;
  const port = redirectPort(redirect, context);
  if (port !== undefined) action.portRedirect = port;
  if (redirect.path?.type === 'ReplaceFullPath') {
    // path_redirect keeps the request's query string unless the value carries its own.
    action.pathRedirect = redirect.path.value;
  } else if (redirect.path?.type === 'ReplacePrefixMatch') {
    const prefix = matchedPrefix(route.match.path);
    if (prefix !== undefined) Object.assign(action, prefixReplacement(prefix, redirect.path.value));
  }
  if (redirect.stripQuery) action.stripQuery = true;
  // StatusCode: 302 is the Gateway API default (and unknown codes are refused by the translator).
  action.responseCode = RESPONSE_CODES[redirect.statusCode] ?? 'FOUND';
  return action;
}

/**
 * The port to write into the Location, or undefined for none (HTTPRequestRedirectFilter.Port):
 * - no port and a scheme: the scheme's well-known port (80/443);
 * - no port and no scheme: the Gateway listener's port;
 * - and no port in the Location at all when it is 80 with http or 443 with https, the scheme being
 *   the redirect's or else the listener's protocol.
 */
export function redirectPort(redirect: RedirectIR, context: RouteTableContext): number | undefined {
  const scheme = redirect.scheme ?? (context.tls ? 'https' : 'http');
  const port = redirect.port ?? (redirect.scheme ? WELL_KNOWN_PORTS[redirect.scheme] ?? context.port : context.port);
  return port === WELL_KNOWN_PORTS[scheme] ? undefined : port;
}

/**
 * The port a redirect must write when the request's Host carries one, or undefined when Envoy's
 * Location is right whatever the Host. It is the resulting scheme's well-known port, for a redirect
 * that keeps the request's host (no hostname) and writes no port_redirect: Envoy would otherwise copy
 * the Host's port (`Host: example.com:8080` → `https://example.com:8080/`), against "the redirect port
 * MUST be the well-known port associated with the redirect scheme". Writing it (`:443` with https)
 * is the one way to have Envoy drop the Host's port, and conformance accepts the scheme's own port.
 */
export function hostPortOverride(redirect: RedirectIR, context: RouteTableContext): number | undefined {
  if (redirect.hostname || redirectPort(redirect, context) !== undefined) return undefined;
  return WELL_KNOWN_PORTS[redirect.scheme ?? (context.tls ? 'https' : 'http')];
}

/**
 * A Host (`:authority`) ending in `:<port>`; an IPv6 literal without a port ends in `]`. Envoy's
 * safe_regex matches the whole value.
 */
const HOST_WITH_PORT: Proto3Json = { name: ':authority', stringMatch: { safeRegex: { regex: '.+:[0-9]+' } } };

/**
 * The redirect route `route` for requests whose Host carries a port, placed just before it: the same
 * match plus HOST_WITH_PORT, and port_redirect `port` (hostPortOverride). A Host without a port still
 * takes `route`, whose Location has no port at all.
 */
export function hostWithPortTwin(route: Proto3Json, port: number): Proto3Json {
  const match = route.match as Proto3Json;
  return {
    ...route,
    name: `${route.name as string}/host-with-port`,
    match: { ...match, headers: [...((match.headers as Proto3Json[] | undefined) ?? []), HOST_WITH_PORT] },
    redirect: { ...(route.redirect as Proto3Json), portRedirect: port },
  };
}
