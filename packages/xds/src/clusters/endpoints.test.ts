import { decodeMessage, encodeMessage, RESOURCE_TYPES, validateMessage } from '@portico/envoy';
import type { BackendIR } from '@portico/ir';
import { buildClusterLoadAssignment } from './endpoints.js';

const CLA = RESOURCE_TYPES.endpoint;

function backend(overrides: Partial<BackendIR> = {}): BackendIR {
  return {
    name: 'default/echo/8080/http',
    service: { namespace: 'default', name: 'echo', port: 8080 },
    protocol: 'HTTP',
    endpoints: [],
    ...overrides,
  };
}

function socketAddresses(resource: Record<string, unknown>): unknown[] {
  const localities = resource.endpoints as { lbEndpoints: { endpoint: { address: { socketAddress: unknown } } }[] }[];
  return localities.flatMap((l) => l.lbEndpoints.map((e) => e.endpoint.address.socketAddress));
}

describe('buildClusterLoadAssignment', () => {
  it('names the assignment like the cluster and lists every endpoint as HEALTHY', () => {
    const { name, resource } = buildClusterLoadAssignment(
      backend({ endpoints: [{ address: '10.0.0.2', port: 8080 }, { address: '10.0.0.1', port: 8080 }] }),
    );
    expect(validateMessage(CLA, resource)).toEqual([]);
    expect(name).toBe('default/echo/8080/http');
    expect(resource).toEqual({
      clusterName: 'default/echo/8080/http',
      endpoints: [
        {
          locality: {},
          loadBalancingWeight: 2,
          lbEndpoints: [
            { endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 8080 } } }, healthStatus: 'HEALTHY' },
            { endpoint: { address: { socketAddress: { address: '10.0.0.2', portValue: 8080 } } }, healthStatus: 'HEALTHY' },
          ],
        },
      ],
    });
  });

  it('gives a backend without endpoints an empty assignment (Envoy answers 503)', () => {
    const { resource } = buildClusterLoadAssignment(backend());
    expect(validateMessage(CLA, resource)).toEqual([]);
    expect(resource).toEqual({ clusterName: 'default/echo/8080/http', endpoints: [] });
  });

  it('groups endpoints by zone, zones and endpoints sorted, weighted by endpoint count', () => {
    const { resource } = buildClusterLoadAssignment(
      backend({
        endpoints: [
          { address: '10.0.2.1', port: 8080, zone: 'zone-b' },
          { address: '10.0.9.9', port: 8080 },
          { address: '10.0.1.2', port: 8080, zone: 'zone-a' },
          { address: '10.0.1.1', port: 8080, zone: 'zone-a' },
        ],
      }),
    );
    expect(validateMessage(CLA, resource)).toEqual([]);
    const localities = resource.endpoints as { locality: unknown; loadBalancingWeight: number }[];
    expect(localities.map((l) => [l.locality, l.loadBalancingWeight])).toEqual([
      [{}, 1],
      [{ zone: 'zone-a' }, 2],
      [{ zone: 'zone-b' }, 1],
    ]);
    expect(socketAddresses(resource).map((a) => (a as { address: string }).address)).toEqual([
      '10.0.9.9',
      '10.0.1.1',
      '10.0.1.2',
      '10.0.2.1',
    ]);
  });

  it('is deterministic whatever the input order, and drops duplicate address:port pairs', () => {
    const endpoints = [
      { address: '10.0.0.3', port: 8080, zone: 'a' },
      { address: '10.0.0.1', port: 8081, zone: 'a' },
      { address: '10.0.0.1', port: 8080, zone: 'a' },
      { address: '10.0.0.1', port: 8080, zone: 'a' },
    ];
    const one = buildClusterLoadAssignment(backend({ endpoints }));
    const two = buildClusterLoadAssignment(backend({ endpoints: [...endpoints].reverse() }));
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(socketAddresses(one.resource)).toEqual([
      { address: '10.0.0.1', portValue: 8080 },
      { address: '10.0.0.1', portValue: 8081 },
      { address: '10.0.0.3', portValue: 8080 },
    ]);
    expect((one.resource.endpoints as { loadBalancingWeight: number }[])[0]!.loadBalancingWeight).toBe(3);
  });

  it('keeps terminating fallback endpoints HEALTHY so they take traffic', () => {
    const { resource } = buildClusterLoadAssignment(backend({ endpoints: [{ address: '10.0.0.1', port: 8080, terminating: true }] }));
    const [locality] = resource.endpoints as { lbEndpoints: { healthStatus: string }[] }[];
    expect(locality!.lbEndpoints[0]!.healthStatus).toBe('HEALTHY');
  });

  it('passes IPv6 addresses through unbracketed', () => {
    const { resource } = buildClusterLoadAssignment(backend({ endpoints: [{ address: 'fd00::1', port: 8080 }] }));
    expect(validateMessage(CLA, resource)).toEqual([]);
    expect(socketAddresses(resource)).toEqual([{ address: 'fd00::1', portValue: 8080 }]);
  });

  it('marks UDP backends’ addresses as UDP', () => {
    const { resource } = buildClusterLoadAssignment(
      backend({ name: 'default/dns/53/udp', protocol: 'UDP', endpoints: [{ address: '10.0.0.53', port: 53 }] }),
    );
    expect(validateMessage(CLA, resource)).toEqual([]);
    expect(socketAddresses(resource)).toEqual([{ address: '10.0.0.53', portValue: 53, protocol: 'UDP' }]);
  });

  it('survives the binary round trip with an explicit (empty) locality', () => {
    // gRPC's xDS client rejects a LocalityLbEndpoints whose locality is absent on the wire.
    const { resource } = buildClusterLoadAssignment(backend({ endpoints: [{ address: '10.0.0.1', port: 8080 }] }));
    const decoded = decodeMessage(CLA, encodeMessage(CLA, resource));
    expect((decoded.endpoints as { locality?: unknown }[])[0]!.locality).toEqual({});
  });
});
