import { describe, expect, it } from '@jest/globals';
import type {
  BackendIR,
  CertificateIR,
  GatewayIR,
  HTTPListenerIR,
  HTTPSServerIR,
  L4RouteIR,
  TCPListenerIR,
  TLSListenerIR,
  TLSServerIR,
  UDPListenerIR,
  VirtualHostIR,
} from '@portico/ir';
import { encodeMessage, validateMessage, type Proto3Json } from '@portico/envoy';
import { buildListener } from './listeners.js';
import { BLACKHOLE_CLUSTER } from '../names.js';

const LISTENER = 'envoy.config.listener.v3.Listener';
const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
const SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';

function backend(name: string, port: number, protocol: BackendIR['protocol']): BackendIR {
  return {
    name: `default/${name}/${port}/${protocol.toLowerCase()}`,
    service: { namespace: 'default', name, port },
    protocol,
    endpoints: [{ address: '10.0.0.1', port }],
  };
}

const gateway: GatewayIR = {
  name: 'default/eg',
  gatewayClass: 'portico',
  listeners: [],
  backends: [backend('web', 80, 'HTTP'), backend('db', 5432, 'TCP'), backend('dns', 53, 'UDP')],
};

const webHost: VirtualHostIR = {
  name: 'example.com',
  domains: ['example.com'],
  routes: [
    {
      name: 'HTTPRoute/default/web/rule/0/match/0',
      source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule: 0, match: 0 },
      match: { path: { type: 'PathPrefix', value: '/' } },
      destination: { backends: [{ weight: 1, backend: 'default/web/80/http' }] },
    },
  ],
};

function cert(secret: string): CertificateIR {
  return { secret, certificateChain: 'CHAIN', privateKey: 'KEY', dnsNames: ['example.com'], notAfter: '2030-01-01T00:00:00Z' };
}

function l4Route(backendName: string): L4RouteIR {
  return {
    name: `Route/default/${backendName}`,
    source: { kind: 'TCPRoute', namespace: 'default', name: backendName },
    destination: { backends: [{ weight: 1, backend: backendName }] },
  };
}

/** Every listener must be valid proto3 JSON and encode (what the xDS server will do with it). */
function valid(listener: Proto3Json): Proto3Json {
  expect(validateMessage(LISTENER, listener)).toEqual([]);
  expect(() => encodeMessage(LISTENER, listener)).not.toThrow();
  return listener;
}

function typed(x: unknown): Proto3Json {
  return (x as Proto3Json).typedConfig as Proto3Json;
}

describe('buildListener: HTTP', () => {
  const listener: HTTPListenerIR = {
    type: 'HTTP',
    name: 'http-80',
    address: '0.0.0.0',
    port: 80,
    sources: ['http'],
    virtualHosts: [webHost],
  };

  it('builds one chain with a connection manager reading its route table over RDS', () => {
    const out = buildListener(gateway, listener);
    const l = valid(out.listener.resource);
    expect(out.listener.name).toBe('default/eg/http-80');
    expect(l.name).toBe('default/eg/http-80');
    expect(l.address).toEqual({ socketAddress: { address: '0.0.0.0', portValue: 80 } });
    const chains = l.filterChains as Proto3Json[];
    expect(chains).toHaveLength(1);
    const [hcm] = chains[0]?.filters as Proto3Json[];
    expect(hcm?.name).toBe('envoy.filters.network.http_connection_manager');
    expect(typed(hcm).rds).toEqual({ configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: 'default/eg/http-80' });
    expect(out.routes.map((r) => r.name)).toEqual(['default/eg/http-80']);
    expect(validateMessage(ROUTE_CONFIGURATION, out.routes[0]!.resource)).toEqual([]);
    expect(out.secrets).toEqual([]);
  });

  it('accepts IPv4 on an IPv6 wildcard address', () => {
    const l = valid(buildListener(gateway, { ...listener, address: '::' }).listener.resource);
    expect(l.address).toEqual({ socketAddress: { address: '::', portValue: 80, ipv4Compat: true } });
  });

  it('leaves the access log out on request', () => {
    const l = buildListener(gateway, listener, { accessLog: false }).listener.resource;
    const [hcm] = (l.filterChains as Proto3Json[])[0]?.filters as Proto3Json[];
    expect(typed(hcm).accessLog).toBeUndefined();
  });
});

