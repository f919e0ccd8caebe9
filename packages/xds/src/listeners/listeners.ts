/**
 * IR listeners → Envoy Listeners (`envoy.config.listener.v3.Listener`), with the route tables and
 * certificate Secrets they name. One Envoy listener per port and transport, as the IR groups them.
 */
import type { GatewayIR, HTTPListenerIR, ListenerIR, TCPListenerIR, TLSListenerIR, UDPListenerIR } from '@portico/ir';
import type { Proto3Json } from '@portico/envoy';
import { httpConnectionManagerFilter } from './http-connection-manager.js';
import { accessLogPolicyFor } from './access-log.js';
import { externalAuthServices } from './ext-authz.js';
import { securityFilterSet } from './security-filters.js';
import { tcpProxyFilter, udpProxyListenerFilter } from './listener-l4.js';
import { rateLimitServiceOf, statPrefixOf, tlsFilterChains, tlsInspectorListenerFilter } from './listener-tls.js';
import { httpRouteConfigName, listenerName } from '../names.js';
import type { ListenerOutput } from '../resources.js';
import { buildRouteConfiguration } from '../routes/route-configuration.js';
import { udpRouteCluster } from '../clusters/udp-clusters.js';

export interface ListenerOptions {
  /** Access logs to stdout on every connection manager and L4 proxy. Default true (as Contour and Envoy Gateway). */
  accessLog?: boolean;
}

/**
 * 32 KiB of read/write buffer per downstream connection before flow control pushes back (Envoy
 * edge best practices and Envoy Gateway's default; Envoy's own default is 1 MiB, which lets a few
 * thousand slow clients pin gigabytes).
 */
const PER_CONNECTION_BUFFER_LIMIT_BYTES = 32768;

export function buildListener(gateway: GatewayIR, listener: ListenerIR, options: ListenerOptions = {}): ListenerOutput {
  const accessLog = options.accessLog ?? true;
  switch (listener.type) {
    case 'HTTP':
      return httpListener(gateway, listener, accessLog);
    case 'TLS':
      return tlsListener(gateway, listener, accessLog);
    case 'TCP':
      return tcpListener(gateway, listener, accessLog);
    case 'UDP':
      return udpListener(gateway, listener, accessLog);
  }
}

function httpListener(gateway: GatewayIR, listener: HTTPListenerIR, accessLog: boolean): ListenerOutput {
  const routeConfig = buildRouteConfiguration(httpRouteConfigName(gateway, listener), listener.virtualHosts, {
    port: listener.port,
    tls: false,
    ...(gateway.tracing?.spanName ? { spanName: gateway.tracing.spanName } : {}),
  });
  const hcm = httpConnectionManagerFilter({
    statPrefix: statPrefixOf(listener.name),
    routeConfig,
    accessLog,
    externalAuths: externalAuthServices(listener.virtualHosts),
    security: securityFilterSet(listener.virtualHosts),
    ...(gateway.tracing ? { tracing: gateway.tracing } : {}),
    ...rateLimitServiceOf(gateway),
    ...accessLogPolicyFor(gateway, listener.sources),
  });
  return output(streamListener(gateway, listener, { filterChains: [{ filters: [hcm] }] }), [routeConfig]);
}

/**
 * A TLS port with no usable server would have no filter chain, which Envoy rejects ("no filter
 * chains specified"), and dropping the listener would make Envoy drain the port. It keeps a
 * default chain that proxies to BLACKHOLE_CLUSTER instead: every connection is accepted and closed
 * at once, the same answer a TCP listener without routes gives. (A chain with no filters would
 * also close connections, but only as a side effect of Envoy finding no filters; the proxy says so
 * in the config and counts the connections under its stat prefix.)
 */
function tlsListener(gateway: GatewayIR, listener: TLSListenerIR, accessLog: boolean): ListenerOutput {
  const { filterChains, routes, secrets } = tlsFilterChains(gateway, listener, accessLog);
  const resource = streamListener(gateway, listener, { listenerFilters: [tlsInspectorListenerFilter()] });
  if (filterChains.length > 0) resource.filterChains = filterChains;
  else resource.defaultFilterChain = { name: 'closed', filters: [tcpProxyFilter(gateway, statPrefixOf(listener.name), undefined, accessLog)] };
  return output(resource, routes, secrets);
}

function tcpListener(gateway: GatewayIR, listener: TCPListenerIR, accessLog: boolean): ListenerOutput {
  const proxy = tcpProxyFilter(gateway, statPrefixOf(listener.name), listener.route, accessLog);
  return output(streamListener(gateway, listener, { filterChains: [{ filters: [proxy] }] }));
}

/** UDP listeners have no filter chains: the udp_proxy listener filter handles every datagram. */
function udpListener(gateway: GatewayIR, listener: UDPListenerIR, accessLog: boolean): ListenerOutput {
  return output({
    name: listenerName(gateway, listener),
    address: socketAddress(listener, 'UDP'),
    listenerFilters: [udpProxyListenerFilter(statPrefixOf(listener.name), udpRouteCluster(gateway, listener), accessLog)],
  });
}

function streamListener(gateway: GatewayIR, listener: ListenerIR, rest: Proto3Json): Proto3Json {
  return {
    name: listenerName(gateway, listener),
    address: socketAddress(listener, 'TCP'),
    perConnectionBufferLimitBytes: PER_CONNECTION_BUFFER_LIMIT_BYTES,
    ...rest,
  };
}

/**
 * `::` binds IPv6 only unless `ipv4Compat` is set; a Gateway listening on `::` means every address,
 * so IPv4 clients are accepted too (as mapped addresses).
 */
function socketAddress(listener: ListenerIR, protocol: 'TCP' | 'UDP'): Proto3Json {
  const socket: Proto3Json = { address: listener.address, portValue: listener.port };
  if (protocol === 'UDP') socket.protocol = 'UDP';
  if (listener.address === '::') socket.ipv4Compat = true;
  return { socketAddress: socket };
}

function output(listener: Proto3Json, routes: ListenerOutput['routes'] = [], secrets: ListenerOutput['secrets'] = []): ListenerOutput {
  return { listener: { name: listener.name as string, resource: listener }, routes, secrets };
}
