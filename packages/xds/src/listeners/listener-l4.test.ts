import { describe, expect, it } from '@jest/globals';
import type { GatewayIR, L4RouteIR, WeightedBackendIR } from '@portico/ir';
import { validateMessage, type Proto3Json } from '@portico/envoy';
import { clusterShares, tcpProxyFilter, udpProxyListenerFilter } from './listener-l4.js';
import { BLACKHOLE_CLUSTER } from '../names.js';

const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const UDP_PROXY = 'envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig';

const gateway: GatewayIR = {
  name: 'default/eg',
  gatewayClass: 'portico',
  listeners: [],
  backends: ['a', 'b'].map((n) => ({
    name: `default/${n}/5432/tcp`,
    service: { namespace: 'default', name: n, port: 5432 },
    protocol: 'TCP' as const,
    endpoints: [{ address: '10.0.0.1', port: 5432 }],
  })),
};

function route(...backends: WeightedBackendIR[]): L4RouteIR {
  return { name: 'TCPRoute/default/db', source: { kind: 'TCPRoute', namespace: 'default', name: 'db' }, destination: { backends } };
}
const invalid = (weight: number): WeightedBackendIR => ({ weight, invalid: { status: 500, reason: 'BackendNotFound' } });

function inner(filter: Proto3Json, type: string): Proto3Json {
  const { '@type': _typeUrl, ...fields } = filter.typedConfig as Proto3Json;
  expect(validateMessage(type, fields)).toEqual([]);
  return fields;
}

describe('clusterShares', () => {
  it('sends invalid shares to the blackhole with their weight, drops zero weights, adds up repeats', () => {
    const shares = clusterShares(
      gateway,
      route(
        { weight: 3, backend: 'default/a/5432/tcp' },
        { weight: 0, backend: 'default/b/5432/tcp' },
        invalid(1),
        { weight: 2, backend: 'default/a/5432/tcp' },
        invalid(4),
      ).destination,
    );
    expect(shares).toEqual([
      { cluster: 'default/a/5432/tcp', weight: 5 },
      { cluster: BLACKHOLE_CLUSTER, weight: 5 },
    ]);
  });

  it('refuses everything without a route, with only zero weights, or for a backend the gateway does not list', () => {
    const blackhole = [{ cluster: BLACKHOLE_CLUSTER, weight: 1 }];
    expect(clusterShares(gateway, undefined)).toEqual(blackhole);
    expect(clusterShares(gateway, route({ weight: 0, backend: 'default/a/5432/tcp' }).destination)).toEqual(blackhole);
    expect(clusterShares(gateway, route({ weight: 1, backend: 'default/zzz/1/tcp' }).destination)).toEqual([{ cluster: BLACKHOLE_CLUSTER, weight: 1 }]);
  });
});

describe('tcpProxyFilter', () => {
  it('names one cluster directly', () => {
    const filter = tcpProxyFilter(gateway, 'tcp-5432', route({ weight: 1, backend: 'default/a/5432/tcp' }), false);
    expect(filter.name).toBe('envoy.filters.network.tcp_proxy');
    expect(inner(filter, TCP_PROXY)).toEqual({ statPrefix: 'tcp-5432', cluster: 'default/a/5432/tcp', idleTimeout: '3600s' });
  });

  it('splits by weight over several', () => {
    const filter = tcpProxyFilter(gateway, 'tcp-5432', route({ weight: 80, backend: 'default/a/5432/tcp' }, invalid(20)), true);
    const config = inner(filter, TCP_PROXY);
    expect(config.weightedClusters).toEqual({
      clusters: [
        { name: 'default/a/5432/tcp', weight: 80 },
        { name: BLACKHOLE_CLUSTER, weight: 20 },
      ],
    });
    expect(config.cluster).toBeUndefined();
    expect((config.accessLog as Proto3Json[]).length).toBe(1);
  });
});

describe('udpProxyListenerFilter', () => {
  const clusterOf = (filter: Proto3Json) => {
    const config = inner(filter, UDP_PROXY);
    const action = ((config.matcher as Proto3Json).onNoMatch as Proto3Json).action as Proto3Json;
    expect(action.name).toBe('route');
    expect((action.typedConfig as Proto3Json)['@type']).toBe('type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route');
    return (action.typedConfig as Proto3Json).cluster;
  };

  it('routes with a matcher action, not the deprecated cluster field', () => {
    const filter = udpProxyListenerFilter('udp-53', 'default/a/5432/tcp', true);
    expect(filter.name).toBe('envoy.filters.udp_listener.udp_proxy');
    expect(clusterOf(filter)).toBe('default/a/5432/tcp');
    expect(inner(filter, UDP_PROXY)).toMatchObject({ statPrefix: 'udp-53', idleTimeout: '60s' });
    expect(inner(filter, UDP_PROXY).cluster).toBeUndefined();
    expect((inner(filter, UDP_PROXY).accessLog as Proto3Json[]).length).toBe(1);
    expect(inner(udpProxyListenerFilter('udp-53', BLACKHOLE_CLUSTER, false), UDP_PROXY).accessLog).toBeUndefined();
  });
});
