import { describe, expect, it } from '@jest/globals';
import type { HTTPRouteIR, SecurityIR, VirtualHostIR } from '@portico/ir';
import { validateMessage, type Proto3Json } from '@portico/envoy';
import { httpConnectionManager } from './http-connection-manager.js';
import { securityFilterSet } from './security-filters.js';
import { buildRouteConfiguration } from '../routes/route-configuration.js';
import { proxylessRoutes } from '../routes/proxyless-routes.js';
import { API_KEY_AUTH_FILTER, basicAuthFilterName, INVALID_BACKEND_CLUSTER, JWT_AUTHN_FILTER, RBAC_FILTER, ROUTER_FILTER } from '../names.js';

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const HTPASSWD = 'alice:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=';

function route(rule: number, security?: SecurityIR): HTTPRouteIR {
  return {
    name: `httproute/default/web/rule/${rule}/match/0`,
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule, match: 0 },
    match: { path: { type: 'PathPrefix', value: `/r${rule}` } },
    destination: { backends: [{ weight: 1, backend: 'default/web/80/http' }] },
    ...(security ? { security } : {}),
  };
}

function build(routes: HTTPRouteIR[]): { hcm: Proto3Json; table: Proto3Json } {
  const virtualHosts: VirtualHostIR[] = [{ name: '*', domains: ['*'], routes }];
  const routeConfig = buildRouteConfiguration('default/eg/http-80', virtualHosts, { port: 80, tls: false });
  const hcm = httpConnectionManager({ statPrefix: 'http-80', routeConfig, accessLog: false, security: securityFilterSet(virtualHosts) });
  return { hcm, table: routeConfig.resource };
}

const filterNames = (hcm: Proto3Json) => (hcm.httpFilters as Proto3Json[]).map((f) => `${f.name}${f.disabled ? ' (disabled)' : ''}`);
const perRoute = (table: Proto3Json) =>
  ((table.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[]).map((r) => Object.keys((r.typedPerFilterConfig as Proto3Json | undefined) ?? {}));

describe('SecurityPolicy filters', () => {
  it('installs only the filters the routes use, in order (RBAC, basic auth, API keys, JWT, router), each configured per route', () => {
    const { hcm, table } = build([
      route(0),
      route(1, { policy: 'default/ips', ipAccess: { allow: ['10.0.0.0/8'], deny: ['10.1.0.0/16'] } }),
      route(2, { policy: 'default/basic', basicAuth: { secret: 'default/users', htpasswd: HTPASSWD } }),
      route(3, { policy: 'default/keys', apiKeyAuth: { secrets: ['default/k'], clients: [{ client: 'a', apiKey: 'key-a' }], sources: [{ header: 'x-api-key' }], hideCredentials: false } }),
      route(4, { policy: 'default/jwt', jwt: { providers: [{ name: 'default/jwt/p', issuer: 'https://i', localJWKS: '{"keys":[{"kty":"EC"}]}', forwardToken: false }] } }),
    ]);
    expect(validateMessage(HCM, hcm)).toEqual([]);
    expect(filterNames(hcm)).toEqual([RBAC_FILTER, `${basicAuthFilterName('default/basic')} (disabled)`, `${API_KEY_AUTH_FILTER} (disabled)`, JWT_AUTHN_FILTER, ROUTER_FILTER]);
    expect(perRoute(table)).toEqual([[], [RBAC_FILTER], [basicAuthFilterName('default/basic')], [API_KEY_AUTH_FILTER], [JWT_AUTHN_FILTER]]);
    const rbac = ((table.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[])[1]!.typedPerFilterConfig as Proto3Json;
    expect((rbac[RBAC_FILTER] as Proto3Json).rbac).toEqual({
      rules: {
        action: 'ALLOW',
        policies: {
          'default/ips': {
            permissions: [{ any: true }],
            principals: [{ andIds: { ids: [{ orIds: { ids: [{ remoteIp: { addressPrefix: '10.0.0.0', prefixLen: 8 } }] } }, { notId: { orIds: { ids: [{ remoteIp: { addressPrefix: '10.1.0.0', prefixLen: 16 } }] } } }] } }],
          },
        },
      },
    });
  });

  it('a table without protected routes has none of them', () => {
    expect(filterNames(build([route(0)]).hcm)).toEqual([ROUTER_FILTER]);
  });

  it('a proxyless gRPC client, which has none of these filters, fails the protected route closed', () => {
    const [action] = proxylessRoutes(route(1, { policy: 'default/ips', ipAccess: { deny: ['10.0.0.0/8'] } })).map((r) => r.route as Proto3Json);
    expect(action).toEqual({ cluster: INVALID_BACKEND_CLUSTER });
    expect((proxylessRoutes(route(0))[0]!.route as Proto3Json).cluster).toBe('default/web/80/http');
  });
});
