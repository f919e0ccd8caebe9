/**
 * L4 proxies: `envoy.filters.network.tcp_proxy` for TCPRoute, TLSRoute (terminate or passthrough)
 * and TLS listeners without routes; `envoy.filters.udp_listener.udp_proxy` for UDPRoute.
 */
import type { DestinationIR, GatewayIR, L4RouteIR } from '@portico/ir';
import type { Proto3Json } from '@portico/envoy';
import { l4AccessLog } from './access-log.js';
import { BLACKHOLE_CLUSTER, clusterName } from '../names.js';
import { typedConfig } from '../typed-config.js';

export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const UDP_PROXY_FILTER = 'envoy.filters.udp_listener.udp_proxy';

/**
 * A TCP connection with no traffic either way for an hour is closed: Envoy's own default, written
 * out so the dump shows it. Long enough for idle database and message-queue connections that send
 * keepalives less often than every few minutes.
 */
const TCP_IDLE_TIMEOUT = '3600s';
/** A UDP session (per client address and port) ends after 60 s without datagrams: Envoy's default, written out. */
const UDP_IDLE_TIMEOUT = '60s';

export interface ClusterShare {
  cluster: string;
  weight: number;
}

/**
 * Clusters and weights of an L4 destination. Gateway API: an invalid backendRef keeps its share of
 * the weight, and for a TCP or UDP route that share is refused, so it goes to BLACKHOLE_CLUSTER (no
 * endpoints: Envoy closes the connection). Zero weights are dropped (tcp_proxy requires weight ≥ 1,
 * and a zero-weight backend takes no traffic); shares of the same cluster are added up. No route,
 * or nothing left, means every connection is refused. A backend the gateway does not list (which
 * IR validation should prevent) is treated as invalid rather than naming a cluster that will never
 * exist, which would keep the listener from warming.
 */
export function clusterShares(gateway: GatewayIR, destination: DestinationIR | undefined): ClusterShare[] {
  const weights = new Map<string, number>();
  for (const b of destination?.backends ?? []) {
    if (b.weight <= 0) continue;
    const cluster = ('backend' in b ? backendCluster(gateway, b.backend) : undefined) ?? BLACKHOLE_CLUSTER;
    weights.set(cluster, (weights.get(cluster) ?? 0) + b.weight);
  }
  if (weights.size === 0) return [{ cluster: BLACKHOLE_CLUSTER, weight: 1 }];
  return [...weights].map(([cluster, weight]) => ({ cluster, weight }));
}

function backendCluster(gateway: GatewayIR, name: string): string | undefined {
  const backend = gateway.backends.find((b) => b.name === name);
  return backend && clusterName(backend);
}

/** The tcp_proxy network filter: `cluster` for one destination, `weightedClusters` for several. */
export function tcpProxyFilter(gateway: GatewayIR, statPrefix: string, route: L4RouteIR | undefined, accessLog: boolean): Proto3Json {
  const shares = clusterShares(gateway, route?.destination);
  const [only] = shares;
  const target =
    shares.length === 1 && only
      ? { cluster: only.cluster }
      : { weightedClusters: { clusters: shares.map((s) => ({ name: s.cluster, weight: s.weight })) } };
  const config: Proto3Json = { statPrefix, ...target, idleTimeout: TCP_IDLE_TIMEOUT };
  // A BackendPolicy's RingHash/Maglev on the client address (the only key a connection has).
  if (route?.destination.hashPolicy?.type === 'SourceIP') config.hashPolicy = [{ sourceIp: {} }];
  if (accessLog) config.accessLog = [l4AccessLog()];
  return { name: TCP_PROXY_FILTER, typedConfig: typedConfig('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', config) };
}

/**
 * The udp_proxy listener filter, routing every session to `cluster` (the listener's own, see
 * udp-clusters.ts). Its destination is chosen
 * by a matcher whose action is `udp_proxy.v3.Route {cluster}` (the plain `cluster` field is
 * deprecated); with a single destination the matcher is just its `on_no_match`, as in Envoy's own
 * udp_proxy example.
 */
export function udpProxyListenerFilter(statPrefix: string, cluster: string, accessLog: boolean): Proto3Json {
  const config: Proto3Json = {
    statPrefix,
    matcher: {
      onNoMatch: {
        action: {
          name: 'route',
          typedConfig: typedConfig('envoy.extensions.filters.udp.udp_proxy.v3.Route', { cluster }),
        },
      },
    },
    idleTimeout: UDP_IDLE_TIMEOUT,
  };
  if (accessLog) config.accessLog = [l4AccessLog()];
  return { name: UDP_PROXY_FILTER, typedConfig: typedConfig('envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', config) };
}
