import { describe, expect, it } from '@jest/globals';
import type { ExternalAuthIR, HTTPRouteIR, VirtualHostIR } from '@portico/ir';
import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import { httpConnectionManager } from './http-connection-manager.js';
import { externalAuthServices } from './ext-authz.js';
import { buildRouteConfiguration } from '../routes/route-configuration.js';
import { CORS_FILTER, extAuthzFilterName, ROUTER_FILTER } from '../names.js';

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const HTTP_AUTH: ExternalAuthIR = { protocol: 'HTTP', backend: 'auth/authz/8080/http', pathPrefix: '/check', allowedRequestHeaders: ['x-tenant'] };
const GRPC_AUTH: ExternalAuthIR = { protocol: 'GRPC', backend: 'auth/authz-grpc/9000/http2' };

function route(rule: number, extra: Partial<HTTPRouteIR> = {}): HTTPRouteIR {
  return {
    name: `httproute/default/web/rule/${rule}/match/0`,
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule, match: 0 },
    match: { path: { type: 'PathPrefix', value: `/r${rule}` } },
    destination: { backends: [{ weight: 1, backend: 'default/web/80/http' }] },
    ...extra,
  };
}

function build(routes: HTTPRouteIR[]): { hcm: Proto3Json; table: Proto3Json } {
  const virtualHosts: VirtualHostIR[] = [{ name: '*', domains: ['*'], routes }];
  const routeConfig = buildRouteConfiguration('default/eg/http-80', virtualHosts, { port: 80, tls: false });
  const hcm = httpConnectionManager({ statPrefix: 'http-80', routeConfig, accessLog: false, externalAuths: externalAuthServices(virtualHosts) });
  return { hcm, table: routeConfig.resource };
}

const filters = (hcm: Proto3Json) => hcm.httpFilters as Proto3Json[];
const perRoute = (table: Proto3Json) =>
  ((table.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[]).map((r) => Object.keys((r.typedPerFilterConfig as Proto3Json | undefined) ?? {}));

describe('ext_authz filters', () => {
  it('one disabled filter per distinct auth service, after CORS and before the router; each route enables its own', () => {
    envoyProtos();
    const { hcm, table } = build([
      route(0, { externalAuth: HTTP_AUTH, cors: { allowOrigins: ['https://a.example'] } }),
      route(1, { externalAuth: { ...HTTP_AUTH } }),
      route(2, { externalAuth: GRPC_AUTH }),
      route(3),
    ]);
    expect(validateMessage(HCM, hcm)).toEqual([]);
    const [httpName, grpcName] = [extAuthzFilterName(HTTP_AUTH), extAuthzFilterName(GRPC_AUTH)];
    expect(filters(hcm).map((f) => f.name)).toEqual([CORS_FILTER, ...[httpName, grpcName].sort(), ROUTER_FILTER]);
    for (const f of filters(hcm).filter((f) => String(f.name).startsWith('envoy.filters.http.ext_authz/'))) {
      expect(f.disabled).toBe(true);
      expect(f.isOptional).toBeUndefined();
      expect((f.typedConfig as Proto3Json).failureModeAllow).toBe(false);
    }
    expect(perRoute(table)).toEqual([[CORS_FILTER, httpName], [httpName], [grpcName], []]);
  });

  it('no auth service used: no ext_authz filter at all', () => {
    const { hcm } = build([route(0)]);
    expect(filters(hcm).map((f) => f.name)).toEqual([ROUTER_FILTER]);
  });

  it('names a filter after its settings: the same service with other settings is another filter', () => {
    expect(extAuthzFilterName(HTTP_AUTH)).toBe(extAuthzFilterName({ ...HTTP_AUTH }));
    expect(extAuthzFilterName(HTTP_AUTH)).not.toBe(extAuthzFilterName({ ...HTTP_AUTH, forwardBodyMaxBytes: 10 }));
    expect(extAuthzFilterName(HTTP_AUTH)).toMatch(/^envoy\.filters\.http\.ext_authz\/auth\/authz\/8080\/http\/[0-9a-f]{10}$/);
  });
});
