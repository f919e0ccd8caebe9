import { RESOURCE_TYPES, validateMessage } from '@portico/envoy';
import type { BackendIR, GatewayIR } from '@portico/ir';
import { buildXds } from '../build-xds.js';
import { buildClusters } from './clusters.js';
import { consistencyProblems } from '../snapshot/consistency.js';
import { grpcDecode } from '../proxyless-grpc.test-util.js';
import { httpRoute } from '../routes/route-fixtures.test-util.js';
import { udpListenerResources } from './udp-clusters.js';

const EXTERNAL: BackendIR = { name: 'default/api/443/http2', service: { namespace: 'default', name: 'api', port: 443 }, protocol: 'HTTP2', endpoints: [], externalName: 'api.example.com' };
const POD_UDP: BackendIR = { name: 'default/dns/53/udp', service: { namespace: 'default', name: 'dns', port: 53 }, protocol: 'UDP', endpoints: [{ address: '10.0.0.53', port: 5353 }] };
const EXTERNAL_UDP: BackendIR = { name: 'default/resolver/53/udp', service: { namespace: 'default', name: 'resolver', port: 53 }, protocol: 'UDP', endpoints: [], externalName: 'resolver.example.net' };

function gateway(backends: BackendIR[], listeners: GatewayIR['listeners'] = []): GatewayIR {
  return { name: 'default/eg', gatewayClass: 'portico', listeners, backends };
}

describe('ExternalName backends', () => {
  it('are LOGICAL_DNS clusters with the name and the Service port as their one endpoint, and no endpoint set', () => {
    const { clusters, endpoints } = buildClusters(gateway([EXTERNAL]));
    expect(endpoints).toEqual([]);
    const cluster = clusters[0]!.resource;
    expect(validateMessage(RESOURCE_TYPES.cluster, cluster)).toEqual([]);
    expect(cluster).toMatchObject({
      name: 'default/api/443/http2',
      type: 'LOGICAL_DNS',
      dnsLookupFamily: 'V4_PREFERRED',
      loadAssignment: { clusterName: 'default/api/443/http2', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 'api.example.com', portValue: 443 } } } }] }] },
    });
    expect(cluster).not.toHaveProperty('edsClusterConfig');
  });

  it('are accepted by proxyless gRPC clients (grpc-js-xds takes LOGICAL_DNS, not STRICT_DNS)', () => {
    const cluster = buildClusters(gateway([EXTERNAL])).clusters[0]!.resource;
    expect(grpcDecode('cluster', cluster).error).toBeUndefined();
    expect(grpcDecode('cluster', { ...cluster, type: 'STRICT_DNS' }).error).toBeDefined();
  });

  it('make a consistent snapshot: no endpoint set is named, none is missing', () => {
    const listener: GatewayIR['listeners'][number] = {
      type: 'HTTP',
      name: 'http-80',
      address: '0.0.0.0',
      port: 80,
      virtualHosts: [{ name: '*', domains: ['*'], routes: [httpRoute({ destination: { backends: [{ weight: 1, backend: EXTERNAL.name }] } })] }],
    } as GatewayIR['listeners'][number];
    const resources = buildXds(gateway([EXTERNAL], [listener]));
    expect(consistencyProblems(resources)).toEqual([]);
    expect(resources.endpoints).toEqual([]);
  });

  it('make a UDP listener\'s cluster STRICT_DNS with every backend inline, weighted; without one it stays EDS', () => {
    const udp = (backends: { backend: string; weight: number }[]): GatewayIR['listeners'][number] =>
      ({ type: 'UDP', name: 'udp-53', address: '0.0.0.0', port: 53, route: { source: { kind: 'UDPRoute', namespace: 'default', name: 'dns' }, destination: { backends } } }) as GatewayIR['listeners'][number];
    const mixed = udpListenerResources(gateway([POD_UDP, EXTERNAL_UDP], [udp([{ backend: EXTERNAL_UDP.name, weight: 3 }, { backend: POD_UDP.name, weight: 1 }])]));
    expect(mixed.endpoints).toEqual([]);
    const cluster = mixed.clusters[0]!.resource;
    expect(validateMessage(RESOURCE_TYPES.cluster, cluster)).toEqual([]);
    expect(cluster).toMatchObject({ type: 'STRICT_DNS', commonLbConfig: { localityWeightedLbConfig: {} } });
    const localities = (cluster.loadAssignment as { endpoints: { locality: { subZone: string }; loadBalancingWeight: number; lbEndpoints: { endpoint: { address: { socketAddress: unknown } } }[] }[] }).endpoints;
    expect(localities.map((l) => [l.locality.subZone, l.loadBalancingWeight, l.lbEndpoints.map((e) => e.endpoint.address.socketAddress)])).toEqual([
      ['default/dns/53/udp', 1, [{ address: '10.0.0.53', portValue: 5353, protocol: 'UDP' }]],
      ['default/resolver/53/udp', 3, [{ address: 'resolver.example.net', portValue: 53, protocol: 'UDP' }]],
    ]);
    const podsOnly = udpListenerResources(gateway([POD_UDP], [udp([{ backend: POD_UDP.name, weight: 1 }])]));
    expect(podsOnly.clusters[0]!.resource).toMatchObject({ type: 'EDS' });
    expect(podsOnly.endpoints).toHaveLength(1);
  });
});
