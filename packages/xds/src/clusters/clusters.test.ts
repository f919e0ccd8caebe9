import { decodeMessage, encodeMessage, RESOURCE_TYPES, validateMessage } from '@portico/envoy';
import type { BackendIR, GatewayIR } from '@portico/ir';
import { blackholeCluster, buildClusters, invalidBackendCluster } from './clusters.js';
import { CONNECT_TIMEOUT, udpCircuitBreakers, UDP_MAX_SESSIONS } from './cluster-defaults.js';
import { BLACKHOLE_CLUSTER, INVALID_BACKEND_CLUSTER } from '../names.js';
import type { NamedResource } from '../resources.js';

const CLUSTER = RESOURCE_TYPES.cluster;
const CLA = RESOURCE_TYPES.endpoint;
const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function backend(name: string, protocol: BackendIR['protocol'], overrides: Partial<BackendIR> = {}): BackendIR {
  const [namespace = '', service = '', port = '0'] = name.split('/');
  return { name, service: { namespace, name: service, port: Number(port) }, protocol, endpoints: [{ address: '10.0.0.1', port: 8080 }], ...overrides };
}

function gateway(backends: BackendIR[]): GatewayIR {
  return { name: 'default/eg', gatewayClass: 'portico', listeners: [], backends };
}

function only(backends: BackendIR[]): Record<string, unknown> {
  const { clusters } = buildClusters(gateway(backends));
  expect(clusters).toHaveLength(1);
  return clusters[0]!.resource;
}

function expectValid(resources: NamedResource[], typeName: string): void {
  for (const r of resources) {
    expect(validateMessage(typeName, r.resource)).toEqual([]);
    // The binary encoding (what Envoy is sent) keeps every field we set.
    expect(() => encodeMessage(typeName, r.resource)).not.toThrow();
  }
}

