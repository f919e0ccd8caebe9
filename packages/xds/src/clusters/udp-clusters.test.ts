import { describe, expect, it } from '@jest/globals';
import { RESOURCE_TYPES, validateMessage, type Proto3Json } from '@portico/envoy';
import type { BackendIR, GatewayIR, UDPListenerIR, WeightedBackendIR } from '@portico/ir';
import { buildBackendResources, buildXds } from '../build-xds.js';
import { createXdsBuildCache } from '../build-cache.js';
import { UDP_MAX_SESSIONS } from './cluster-defaults.js';
import { udpListenerResources, udpRouteCluster } from './udp-clusters.js';

const LISTENER_CLUSTER = 'portico/udp/default/eg/dns';

function backend(service: string, ...addresses: string[]): BackendIR {
  return {
    name: `default/${service}/53/udp`,
    service: { namespace: 'default', name: service, port: 53 },
    protocol: 'UDP',
    endpoints: addresses.map((address) => ({ address, port: 5353 })),
  };
}

const share = (weight: number, service: string): WeightedBackendIR => ({ weight, backend: `default/${service}/53/udp` });
const invalid = (weight: number): WeightedBackendIR => ({ weight, invalid: { status: 500, reason: 'BackendNotFound' } });

function listener(...backends: WeightedBackendIR[]): UDPListenerIR {
  return {
    type: 'UDP',
    name: 'dns',
    address: '0.0.0.0',
    port: 53,
    sources: ['dns'],
    route: { name: 'UDPRoute/default/dns', source: { kind: 'UDPRoute', namespace: 'default', name: 'dns' }, destination: { backends } },
  };
}

function gateway(backends: BackendIR[], ...listeners: UDPListenerIR[]): GatewayIR {
  return { name: 'default/eg', gatewayClass: 'portico', listeners, backends };
}

const v1 = backend('v1', '10.0.0.2', '10.0.0.1');
const v2 = backend('v2', '10.0.1.1');
const v3 = backend('v3', '10.0.2.1');

describe('udpRouteCluster', () => {
  it('routes to the listener cluster whatever the route says, so route edits never change the listener', () => {
    for (const l of [listener(share(1, 'v1')), listener(share(70, 'v1'), share(30, 'v2')), listener(invalid(1)), { ...listener(), route: undefined }]) {
      expect(udpRouteCluster(gateway([v1, v2]), l)).toBe(LISTENER_CLUSTER);
    }
  });
});

