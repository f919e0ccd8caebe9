/**
 * HTTPRequestRedirectFilter → Envoy RedirectAction (route_components.proto).
 *
 * How Envoy builds the Location (Http::Utility::newUri): the scheme is `scheme_redirect`, else the
 * request's; the host is `host_redirect`, else the request's Host header; the port is `:<port_redirect>`
 * when set and nothing otherwise, so without `port_redirect` whatever port the Host header carries
 * stays. The connection manager strips any port from Host before routing (stripAnyHostPort in
 * http-connection-manager.ts), so here "no port_redirect" means "no port in the Location", and the
 * Gateway API rules are implemented by deciding the port ourselves.
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
