import { decodeMessage, encodeMessage, envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import { buildEnvoyBootstrap, EnvoyBootstrapError, parseHostPort, XDS_CLUSTER_NAME, type EnvoyBootstrapOptions } from './bootstrap.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const TLS = { caFile: '/etc/portico/ca.crt', certFile: '/etc/envoy/tls.crt', keyFile: '/etc/envoy/tls.key' };

type Cluster = {
  name: string;
  type: string;
  loadAssignment: { endpoints: { lbEndpoints: { endpoint: { address: { socketAddress: { address: string; portValue: number } } } }[] }[] };
  transportSocket?: { typedConfig: { sni?: string; commonTlsContext: Record<string, unknown> } };
};
type Bootstrap = {
  node: { id: string; cluster: string };
  dynamicResources: { adsConfig: { apiType: string; grpcServices: { envoyGrpc: { clusterName: string } }[] }; ldsConfig: unknown; cdsConfig: unknown };
  staticResources: { clusters: Cluster[] };
  admin: { address: { socketAddress: { address: string; portValue: number } } };
  overloadManager: { resourceMonitors: { name: string }[]; actions: { name: string; triggers: { name: string; threshold: { value: number } }[] }[] };
};

function build(options: Partial<EnvoyBootstrapOptions> = {}): Bootstrap {
  const bootstrap = buildEnvoyBootstrap({ gateway: 'default/demo', xdsAddress: 'portico:18000', ...options });
  // Every variant must be what Envoy's own JSON parser takes.
  expect(validateMessage(BOOTSTRAP, bootstrap)).toEqual([]);
  return bootstrap as unknown as Bootstrap;
}

function xdsEndpoint(b: Bootstrap) {
  return b.staticResources.clusters[0]!.loadAssignment.endpoints[0]!.lbEndpoints[0]!.endpoint.address.socketAddress;
}

describe('buildEnvoyBootstrap', () => {
  beforeAll(() => envoyProtos());

  it('names the gateway in node.cluster and fetches everything over one delta ADS stream', () => {
    const b = build();
    expect(b.node).toEqual({ id: 'envoy-default-demo', cluster: 'default/demo' });
    expect(b.dynamicResources).toEqual({
      adsConfig: {
        apiType: 'DELTA_GRPC',
        transportApiVersion: 'V3',
        grpcServices: [{ envoyGrpc: { clusterName: XDS_CLUSTER_NAME } }],
        setNodeOnFirstMessageOnly: true,
      },
      ldsConfig: { ads: {}, resourceApiVersion: 'V3' },
      cdsConfig: { ads: {}, resourceApiVersion: 'V3' },
    });
  });

  it('speaks state-of-the-world when delta is off', () => {
    expect(build({ delta: false }).dynamicResources.adsConfig.apiType).toBe('GRPC');
  });

  it('reaches the xDS server through one STRICT_DNS HTTP/2 cluster, by name or by IP', () => {
    const b = build();
    expect(b.staticResources.clusters).toHaveLength(1);
    const cluster = b.staticResources.clusters[0]!;
    expect(cluster).toMatchObject({
      name: XDS_CLUSTER_NAME,
      type: 'STRICT_DNS',
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { explicitHttpConfig: { http2ProtocolOptions: {} } },
      },
    });
    expect(xdsEndpoint(b)).toEqual({ address: 'portico', portValue: 18000 });
    expect(xdsEndpoint(build({ xdsAddress: '10.0.0.7:18001' }))).toEqual({ address: '10.0.0.7', portValue: 18001 });
    expect(xdsEndpoint(build({ xdsAddress: '[::1]:18000' }))).toEqual({ address: '::1', portValue: 18000 });
    expect(cluster.transportSocket).toBeUndefined();
  });

  it('puts the admin listener on loopback port 19001 unless told', () => {
    expect(build().admin).toEqual({ address: { socketAddress: { address: '127.0.0.1', portValue: 19001 } }, ignoreGlobalConnLimit: true });
    expect(build({ adminHost: '0.0.0.0', adminPort: 9901 }).admin.address.socketAddress).toEqual({ address: '0.0.0.0', portValue: 9901 });
  });

  it('limits the heap and the open connections with the overload manager', () => {
    const { overloadManager } = build({ maxHeapBytes: 512 * 1024 * 1024, maxDownstreamConnections: 1000 });
    expect(overloadManager.resourceMonitors).toEqual([
      {
        name: 'envoy.resource_monitors.fixed_heap',
        typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', maxHeapSizeBytes: '536870912' },
      },
      {
        name: 'envoy.resource_monitors.global_downstream_max_connections',
        typedConfig: {
          '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
          maxActiveDownstreamConnections: '1000',
        },
      },
    ]);
    expect(overloadManager.actions.map((a) => [a.name, a.triggers[0]!.name, a.triggers[0]!.threshold.value])).toEqual([
      ['envoy.overload_actions.shrink_heap', 'envoy.resource_monitors.fixed_heap', 0.95],
      ['envoy.overload_actions.stop_accepting_requests', 'envoy.resource_monitors.fixed_heap', 0.98],
    ]);
    // Every trigger names a configured monitor: Envoy refuses to start otherwise.
    const monitors = new Set(overloadManager.resourceMonitors.map((m) => m.name));
    for (const action of overloadManager.actions) for (const t of action.triggers) expect(monitors.has(t.name)).toBe(true);
  });

  it('adds mTLS (TLS 1.3, client certificate, the CA) with SNI for a host name only', () => {
    const socket = build({ tls: TLS }).staticResources.clusters[0]!.transportSocket!;
    expect(socket.typedConfig).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'portico',
      commonTlsContext: {
        tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_3', tlsMaximumProtocolVersion: 'TLSv1_3' },
        tlsCertificates: [{ certificateChain: { filename: TLS.certFile }, privateKey: { filename: TLS.keyFile } }],
        validationContext: { trustedCa: { filename: TLS.caFile } },
        alpnProtocols: ['h2'],
      },
    });
    expect(build({ tls: TLS, xdsAddress: '10.0.0.7:18000' }).staticResources.clusters[0]!.transportSocket!.typedConfig.sni).toBeUndefined();
  });

  it('survives an encode/decode round trip through the Envoy protos', () => {
    const bootstrap = buildEnvoyBootstrap({ gateway: 'team-a/edge', xdsAddress: 'portico:18000', tls: TLS, nodeId: 'edge-1' });
    const decoded = decodeMessage(BOOTSTRAP, encodeMessage(BOOTSTRAP, bootstrap)) as Proto3Json & Bootstrap;
    expect(decoded.node).toMatchObject({ id: 'edge-1', cluster: 'team-a/edge' });
    expect(decoded.staticResources.clusters[0]!.name).toBe(XDS_CLUSTER_NAME);
    expect(decoded.overloadManager.resourceMonitors).toHaveLength(2);
    expect(decoded).toHaveProperty('layeredRuntime.layers', [
      { name: 'static', staticLayer: { 're2.max_program_size.error_level': 1048576, 're2.max_program_size.warn_level': 1000 } },
      { name: 'admin', adminLayer: {} },
    ]);
  });

  it.each([
    [{ gateway: 'demo' }, "invalid gateway 'demo': expected namespace/name"],
    [{ gateway: 'Default/Demo' }, "invalid gateway 'Default/Demo'"],
    [{ xdsAddress: 'portico' }, "invalid xDS address 'portico': expected host:port"],
    [{ xdsAddress: 'portico:0' }, 'invalid xDS address 0: expected 1-65535'],
    [{ xdsAddress: '::1:18000' }, "invalid xDS address '::1:18000'"],
    [{ adminPort: 70000 }, 'invalid admin port 70000'],
    [{ adminHost: 'localhost' }, "admin host 'localhost' must be an IP address"],
    [{ maxHeapBytes: 0 }, 'invalid max heap bytes 0'],
    [{ tls: { ...TLS, keyFile: '' } }, 'TLS key file must not be empty'],
  ])('rejects %j', (options, message) => {
    expect(() => buildEnvoyBootstrap({ gateway: 'default/demo', xdsAddress: 'portico:18000', ...options })).toThrow(EnvoyBootstrapError);
    expect(() => buildEnvoyBootstrap({ gateway: 'default/demo', xdsAddress: 'portico:18000', ...options })).toThrow(message);
  });
});

describe('parseHostPort', () => {
  it('splits names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('portico:18000', 'x')).toEqual({ host: 'portico', port: 18000 });
    expect(parseHostPort('0.0.0.0:1', 'x')).toEqual({ host: '0.0.0.0', port: 1 });
    expect(parseHostPort('[fd00::2]:443', 'x')).toEqual({ host: 'fd00::2', port: 443 });
  });
});
