import { routeFilters } from './route-filters.js';

describe('routeFilters', () => {
  it('says which external auth service checks the route first', () => {
    const route = {
      match: { prefix: '/' },
      route: { cluster: 'default/web/80/http' },
      typedPerFilterConfig: {
        'envoy.filters.http.ext_authz/auth/authz/9000/http2/74bd55bce0': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
          checkSettings: {},
        },
      },
    };
    expect(routeFilters(route)).toEqual(['external auth: checked by auth/authz/9000/http2 first (a denial is its answer; unreachable: 403)']);
  });

  it('names an ingress-nginx regex rewrite and the idle timeout of proxy-read-timeout', () => {
    const route = {
      match: { safeRegex: { regex: '(?i)^(?:/a(/|$)(.*)).*' } },
      route: { cluster: 'default/web/80/http', regexRewrite: { pattern: { regex: '(?i)^(?:/a(/|$)(.*)).*' }, substitution: '/\\2' }, timeout: '0s', idleTimeout: '120s' },
    };
    expect(routeFilters(route)).toEqual(['path rewritten: "(?i)^(?:/a(/|$)(.*)).*" → "/\\\\2"', 'no route timeout', 'idle timeout 120s']);
  });
});