describe('buildListener: TLS', () => {
  const https: HTTPSServerIR = {
    mode: 'HTTPS',
    name: 'https',
    source: 'https',
    serverNames: ['example.com', '*.example.com'],
    certificates: [cert('default/example-tls')],
    alpn: ['h2', 'http/1.1'],
    virtualHosts: [webHost],
  };
  const terminate: TLSServerIR = {
    mode: 'Terminate',
    name: 'tls-terminate',
    source: 'tls-terminate',
    serverNames: ['db.example.org'],
    certificates: [cert('default/db-tls'), cert('default/example-tls')],
    route: l4Route('default/db/5432/tcp'),
  };
  const passthrough: TLSServerIR = {
    mode: 'Passthrough',
    name: 'tls-passthrough/pass.example.net',
    source: 'tls-passthrough',
    serverNames: ['pass.example.net'],
    route: l4Route('default/db/5432/tcp'),
  };
  const catchAll: TLSServerIR = { ...https, name: 'https-any', source: 'https-any', serverNames: [] };
  const listener: TLSListenerIR = {
    type: 'TLS',
    name: 'tls-443',
    address: '0.0.0.0',
    port: 443,
    sources: ['https', 'tls-terminate', 'tls-passthrough', 'https-any'],
    servers: [https, terminate, passthrough, catchAll],
  };

  const out = buildListener(gateway, listener);
  const l = valid(out.listener.resource);
  const chains = l.filterChains as Proto3Json[];
  const tlsContext = (chain: Proto3Json | undefined) => typed(chain?.transportSocket);

  it('inspects the ClientHello and builds one chain per server, matched by SNI, catch-all without a match', () => {
    expect((l.listenerFilters as Proto3Json[]).map((f) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(chains.map((c) => c.name)).toEqual(['https', 'tls-terminate', 'tls-passthrough/pass.example.net', 'https-any']);
    expect(chains.map((c) => c.filterChainMatch)).toEqual([
      { serverNames: ['example.com', '*.example.com'] },
      { serverNames: ['db.example.org'] },
      { serverNames: ['pass.example.net'] },
      undefined,
    ]);
  });

  it('terminates HTTPS with SDS certificates, TLS 1.2+, the IR ALPN, and its own route table', () => {
    const ctx = tlsContext(chains[0]);
    expect(chains[0]?.transportSocket).toMatchObject({ name: 'envoy.transport_sockets.tls' });
    expect(ctx['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
    expect(ctx.commonTlsContext).toEqual({
      tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2' },
      tlsCertificateSdsSecretConfigs: [{ name: 'default/example-tls', sdsConfig: { ads: {}, resourceApiVersion: 'V3' } }],
      alpnProtocols: ['h2', 'http/1.1'],
    });
    const [hcm] = chains[0]?.filters as Proto3Json[];
    expect((typed(hcm).rds as Proto3Json).routeConfigName).toBe('default/eg/tls-443/https');
    expect(out.routes.map((r) => r.name)).toEqual(['default/eg/tls-443/https', 'default/eg/tls-443/https-any']);
    for (const r of out.routes) expect(validateMessage(ROUTE_CONFIGURATION, r.resource)).toEqual([]);
  });

  it('terminates a TLSRoute without ALPN and proxies TCP to its backend', () => {
    const ctx = tlsContext(chains[1]);
    expect((ctx.commonTlsContext as Proto3Json).alpnProtocols).toBeUndefined();
    expect(((ctx.commonTlsContext as Proto3Json).tlsCertificateSdsSecretConfigs as Proto3Json[]).map((s) => s.name)).toEqual([
      'default/db-tls',
      'default/example-tls',
    ]);
    const [proxy] = chains[1]?.filters as Proto3Json[];
    expect(proxy?.name).toBe('envoy.filters.network.tcp_proxy');
    expect(typed(proxy).cluster).toBe('default/db/5432/tcp');
  });

  it('passes TLS through without a transport socket', () => {
    expect(chains[2]?.transportSocket).toBeUndefined();
    expect(typed((chains[2]?.filters as Proto3Json[])[0]).cluster).toBe('default/db/5432/tcp');
  });

  it('returns each certificate Secret once', () => {
    expect(out.secrets.map((s) => s.name)).toEqual(['default/example-tls', 'default/db-tls']);
    for (const s of out.secrets) expect(validateMessage(SECRET, s.resource)).toEqual([]);
  });

  it('closes connections through a default chain when no server is left', () => {
    const empty = valid(buildListener(gateway, { ...listener, servers: [] }).listener.resource);
    expect(empty.filterChains).toBeUndefined();
    const chain = empty.defaultFilterChain as Proto3Json;
    expect(typed((chain.filters as Proto3Json[])[0]).cluster).toBe(BLACKHOLE_CLUSTER);
  });

  it('never emits two chains with the same match (Envoy would reject the listener)', () => {
    const dup = buildListener(gateway, {
      ...listener,
      servers: [https, { ...passthrough, serverNames: ['example.com', 'other.example.com'] }, catchAll, { ...catchAll, name: 'https-any' }],
    });
    const dupChains = valid(dup.listener.resource).filterChains as Proto3Json[];
    expect(dupChains.map((c) => [c.name, c.filterChainMatch])).toEqual([
      ['https', { serverNames: ['example.com', '*.example.com'] }],
      ['tls-passthrough/pass.example.net', { serverNames: ['other.example.com'] }],
      ['https-any', undefined],
    ]);
  });

  it('uses terminate with no route as a closed chain', () => {
    const noRoute = buildListener(gateway, { ...listener, servers: [{ ...terminate, route: undefined }] });
    const [chain] = valid(noRoute.listener.resource).filterChains as Proto3Json[];
    expect(typed((chain?.filters as Proto3Json[])[0]).cluster).toBe(BLACKHOLE_CLUSTER);
    expect(chain?.transportSocket).toBeDefined();
  });
});

describe('buildListener: HTTPS servers sharing the port\'s route table (Gateway listeners)', () => {
  const server = (name: string, serverNames: string[]): HTTPSServerIR => ({
    mode: 'HTTPS',
    name,
    source: name,
    serverNames,
    certificates: [cert('default/example-tls')],
    alpn: ['h2', 'http/1.1'],
    virtualHosts: [],
  });
  const owned = (name: string, owner?: string): VirtualHostIR => ({ ...webHost, name, domains: [name], ...(owner ? { server: owner } : {}) });
  const listener: TLSListenerIR = {
    type: 'TLS',
    name: 'tls-443',
    address: '0.0.0.0',
    port: 443,
    sources: ['a', 'any'],
    servers: [server('a', ['a.example.com']), server('any', [])],
    virtualHosts: [owned('a.example.com', 'a'), owned('db.example.com'), owned('*', 'any')],
  };

  const out = buildListener(gateway, listener);
  const chains = valid(out.listener.resource).filterChains as Proto3Json[];
  const hcmOf = (chain: Proto3Json | undefined) => typed((chain?.filters as Proto3Json[])[0]);

  it('serves one table to every HTTPS chain, each chain naming itself in a header set before routing', () => {
    expect(out.routes.map((r) => r.name)).toEqual(['default/eg/tls-443']);
    expect(validateMessage(ROUTE_CONFIGURATION, out.routes[0]!.resource)).toEqual([]);
    for (const [i, name] of ['a', 'any'].entries()) {
      const hcm = hcmOf(chains[i]);
      expect((hcm.rds as Proto3Json).routeConfigName).toBe('default/eg/tls-443');
      expect(hcm.earlyHeaderMutationExtensions).toEqual([
        {
          name: 'envoy.http.early_header_mutation.header_mutation',
          typedConfig: {
            '@type': 'type.googleapis.com/envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation',
            mutations: [{ append: { header: { key: 'x-portico-https-server', value: name }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' } }],
          },
        },
      ]);
    }
  });

  it('answers 421 first in a host owned by a server when the header names another, and never sends the header upstream', () => {
    const table = out.routes[0]!.resource;
    const firstRoutes = (table.virtualHosts as Proto3Json[]).map((vh) => ((vh.routes as Proto3Json[])[0]!.name));
    expect(firstRoutes).toEqual(['misdirected:a', webHost.routes[0]!.name, 'misdirected:any']);
    expect((table.virtualHosts as Proto3Json[])[0]!.routes).toContainEqual({
      name: 'misdirected:a',
      match: { prefix: '/', headers: [{ name: 'x-portico-https-server', stringMatch: { exact: 'a' }, invertMatch: true }] },
      directResponse: { status: 421 },
    });
    expect(table.requestHeadersToRemove).toEqual(['x-portico-https-server']);
  });

  it('with one HTTPS server nothing can be misdirected: no header, no 421 routes', () => {
    const single = buildListener(gateway, { ...listener, servers: [listener.servers[0]!], virtualHosts: [owned('a.example.com', 'a')] });
    const table = single.routes[0]!.resource;
    expect(((table.virtualHosts as Proto3Json[])[0]!.routes as Proto3Json[]).map((r) => r.name)).toEqual([webHost.routes[0]!.name]);
    expect(table.requestHeadersToRemove).toBeUndefined();
    expect(hcmOf((single.listener.resource.filterChains as Proto3Json[])[0]).earlyHeaderMutationExtensions).toBeUndefined();
  });
});

describe('buildListener: TCP', () => {
  const listener: TCPListenerIR = { type: 'TCP', name: 'tcp-5432', address: '0.0.0.0', port: 5432, sources: ['db'] };

  it('proxies to the route backend', () => {
    const out = buildListener(gateway, { ...listener, route: l4Route('default/db/5432/tcp') });
    const l = valid(out.listener.resource);
    expect(l.name).toBe('default/eg/tcp-5432');
    const [proxy] = (l.filterChains as Proto3Json[])[0]?.filters as Proto3Json[];
    expect(typed(proxy)).toMatchObject({ statPrefix: 'tcp-5432', cluster: 'default/db/5432/tcp', idleTimeout: '3600s' });
    expect(out.routes).toEqual([]);
  });

  it('refuses connections without a route', () => {
    const l = valid(buildListener(gateway, listener).listener.resource);
    expect(typed(((l.filterChains as Proto3Json[])[0]?.filters as Proto3Json[])[0]).cluster).toBe(BLACKHOLE_CLUSTER);
  });
});

describe('buildListener: UDP', () => {
  const listener: UDPListenerIR = {
    type: 'UDP',
    name: 'udp-53',
    address: '0.0.0.0',
    port: 53,
    sources: ['dns'],
    route: l4Route('default/dns/53/udp'),
  };

  it('binds UDP and proxies with the udp_proxy listener filter, without filter chains', () => {
    const l = valid(buildListener(gateway, listener).listener.resource);
    expect(l.address).toEqual({ socketAddress: { protocol: 'UDP', address: '0.0.0.0', portValue: 53 } });
    expect(l.filterChains).toBeUndefined();
    const [proxy] = l.listenerFilters as Proto3Json[];
    expect(proxy?.name).toBe('envoy.filters.udp_listener.udp_proxy');
    // The listener's own cluster (udp-clusters.ts), whatever its route says.
    expect(JSON.stringify(typed(proxy).matcher)).toContain('"cluster":"portico/udp/default/eg/udp-53"');
  });
});