describe('buildClusters', () => {
  it('builds one EDS cluster over ADS per backend, with endpoints named like it', () => {
    const { clusters, endpoints } = buildClusters(gateway([backend('default/echo/8080/http', 'HTTP')]));
    expectValid(clusters, CLUSTER);
    expectValid(endpoints, CLA);
    expect(clusters.map((c) => c.name)).toEqual(['default/echo/8080/http']);
    expect(endpoints.map((e) => e.name)).toEqual(['default/echo/8080/http']);
    expect(endpoints[0]!.resource.clusterName).toBe('default/echo/8080/http');
    const c = clusters[0]!.resource;
    expect(c).toMatchObject({
      name: 'default/echo/8080/http',
      type: 'EDS',
      edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
      connectTimeout: CONNECT_TIMEOUT,
      perConnectionBufferLimitBytes: 32768,
    });
    // No service_name: EDS asks for the cluster's own name.
    expect((c.edsClusterConfig as Record<string, unknown>).serviceName).toBeUndefined();
  });

  it('speaks explicit HTTP/1.1 to HTTP backends, least request first, with retry headroom', () => {
    const c = only([backend('default/echo/8080/http', 'HTTP')]);
    expect(c.typedExtensionProtocolOptions).toEqual({
      [HPO]: { '@type': `type.googleapis.com/${HPO}`, explicitHttpConfig: { httpProtocolOptions: {} } },
    });
    expect(c.lbPolicy).toBeUndefined();
    expect(c.loadBalancingPolicy).toEqual({
      policies: [
        {
          typedExtensionConfig: {
            name: 'envoy.load_balancing_policies.least_request',
            typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest' },
          },
        },
        {
          typedExtensionConfig: {
            name: 'envoy.load_balancing_policies.round_robin',
            typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin' },
          },
        },
      ],
    });
    expect(c.circuitBreakers).toEqual({ thresholds: [{ maxRetries: 1024 }] });
    expect(c.transportSocket).toBeUndefined();
  });

  it('speaks HTTP/2 (prior knowledge) to HTTP2 backends, with edge flow-control windows', () => {
    const c = only([backend('default/grpc/9000/http2', 'HTTP2')]);
    expect(validateMessage(CLUSTER, c)).toEqual([]);
    expect(c.typedExtensionProtocolOptions).toEqual({
      [HPO]: {
        '@type': `type.googleapis.com/${HPO}`,
        explicitHttpConfig: { http2ProtocolOptions: { initialStreamWindowSize: 65536, initialConnectionWindowSize: 1048576 } },
      },
    });
    const decoded = decodeMessage(CLUSTER, encodeMessage(CLUSTER, c));
    expect((decoded.typedExtensionProtocolOptions as Record<string, { explicitHttpConfig: unknown }>)[HPO]!.explicitHttpConfig).toEqual({
      http2ProtocolOptions: { initialStreamWindowSize: 65536, initialConnectionWindowSize: 1048576 },
    });
  });

  it('keeps TCP clusters plain: round robin, no HTTP options, no circuit breakers', () => {
    const { clusters, endpoints } = buildClusters(gateway([backend('default/db/5432/tcp', 'TCP')]));
    expectValid(clusters, CLUSTER);
    expectValid(endpoints, CLA);
    const [{ resource }] = clusters as [NamedResource];
    expect(resource.lbPolicy).toBe('ROUND_ROBIN');
    expect(resource.loadBalancingPolicy).toBeUndefined();
    expect(resource.typedExtensionProtocolOptions).toBeUndefined();
    expect(resource.circuitBreakers).toBeUndefined();
    expect(resource.type).toBe('EDS');
  });

  it('gives UDP backends no cluster: their listeners route to clusters of their own (udp-clusters.ts)', () => {
    const tls = { policy: 'default/p', sni: 'dns.example.com', caCertificates: CA, subjectAltNames: [] };
    expect(buildClusters(gateway([backend('default/dns/53/udp', 'UDP', { tls })]))).toEqual({ clusters: [], endpoints: [] });
  });

  it('lets a UDP cluster hold far more than 1024 sessions (udp_proxy counts them against max_connections)', () => {
    expect(udpCircuitBreakers()).toEqual({ thresholds: [{ maxConnections: UDP_MAX_SESSIONS }] });
    expect(UDP_MAX_SESSIONS).toBeGreaterThan(1024);
  });

  it('originates TLS for a backend with a BackendTLSPolicy (inline CA, ALPN by protocol)', () => {
    const tls = { policy: 'default/p', sni: 'grpc.example.com', caCertificates: CA, subjectAltNames: [{ type: 'Hostname' as const, value: 'grpc.example.com' }] };
    const c = only([backend('default/grpc/9443/http2', 'HTTP2', { tls })]);
    expect(validateMessage(CLUSTER, c)).toEqual([]);
    expect(c.transportSocket).toEqual({
      name: 'envoy.transport_sockets.tls',
      typedConfig: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'grpc.example.com',
        commonTlsContext: {
          validationContext: {
            trustedCa: { inlineString: CA },
            matchTypedSubjectAltNames: [{ sanType: 'DNS', matcher: { exact: 'grpc.example.com' } }],
          },
          alpnProtocols: ['h2'],
        },
      },
    });
  });

  it('verifies with the system CA bundle for wellKnownCACertificates: System', () => {
    const tls = { policy: 'default/p', sni: 'api.example.com', useSystemCAs: true, subjectAltNames: [{ type: 'Hostname' as const, value: 'api.example.com' }] };
    const c = only([backend('default/api/443/http', 'HTTP', { tls })]);
    expect(validateMessage(CLUSTER, c)).toEqual([]);
    expect(JSON.stringify(c.transportSocket)).toContain('"trustedCa":{"filename":"/etc/ssl/certs/ca-certificates.crt"}');
    expect(JSON.stringify(c.transportSocket)).toContain('"alpnProtocols":["http/1.1"]');
  });

  it('sorts both lists by name and is deterministic', () => {
    const backends = [backend('ns/b/80/http', 'HTTP'), backend('ns/a/80/http', 'HTTP'), backend('ns/a/5432/tcp', 'TCP')];
    const first = buildClusters(gateway(backends));
    expect(first.clusters.map((c) => c.name)).toEqual(['ns/a/5432/tcp', 'ns/a/80/http', 'ns/b/80/http']);
    expect(first.endpoints.map((c) => c.name)).toEqual(['ns/a/5432/tcp', 'ns/a/80/http', 'ns/b/80/http']);
    expect(JSON.stringify(buildClusters(gateway([...backends].reverse())))).toBe(JSON.stringify(first));
  });

  it('builds nothing for a gateway without backends', () => {
    expect(buildClusters(gateway([]))).toEqual({ clusters: [], endpoints: [] });
  });
});

describe('special clusters', () => {
  it.each([
    ['invalidBackendCluster', invalidBackendCluster, INVALID_BACKEND_CLUSTER],
    ['blackholeCluster', blackholeCluster, BLACKHOLE_CLUSTER],
  ])('%s is an EDS cluster with an empty endpoint set (gRPC clients accept no STATIC cluster)', (_label, build, name) => {
    const { cluster, endpoints } = build();
    expect(validateMessage(CLUSTER, cluster.resource)).toEqual([]);
    expect(cluster.name).toBe(name);
    expect(cluster.resource).toEqual({ name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } }, connectTimeout: '1s' });
    expect(endpoints.name).toBe(name);
    expect(endpoints.resource).toEqual({ clusterName: name });
  });
});
