/**
 * Redirect Locations as Envoy builds them (Http::Utility::newUri and processRequestHost): scheme_redirect,
 * else the request's scheme; host_redirect, else the request's Host, whose port is dropped when a
 * port_redirect is set or when the scheme changes and the port is the old scheme's default; path_redirect
 * keeps the query unless it has its own; prefix_rewrite replaces the matched prefix; regex_rewrite
 * rewrites the path without query; strip_query. And local reply mappers on "no healthy upstream".
 */
import { clusterOutcome, mapLocalReply, redirectOutcome } from './outcome.js';
import { parseExplainRequest } from './request.js';
import { xdsView } from './xds-view.js';

const location = (redirect: Record<string, unknown>, url: string, match: Record<string, unknown> = { prefix: '/' }, host?: string) => {
  const request = parseExplainRequest(url, host ? { headers: [`Host: ${host}`] } : {});
  return redirectOutcome(redirect, match, request, request.path);
};

describe('redirectOutcome', () => {
  test('status from response_code (MOVED_PERMANENTLY by default)', () => {
    expect(location({}, 'http://a/x').status).toBe(301);
    expect(location({ responseCode: 'FOUND' }, 'http://a/x').status).toBe(302);
    expect(location({ responseCode: 'PERMANENT_REDIRECT' }, 'http://a/x').status).toBe(308);
  });
  test('the Host is kept with its port; a port_redirect replaces it', () => {
    expect(location({ pathRedirect: '/n' }, 'http://a.com:8080/x').location).toBe('http://a.com:8080/n');
    expect(location({ portRedirect: 9000 }, 'http://a.com:8080/x').location).toBe('http://a.com:9000/x');
  });
  test('a scheme change drops the old scheme\'s default port only', () => {
    expect(location({ schemeRedirect: 'https' }, 'http://a.com/x', {}, 'a.com:80').location).toBe('https://a.com/x');
    expect(location({ schemeRedirect: 'https' }, 'http://a.com:8080/x').location).toBe('https://a.com:8080/x');
    expect(location({ httpsRedirect: true }, 'http://a.com/x').location).toBe('https://a.com/x');
  });
  test('host_redirect replaces the host (and its port)', () => {
    expect(location({ hostRedirect: 'b.org' }, 'http://a.com:8080/x?q=1').location).toBe('http://b.org/x?q=1');
  });
  test('path_redirect keeps the query unless it carries one; strip_query', () => {
    expect(location({ pathRedirect: '/n' }, 'http://a/x?q=1').location).toBe('http://a/n?q=1');
    expect(location({ pathRedirect: '/n?z=2' }, 'http://a/x?q=1').location).toBe('http://a/n?z=2');
    expect(location({ pathRedirect: '/n', stripQuery: true }, 'http://a/x?q=1').location).toBe('http://a/n');
  });
  test('prefix_rewrite replaces what the route matched; regex_rewrite rewrites the path only', () => {
    expect(location({ prefixRewrite: '/new' }, 'http://a/old/x?q', { pathSeparatedPrefix: '/old' }).location).toBe('http://a/new/x?q');
    expect(location({ prefixRewrite: '/new' }, 'http://a/old', { path: '/old' }).location).toBe('http://a/new');
    expect(location({ regexRewrite: { pattern: { regex: '^/old/?' }, substitution: '/' } }, 'http://a/old/x?q=1', { pathSeparatedPrefix: '/old' }).location).toBe('http://a/x?q=1');
    expect(location({ regexRewrite: { pattern: { regex: '^/(a)(b)' }, substitution: '/\\2\\1' } }, 'http://a/abc').location).toBe('http://a/bac');
  });
});

describe('clusters and local replies', () => {
  const view = xdsView({
    clusters: { dynamicActiveClusters: [{ cluster: { name: 'ok', type: 'EDS', edsClusterConfig: {} } }, { cluster: { name: 'none', type: 'EDS', edsClusterConfig: {} } }, { cluster: { name: 'sick', type: 'EDS', edsClusterConfig: {} } }] },
    endpoints: {
      dynamicEndpointConfigs: [
        { endpointConfig: { clusterName: 'ok', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 80 } } }, healthStatus: 'HEALTHY' }, { endpoint: { address: { socketAddress: { address: '10.0.0.2', portValue: 80 } } }, healthStatus: 'DRAINING' }] }] } },
        { endpointConfig: { clusterName: 'none', endpoints: [] } },
        { endpointConfig: { clusterName: 'sick', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 'fd00::1', portValue: 80 } } }, healthStatus: 'UNHEALTHY' }] }] } },
      ],
    },
  });
  const hcm = {
    localReplyConfig: {
      mappers: [
        {
          filter: {
            andFilter: {
              filters: [
                { responseFlagFilter: { flags: ['UH'] } },
                { extensionFilter: { typedConfig: { expression: 'xds.cluster_name == "none"' } } },
                { headerFilter: { header: { name: 'content-type', stringMatch: { safeRegex: { regex: '^application/grpc(\\+.*)?$' } }, invertMatch: true, treatMissingHeaderAsEmpty: true } } },
              ],
            },
          },
          statusCode: 500,
        },
      ],
    },
  };
  const request = parseExplainRequest('http://a/');
  const grpc = parseExplainRequest('http://a/', { headers: ['content-type: application/grpc'] });

  test('healthy endpoints are listed (draining ones are not) and the request is forwarded', () => {
    expect(clusterOutcome(view, {}, 'ok', 100, request)).toEqual({ cluster: 'ok', weight: 100, endpoints: ['10.0.0.1:80'], status: 0 });
  });
  test('no endpoints: 503, which a matching local reply mapper turns into its status (not for gRPC)', () => {
    expect(clusterOutcome(view, {}, 'none', 100, request).status).toBe(503);
    expect(clusterOutcome(view, hcm, 'none', 100, request).status).toBe(500);
    expect(clusterOutcome(view, hcm, 'none', 100, grpc).status).toBe(503);
    expect(mapLocalReply(hcm, 503, 'NC', 'none', request)).toBe(503);
  });
  test('only unhealthy endpoints: Envoy\'s panic mode still forwards', () => {
    expect(clusterOutcome(view, {}, 'sick', 100, request)).toMatchObject({ status: 0, endpoints: ['[fd00::1]:80'] });
  });
  test('a cluster that is not in CDS: 503', () => {
    expect(clusterOutcome(view, {}, 'gone', 100, request)).toMatchObject({ status: 503 });
  });
});
