import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import type { RedirectIR } from '@portico/ir';
import { buildRouteConfiguration, type RouteTableContext } from './route-configuration.js';
import { httpRoute } from './route-fixtures.test-util.js';
import { buildRedirectAction, redirectPort } from './route-redirect.js';

const HTTP_80: RouteTableContext = { port: 80, tls: false };
const HTTP_8080: RouteTableContext = { port: 8080, tls: false };
const HTTPS_443: RouteTableContext = { port: 443, tls: true };
const HTTPS_8443: RouteTableContext = { port: 8443, tls: true };

/** The redirect of a one-route table, checked against the RouteConfiguration schema. */
function redirectOf(redirect: RedirectIR, context: RouteTableContext, prefix = '/'): Proto3Json {
  const route = httpRoute({ match: { path: { type: 'PathPrefix', value: prefix } }, destination: undefined, redirect });
  const table = buildRouteConfiguration('t', [{ name: 'example.com', domains: ['example.com'], routes: [route] }], context);
  expect(validateMessage('envoy.config.route.v3.RouteConfiguration', table.resource)).toEqual([]);
  return buildRedirectAction(route, redirect, context);
}

/**
 * The Location Envoy writes (Http::Utility::newUri, processRequestHost): the request's Host keeps its
 * port unless port_redirect is set or the scheme changes away from that port's default scheme.
 */
function location(action: Proto3Json, requestScheme: string, host: string, path: string): string {
  const scheme = (action.schemeRedirect as string | undefined) ?? requestScheme;
  const port = action.portRedirect !== undefined ? `:${action.portRedirect as number}` : '';
  const hostPort = /:\d+$/.exec(host)?.[0];
  const dropHostPort =
    port !== '' || (scheme !== requestScheme && ((requestScheme === 'http' && hostPort === ':80') || (requestScheme === 'https' && hostPort === ':443')));
  const requestHost = dropHostPort && hostPort ? host.slice(0, -hostPort.length) : host;
  return `${scheme}://${(action.hostRedirect as string | undefined) ?? requestHost}${port}${(action.pathRedirect as string | undefined) ?? path}`;
}

