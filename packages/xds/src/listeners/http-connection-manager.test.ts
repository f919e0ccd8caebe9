import { describe, expect, it } from '@jest/globals';
import type { HTTPRouteIR, VirtualHostIR } from '@portico/ir';
import { decodeMessage, encodeMessage, validateMessage, type Proto3Json } from '@portico/envoy';
import { httpConnectionManager, httpConnectionManagerFilter } from './http-connection-manager.js';
import { buildRouteConfiguration } from '../routes/route-configuration.js';
import { CORS_FILTER, INVALID_BACKEND_CLUSTER, ROUTER_FILTER, STATEFUL_SESSION_FILTER } from '../names.js';
import type { NamedResource } from '../resources.js';

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function route(extra: Partial<HTTPRouteIR> = {}): HTTPRouteIR {
  return {
    name: 'HTTPRoute/default/web/rule/0/match/0',
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule: 0, match: 0 },
    match: { path: { type: 'PathPrefix', value: '/' } },
    destination: { backends: [{ weight: 1, backend: 'default/web/80/http' }] },
    ...extra,
  };
}

function vhosts(...routes: HTTPRouteIR[]): VirtualHostIR[] {
  return [{ name: '*', domains: ['*'], routes }];
}

function table(resource: Proto3Json = {}): NamedResource {
  return { name: 'default/eg/http-80', resource: { name: 'default/eg/http-80', ...resource } };
}

/** As the listener builders do: the connection manager of the route table made from these virtual hosts. */
function build(virtualHosts: VirtualHostIR[], routeConfig = buildRouteConfiguration('default/eg/http-80', virtualHosts, { port: 80, tls: false }), accessLog = false): Proto3Json {
  return httpConnectionManager({ statPrefix: 'http-80', routeConfig, accessLog });
}

const filterNames = (hcm: Proto3Json) => (hcm.httpFilters as Proto3Json[]).map((f) => f.name);

describe('httpConnectionManager', () => {
  it('is valid and takes its routes over RDS from ADS', () => {
    const hcm = build(vhosts(route()));
    expect(validateMessage(HCM, hcm)).toEqual([]);
    expect(hcm.rds).toEqual({ configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: 'default/eg/http-80' });
    expect(hcm).toMatchObject({
      codecType: 'AUTO',
      statPrefix: 'http-80',
      useRemoteAddress: true,
      normalizePath: true,
      mergeSlashes: true,
      pathWithEscapedSlashesAction: 'UNESCAPE_AND_REDIRECT',
      upgradeConfigs: [{ upgradeType: 'websocket' }],
      requestHeadersTimeout: '10s',
      streamIdleTimeout: '300s',
    });
  });

  it('leaves the Host header as sent, port included (conformance HTTPRouteHostnameIntersection)', () => {
    // The route table ignores the port when picking the virtual host; the backend gets `host:port`.
    const hcm = build(vhosts(route()));
    expect(hcm.stripAnyHostPort).toBeUndefined();
    expect(hcm.stripMatchingHostPort).toBeUndefined();
    expect(hcm.stripPortMode).toBeUndefined();
  });

  it('installs only the router when no route needs another filter', () => {
    const hcm = build(vhosts(route()));
    expect(filterNames(hcm)).toEqual([ROUTER_FILTER]);
    expect(hcm.localReplyConfig).toBeUndefined();
    expect(hcm.accessLog).toBeUndefined();
  });

  it('adds CORS and stateful session filters before the router when a route uses them', () => {
    const hcm = build(vhosts(route({ cors: { allowOrigins: ['https://a.example'] } }), route({ sessionPersistence: { type: 'Cookie', name: 'session' } })));
    expect(filterNames(hcm)).toEqual([CORS_FILTER, STATEFUL_SESSION_FILTER, ROUTER_FILTER]);
    expect(validateMessage(HCM, hcm)).toEqual([]);
  });

  it('also adds a filter the route table configures per route', () => {
    const routeConfig = table({ virtualHosts: [{ name: 'x', domains: ['*'], typedPerFilterConfig: { [CORS_FILTER]: {} } }] });
    expect(filterNames(build(vhosts(route()), routeConfig))).toEqual([CORS_FILTER, ROUTER_FILTER]);
  });

  it('maps the no-healthy-upstream reply of the invalid-backend cluster to 500, only when the table uses it', () => {
    const routeConfig = table({
      virtualHosts: [
        {
          name: 'x',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/' },
              route: {
                weightedClusters: {
                  clusters: [
                    { name: 'default/web/80/http', weight: 1 },
                    { name: INVALID_BACKEND_CLUSTER, weight: 1 },
                  ],
                },
              },
            },
          ],
        },
      ],
    });
    const hcm = build(vhosts(route()), routeConfig);
    expect(validateMessage(HCM, hcm)).toEqual([]);
    const [mapper] = (hcm.localReplyConfig as { mappers: Proto3Json[] }).mappers;
    expect(mapper?.statusCode).toBe(500);
    const [flags, cel, notGrpc] = ((mapper?.filter as Proto3Json).andFilter as { filters: Proto3Json[] }).filters;
    expect(flags).toEqual({ responseFlagFilter: { flags: ['UH'] } });
    expect(JSON.stringify(cel)).toContain(`xds.cluster_name == \\"${INVALID_BACKEND_CLUSTER}\\"`);
    // gRPC requests keep the 503, which Envoy sends as grpc-status UNAVAILABLE (GRPCRoute's answer).
    const header = (notGrpc?.headerFilter as Proto3Json).header as Proto3Json;
    expect(header).toMatchObject({ name: 'content-type', invertMatch: true, treatMissingHeaderAsEmpty: true });
    const grpc = new RegExp(((header.stringMatch as Proto3Json).safeRegex as Proto3Json).regex as string);
    expect(['application/grpc', 'application/grpc+proto'].map((t) => grpc.test(t))).toEqual([true, true]);
    expect(['application/grpc-web', 'application/json', ''].map((t) => grpc.test(t))).toEqual([false, false, false]);
  });

  it('adds a stdout access log when asked', () => {
    const hcm = build(vhosts(route()), table(), true);
    expect((hcm.accessLog as Proto3Json[])[0]?.name).toBe('envoy.access_loggers.stdout');
    expect(validateMessage(HCM, hcm)).toEqual([]);
  });

  it('survives an encode/decode round trip with its empty messages kept', () => {
    const filter = httpConnectionManagerFilter({ statPrefix: 'http-80', routeConfig: table(), accessLog: true });
    const { '@type': typeUrl, ...fields } = filter.typedConfig as Proto3Json;
    expect(typeUrl).toBe(`type.googleapis.com/${HCM}`);
    const decoded = decodeMessage(HCM, encodeMessage(HCM, fields));
    expect(decoded.internalAddressConfig).toEqual({});
    expect((decoded.rds as Proto3Json).configSource).toEqual({ ads: {}, resourceApiVersion: 'V3' });
  });
});