describe('udpListenerResources', () => {
  const localitiesOf = (ir: GatewayIR) =>
    (udpListenerResources(ir).endpoints[0]!.resource.endpoints as Proto3Json[]).map((l) => [(l.locality as Proto3Json).subZone, l.loadBalancingWeight]);

  it('lists a single backend as one locality, and nothing when no valid backend is left (every datagram dropped)', () => {
    expect(localitiesOf(gateway([v1], listener(share(1, 'v1'))))).toEqual([['default/v1/53/udp', 1]]);
    expect(localitiesOf(gateway([v1, v3], listener(share(7, 'v1'), share(0, 'v3'), invalid(3))))).toEqual([['default/v1/53/udp', 7]]);
    expect(localitiesOf(gateway([v1], listener(share(0, 'v1'))))).toEqual([]);
    expect(localitiesOf(gateway([], listener(invalid(1))))).toEqual([]);
    expect(localitiesOf(gateway([], { ...listener(), route: undefined }))).toEqual([]);
  });

  it('makes one locality per backend weighted by its share, leaving out weight 0, invalid and empty backends', () => {
    const empty = backend('empty');
    const ir = gateway([v1, v2, v3, empty], listener(share(70, 'v1'), share(30, 'v2'), share(0, 'v3'), invalid(5), share(9, 'empty')));
    const { clusters, endpoints } = udpListenerResources(ir);
    expect(clusters.map((c) => c.name)).toEqual([LISTENER_CLUSTER]);
    expect(validateMessage(RESOURCE_TYPES.cluster, clusters[0]!.resource)).toEqual([]);
    expect(clusters[0]!.resource).toMatchObject({
      type: 'EDS',
      lbPolicy: 'ROUND_ROBIN',
      commonLbConfig: { localityWeightedLbConfig: {} },
      circuitBreakers: { thresholds: [{ maxConnections: UDP_MAX_SESSIONS }] },
    });
    const cla = endpoints[0]!.resource;
    expect(validateMessage(RESOURCE_TYPES.endpoint, cla)).toEqual([]);
    expect(cla.clusterName).toBe(LISTENER_CLUSTER);
    const localities = (cla.endpoints as Proto3Json[]).map((l) => ({
      subZone: (l.locality as Proto3Json).subZone,
      weight: l.loadBalancingWeight,
      addresses: (l.lbEndpoints as Proto3Json[]).map((e) => JSON.stringify(e.endpoint)),
    }));
    expect(localities.map(({ subZone, weight }) => [subZone, weight])).toEqual([
      ['default/v1/53/udp', 70],
      ['default/v2/53/udp', 30],
    ]);
    expect(localities[0]!.addresses.join()).toMatch(/10\.0\.0\.1.*10\.0\.0\.2/);
    expect(JSON.stringify(cla)).toContain('"protocol":"UDP"');
  });

  it('lists an endpoint shared by two backends once, under the first backend by name', () => {
    const same = backend('w', '10.0.0.1');
    const { endpoints } = udpListenerResources(gateway([v1, same], listener(share(1, 'w'), share(1, 'v1'))));
    const localities = endpoints[0]!.resource.endpoints as Proto3Json[];
    expect(localities.map((l) => (l.lbEndpoints as Proto3Json[]).length)).toEqual([2]);
  });

  it('is part of the snapshot instead of the UDP backends own clusters, and the listener routes to it', () => {
    const ir = gateway([v1, v2], listener(share(70, 'v1'), share(30, 'v2')));
    const xds = buildXds(ir);
    expect(xds.clusters.map((c) => c.name)).toEqual([LISTENER_CLUSTER]);
    expect(xds.endpoints.map((c) => c.name)).toEqual([LISTENER_CLUSTER]);
    expect(JSON.stringify(xds.listeners[0]!.resource)).toContain(`"cluster":"${LISTENER_CLUSTER}"`);
  });

  it('comes with an endpoint-only change of one of its backends (the EDS fast path), and only then', () => {
    const cache = createXdsBuildCache();
    const ir = gateway([v1, v2, v3], listener(share(70, 'v1'), share(30, 'v2')));
    const first = buildXds(ir, { cache });
    const moved = backend('v2', '10.0.9.9');
    const after = { ...ir, backends: [v1, moved, v3] };
    const patch = buildBackendResources([moved], cache, after);
    expect(patch.clusters.map((c) => c.name)).toEqual([LISTENER_CLUSTER]);
    const cla = patch.endpoints.find((e) => e.name === LISTENER_CLUSTER)!.resource;
    expect(JSON.stringify(cla)).toContain('10.0.9.9');
    expect(JSON.stringify(cla)).not.toContain('10.0.1.1');
    // The listener cluster itself is the same object: Envoy is not made to re-warm it.
    expect(patch.clusters.find((c) => c.name === LISTENER_CLUSTER)).toBe(first.clusters.find((c) => c.name === LISTENER_CLUSTER));
    // A backend outside the split changes nothing.
    const other = backend('v3', '10.0.8.8');
    expect(buildBackendResources([other], cache, { ...after, backends: [v1, moved, other] }).endpoints).toEqual([]);
    // A full build after the patch serves the same endpoint set.
    expect(buildXds(after, { cache }).endpoints.find((e) => e.name === LISTENER_CLUSTER)!.resource).toEqual(cla);
  });

  it('reuses its endpoint set while the route and the backends are the same objects', () => {
    const cache = createXdsBuildCache();
    const ir = gateway([v1, v2], listener(share(70, 'v1'), share(30, 'v2')));
    const a = buildXds(ir, { cache }).endpoints.find((e) => e.name === LISTENER_CLUSTER);
    const b = buildXds({ ...ir }, { cache }).endpoints.find((e) => e.name === LISTENER_CLUSTER);
    expect(b).toBe(a);
  });
});
