import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import { CORS_FILTER, STATEFUL_SESSION_FILTER } from '../names.js';
import { buildRouteConfiguration } from './route-configuration.js';
import { httpRoute } from './route-fixtures.test-util.js';
import { corsPolicy, originMatcher } from './route-filters.js';

const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

function envoyRoute(route: HTTPRouteIR): Proto3Json {
  const table = buildRouteConfiguration('t', [{ name: '*', domains: ['*'], routes: [route] }], { port: 80, tls: false });
  expect(validateMessage('envoy.config.route.v3.RouteConfiguration', table.resource)).toEqual([]);
  return ((table.resource.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[])[0]!;
}

/** The filter's own config inside the optional FilterConfig wrapper. */
function perFilter(route: Proto3Json, filter: string): Proto3Json {
  const wrapper = (route.typedPerFilterConfig as Record<string, Proto3Json>)[filter]!;
  expect(wrapper['@type']).toBe(FILTER_CONFIG);
  expect(wrapper.isOptional).toBe(true);
  return wrapper.config as Proto3Json;
}

/** Envoy's StringMatcher on an Origin header value (exact or full-match RE2). */
function originAllowed(matchers: Proto3Json[], origin: string): boolean {
  return matchers.some((m) => (m.exact !== undefined ? m.exact === origin : new RegExp(`^(?:${(m.safeRegex as { regex: string }).regex})$`).test(origin)));
}

describe('header modifiers', () => {
  beforeAll(() => envoyProtos());

  it('sets (overwrite), adds (append) and removes request and response headers', () => {
    const route = envoyRoute(
      httpRoute({
        requestHeaders: { set: [{ name: 'x-set', value: 'one' }], add: [{ name: 'x-add', value: 'two' }], remove: ['x-remove'] },
        responseHeaders: { set: [{ name: 'cache-control', value: 'no-store' }], add: [{ name: 'x-add', value: 'r' }], remove: ['server'] },
      }),
    );
    expect(route.requestHeadersToAdd).toEqual([
      { header: { key: 'x-set', value: 'one' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-add', value: 'two' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(route.requestHeadersToRemove).toEqual(['x-remove']);
    expect(route.responseHeadersToAdd).toEqual([
      { header: { key: 'cache-control', value: 'no-store' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-add', value: 'r' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(route.responseHeadersToRemove).toEqual(['server']);
  });

  it('never lists host or pseudo-headers, which would make Envoy reject the table', () => {
    const route = envoyRoute(
      httpRoute({
        requestHeaders: { remove: ['Host', ':path', 'x-ok'] },
        responseHeaders: { set: [{ name: 'host', value: 'x' }, { name: ':status', value: '200' }] },
      }),
    );
    expect(route.requestHeadersToRemove).toEqual(['x-ok']);
    expect(route.responseHeadersToAdd).toBeUndefined();
  });

  it('applies response headers to redirects too', () => {
    const route = envoyRoute(httpRoute({ destination: undefined, redirect: { scheme: 'https', statusCode: 301 }, responseHeaders: { set: [{ name: 'x-r', value: '1' }] } }));
    expect(route.redirect).toBeDefined();
    expect(route.responseHeadersToAdd).toEqual([{ header: { key: 'x-r', value: '1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
  });
});

describe('CORS', () => {
  beforeAll(() => envoyProtos());

  it('gives the route a CorsPolicy under the CORS filter name', () => {
    const route = envoyRoute(
      httpRoute({
        cors: {
          allowOrigins: ['https://app.example.com', 'https://*.example.org'],
          allowCredentials: true,
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['x-request-id', 'authorization'],
          exposeHeaders: ['x-trace'],
          maxAgeSeconds: 600,
        },
      }),
    );
    expect(perFilter(route, CORS_FILTER)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allowOriginStringMatch: [{ exact: 'https://app.example.com' }, { safeRegex: { regex: 'https://[a-z0-9.-]+\\.example\\.org' } }],
      allowMethods: 'GET, POST',
      allowHeaders: 'x-request-id, authorization',
      exposeHeaders: 'x-trace',
      maxAge: '600',
      allowCredentials: true,
      forwardNotMatchingPreflights: false,
    });
  });

  it('never forwards a preflight from an origin it does not allow (conformance HTTPRouteCORS)', () => {
    // Envoy's default forwards such a preflight to the backend, which may answer it with CORS
    // headers of its own; the gateway must answer it (without Access-Control-Allow-Origin) instead.
    expect(corsPolicy({ allowOrigins: ['https://www.foo.com'] }).forwardNotMatchingPreflights).toBe(false);
  });

  it('matches wildcard origins on any number of labels, with the scheme and default port', () => {
    const matchers = [originMatcher('https://*.example.com'), originMatcher('HTTP://Legacy.example.com:80')];
    expect(originAllowed(matchers, 'https://a.example.com')).toBe(true);
    expect(originAllowed(matchers, 'https://a.b.example.com')).toBe(true);
    expect(originAllowed(matchers, 'http://a.example.com')).toBe(false);
    expect(originAllowed(matchers, 'https://example.com')).toBe(false);
    expect(originAllowed(matchers, 'https://evilexample.com')).toBe(false);
    expect(originAllowed(matchers, 'https://a.example.com:8443')).toBe(false);
    expect(originAllowed(matchers, 'http://legacy.example.com')).toBe(true);
  });

  it('allows every origin for `*`, and defaults max age to 5 seconds', () => {
    const policy = corsPolicy({ allowOrigins: ['*'], allowMethods: ['*'] });
    expect(policy).toEqual({ allowOriginStringMatch: [{ safeRegex: { regex: '.*' } }], allowMethods: '*', maxAge: '5', forwardNotMatchingPreflights: false });
    expect(originAllowed(policy.allowOriginStringMatch as Proto3Json[], 'http://localhost:3000')).toBe(true);
  });
});

describe('session persistence', () => {
  beforeAll(() => envoyProtos());

  it('tracks the session in a cookie with the Path cookie.path gives', () => {
    const route = envoyRoute(
      httpRoute({
        match: { path: { type: 'PathPrefix', value: '/cart/' } },
        sessionPersistence: { type: 'Cookie', name: 'session', absoluteTimeoutMs: 3600000, lifetime: 'Permanent', cookiePath: '/cart' },
      }),
    );
    expect(perFilter(route, STATEFUL_SESSION_FILTER)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute',
      statefulSession: {
        sessionState: {
          name: 'envoy.http.stateful_session.cookie',
          typedConfig: {
            '@type': 'type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState',
            cookie: { name: 'session', path: '/cart', ttl: '3600s' },
          },
        },
      },
    });
  });

  it('makes a Session cookie without ttl, whatever the absolute timeout', () => {
    const route = envoyRoute(httpRoute({ sessionPersistence: { type: 'Cookie', name: 's', absoluteTimeoutMs: 60000, lifetime: 'Session' } }));
    const state = (perFilter(route, STATEFUL_SESSION_FILTER).statefulSession as { sessionState: { typedConfig: Proto3Json } }).sessionState;
    expect(state.typedConfig.cookie).toEqual({ name: 's', path: '/' });
  });

  it('tracks the session in a header', () => {
    const route = envoyRoute(httpRoute({ sessionPersistence: { type: 'Header', name: 'x-session' } }));
    expect(perFilter(route, STATEFUL_SESSION_FILTER).statefulSession).toEqual({
      sessionState: {
        name: 'envoy.http.stateful_session.header',
        typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState', name: 'x-session' },
      },
    });
  });
});