/** The Envoy routes of a one-route redirect table, in order, checked against the schema. */
function redirectRoutes(redirect: RedirectIR, context: RouteTableContext): Proto3Json[] {
  const route = httpRoute({ match: { path: { type: 'PathPrefix', value: '/' } }, destination: undefined, redirect });
  const table = buildRouteConfiguration('t', [{ name: 'example.com', domains: ['example.com'], routes: [route] }], context);
  expect(validateMessage('envoy.config.route.v3.RouteConfiguration', table.resource)).toEqual([]);
  return ((table.resource.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[]);
}

/** The Location for a request with this Host: the first route whose `:authority` matcher (if any) takes it. */
function locationFor(routes: Proto3Json[], requestScheme: string, host: string, path: string): string {
  const taking = routes.find((r) => {
    const authority = ((r.match as Proto3Json).headers as Proto3Json[] | undefined)?.find((h) => h.name === ':authority');
    if (!authority) return true;
    const regex = ((authority.stringMatch as Proto3Json).safeRegex as Proto3Json).regex as string;
    return new RegExp(`^(?:${regex})$`).test(host);
  });
  return location(taking!.redirect as Proto3Json, requestScheme, host, path);
}

describe('redirectPort (HTTPRequestRedirectFilter.Port)', () => {
  it.each<[string, RedirectIR, RouteTableContext, number | undefined]>([
    ['scheme https, no port: 443, left out', { scheme: 'https', statusCode: 301 }, HTTP_80, undefined],
    ['scheme https from a listener on 8080: still 443', { scheme: 'https', statusCode: 301 }, HTTP_8080, undefined],
    ['scheme http from an HTTPS listener on 8443: 80, left out', { scheme: 'http', statusCode: 302 }, HTTPS_8443, undefined],
    ['no scheme, no port: the listener port', { hostname: 'other.example.com', statusCode: 302 }, HTTP_8080, 8080],
    ['no scheme, no port, listener 80 over http: left out', { hostname: 'other.example.com', statusCode: 302 }, HTTP_80, undefined],
    ['no scheme, no port, listener 443 over https: left out', { hostname: 'other.example.com', statusCode: 302 }, HTTPS_443, undefined],
    ['no scheme, no port, listener 8443 over https', { statusCode: 302 }, HTTPS_8443, 8443],
    ['explicit port with its scheme default: left out', { scheme: 'https', port: 443, statusCode: 302 }, HTTP_80, undefined],
    ['explicit non-default port', { scheme: 'https', port: 8443, statusCode: 302 }, HTTP_80, 8443],
    ['explicit 443 on an http listener without scheme: written', { port: 443, statusCode: 302 }, HTTP_80, 443],
    ['explicit 80 on an http listener without scheme: left out', { port: 80, statusCode: 302 }, HTTP_8080, undefined],
  ])('%s', (_, redirect, context, expected) => {
    expect(redirectPort(redirect, context)).toBe(expected);
  });
});

describe('buildRedirectAction', () => {
  beforeAll(() => envoyProtos());

  it('redirects http to https without a port, keeping host and path', () => {
    const action = redirectOf({ scheme: 'https', statusCode: 301 }, HTTP_8080);
    expect(action).toEqual({ schemeRedirect: 'https', responseCode: 'MOVED_PERMANENTLY' });
    expect(location(action, 'http', 'example.com', '/a?b=1')).toBe('https://example.com/a?b=1');
  });

  it('writes the listener port when only the hostname changes', () => {
    const action = redirectOf({ hostname: 'www.example.com', statusCode: 302 }, HTTP_8080);
    expect(action).toEqual({ hostRedirect: 'www.example.com', portRedirect: 8080, responseCode: 'FOUND' });
    expect(location(action, 'http', 'example.com', '/')).toBe('http://www.example.com:8080/');
  });

  it('maps every Gateway API status code to Envoy enum values', () => {
    const codes = [301, 302, 303, 307, 308].map((statusCode) => redirectOf({ statusCode }, HTTP_80).responseCode);
    expect(codes).toEqual(['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT']);
  });

  it('replaces the full path with path_redirect', () => {
    const action = redirectOf({ path: { type: 'ReplaceFullPath', value: '/new' }, statusCode: 302 }, HTTP_80, '/old');
    expect(action).toEqual({ pathRedirect: '/new', responseCode: 'FOUND' });
  });

  it('replaces the matched prefix with prefix_rewrite, or a regex when the replacement is /', () => {
    expect(redirectOf({ path: { type: 'ReplacePrefixMatch', value: '/new' }, statusCode: 302 }, HTTP_80, '/old/')).toEqual({
      prefixRewrite: '/new',
      responseCode: 'FOUND',
    });
    expect(redirectOf({ path: { type: 'ReplacePrefixMatch', value: '/' }, statusCode: 302 }, HTTP_80, '/old')).toEqual({
      regexRewrite: { pattern: { regex: '^/old/?' }, substitution: '/' },
      responseCode: 'FOUND',
    });
  });
});

describe('a redirect that keeps the request host, when the Host header carries a port', () => {
  beforeAll(() => envoyProtos());

  it.each<[string, RedirectIR, RouteTableContext, string, string, string]>([
    ['scheme https from a listener on 8080', { scheme: 'https', statusCode: 301 }, HTTP_8080, 'http', 'example.com:8080', 'https://example.com:443/a'],
    ['scheme https, Host on :80', { scheme: 'https', statusCode: 301 }, HTTP_80, 'http', 'example.com:80', 'https://example.com:443/a'],
    ['scheme http from an HTTPS listener on 8443', { scheme: 'http', statusCode: 302 }, HTTPS_8443, 'https', 'example.com:8443', 'http://example.com:80/a'],
    ['no scheme, no port, listener 80, any Host port', { statusCode: 302 }, HTTP_80, 'http', 'example.com:1234', 'http://example.com:80/a'],
    ['explicit 80 on a listener on 8080', { port: 80, statusCode: 302 }, HTTP_8080, 'http', 'example.com:8080', 'http://example.com:80/a'],
  ])('%s: the well-known port replaces the Host port', (_, redirect, context, scheme, host, expected) => {
    const routes = redirectRoutes(redirect, context);
    expect(routes).toHaveLength(2);
    expect(routes[0]!.name).toBe(`${routes[1]!.name as string}/host-with-port`);
    expect(locationFor(routes, scheme, host, '/a')).toBe(expected);
    // A Host without a port takes the route without port_redirect: no port in the Location at all.
    expect(locationFor(routes, scheme, 'example.com', '/a')).toBe(expected.replace(/:(80|443)\//, '/'));
  });

  it.each<[string, RedirectIR, RouteTableContext]>([
    ['a hostname: the Host is not used', { hostname: 'www.example.com', scheme: 'https', statusCode: 302 }, HTTP_8080],
    ['a port to write anyway', { scheme: 'https', port: 8443, statusCode: 302 }, HTTP_80],
    ['the listener port when it is not the default', { statusCode: 302 }, HTTP_8080],
  ])('needs no twin with %s', (_, redirect, context) => {
    const routes = redirectRoutes(redirect, context);
    expect(routes).toHaveLength(1);
    expect(locationFor(routes, 'http', 'example.com:1234', '/')).not.toContain(':1234');
  });

  it('matches a Host with a port, not an IPv6 literal without one', () => {
    const [twin] = redirectRoutes({ scheme: 'https', statusCode: 301 }, HTTP_80);
    const regex = (((twin!.match as Proto3Json).headers as Proto3Json[])[0]!.stringMatch as Proto3Json).safeRegex as Proto3Json;
    const matches = (host: string) => new RegExp(`^(?:${regex.regex as string})$`).test(host);
    expect([matches('a.example:8080'), matches('[::1]:8080'), matches('[::1]'), matches('a.example')]).toEqual([true, true, false, false]);
  });
});
