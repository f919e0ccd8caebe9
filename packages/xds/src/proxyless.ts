/**
 * Listeners and route tables for proxyless gRPC clients (gRFC A27/A28: @grpc/grpc-js-xds, grpc-go,
 * grpc-java), so an application can call a Gateway's GRPCRoutes (and HTTPRoutes) without an Envoy
 * in between, balanced over the same clusters and endpoints Envoy is given.
 *
 * A client with target `xds:///<host>:<port>` subscribes to the LDS resource `<host>:<port>`: the
 * target's path formatted into the bootstrap's `client_default_listener_resource_name_template`,
 * `%s` by default (grpc-js-xds resolver-xds.ts getListenerResourceName). It expects an API listener
 * whose HttpConnectionManager names a route table over RDS, and picks the virtual host for its
 * data-plane authority, the target path `<host>:<port>` unless the channel option
 * `grpc.default_authority` says otherwise. So each exact hostname of each cleartext HTTP listener
 * gets:
 * - Listener `<host>:<port>`: an API listener, HttpConnectionManager with RDS over ADS and the
 *   router filter only (gRPC runs no other filter that Gateway API could ask for);
 * - RouteConfiguration `<gateway>/proxyless/<host>:<port>`: one virtual host with domains `<host>`
 *   and `<host>:<port>`, and that virtual host's routes in the same precedence (proxyless-routes.ts).
 *
 * Not served:
 * - Wildcard (`*.example.com`) and catch-all (`*`) virtual hosts: an LDS name is one authority and
 *   cannot be listed in advance for every host a wildcard covers. A client must use a hostname the
 *   Gateway listener or the route names exactly.
 * - HTTPS listeners: a proxyless client reaching them would need xDS-managed TLS (gRFC A29
 *   `UpstreamTlsContext` with certificate provider instances from its bootstrap), which Gateway API
 *   listener certificates do not map to. The client talks to the backends directly, so the
 *   Gateway's TLS termination has no counterpart anyway.
 * - TCP, TLS and UDP listeners: no HTTP routing.
 * - Backends with a BackendTLSPolicy: the cluster is Envoy's, whose UpstreamTlsContext carries the CA
 *   inline; grpc-js-xds accepts only `ca_certificate_provider_instance` (gRFC A29) and rejects that
 *   cluster, so a call routed there fails while every other cluster keeps working.
 *
 * These listeners are never meant for Envoy, which takes an API listener only from its bootstrap
 * and ignores one sent over LDS ("only one ApiListener is allowed, and it can only be added via
 * bootstrap configuration", listener_manager_impl.cc): the xDS server sends them only to a client
 * that asks for them by name. Their names hold no `/`, so they never collide with Envoy's
 * `<gateway>/<listener>` names.
 */
import type { Proto3Json } from '@portico/envoy';
import type { GatewayIR, HTTPListenerIR, VirtualHostIR } from '@portico/ir';
import { buildCacheIsTransient, memoizedAcrossBuilds, reusedHost } from './build-cache.js';
import { adsConfigSource } from './config-source.js';
import { ROUTER_FILTER } from './names.js';
import { proxylessRoutes } from './routes/proxyless-routes.js';
import { proxylessRouteWire, writeProxylessRoutes } from './wire/proxyless-route-wire.js';
import { routeConfigurationWire, virtualHostWire, type HostRoutes } from './wire/route-configuration-wire.js';
import type { NamedResource } from './resources.js';
import { typedConfig } from './typed-config.js';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
/** Envoy requires a stat prefix; gRPC clients keep no HTTP connection manager statistics. */
const STAT_PREFIX = 'proxyless_grpc';

export interface ProxylessResources {
  listeners: NamedResource[];
  routes: NamedResource[];
}

/** The LDS name a proxyless client with target `xds:///<host>:<port>` asks for. */
export function proxylessListenerName(host: string, port: number): string {
  return `${host}:${port}`;
}

export function proxylessRouteConfigName(gateway: GatewayIR, host: string, port: number): string {
  return `${gateway.name}/proxyless/${host}:${port}`;
}

/** Every proxyless API listener of the gateway and its route table, each list sorted by name. */
export function buildProxylessResources(gateway: GatewayIR): ProxylessResources {
  const listeners: NamedResource[] = [];
  const routes: NamedResource[] = [];
  for (const listener of gateway.listeners) {
    if (listener.type !== 'HTTP') continue;
    for (const { host, virtualHost } of exactHosts(listener)) {
      const table = proxylessRouteConfiguration(proxylessRouteConfigName(gateway, host, listener.port), host, listener.port, virtualHost);
      listeners.push(apiListener(proxylessListenerName(host, listener.port), table.name));
      routes.push(table);
    }
  }
  return { listeners: sortByName(listeners), routes: sortByName(routes) };
}

/**
 * Exact hostnames and the virtual host serving each. A domain already served by an earlier virtual
 * host stays with it, as in the Envoy route table (route-configuration.ts uniqueDomains).
 */
function exactHosts(listener: HTTPListenerIR): { host: string; virtualHost: VirtualHostIR }[] {
  const seen = new Set<string>();
  const out: { host: string; virtualHost: VirtualHostIR }[] = [];
  for (const virtualHost of listener.virtualHosts) {
    for (const domain of virtualHost.domains) {
      const host = domain.toLowerCase();
      if (domain.includes('*') || seen.has(host)) continue;
      seen.add(host);
      out.push({ host, virtualHost });
    }
  }
  return out;
}

function apiListener(name: string, routeConfigName: string): NamedResource {
  const hcm: Proto3Json = {
    statPrefix: STAT_PREFIX,
    rds: { configSource: adsConfigSource(), routeConfigName },
    // gRPC requires the router to be the last filter, as Envoy does (A39).
    httpFilters: [{ name: ROUTER_FILTER, typedConfig: typedConfig(ROUTER_TYPE) }],
  };
  return { name, resource: { name, apiListener: { apiListener: typedConfig(HCM_TYPE, hcm) } } };
}

/**
 * Both domain forms: the target authority carries the port (`<host>:<port>`), while a channel
 * whose `grpc.default_authority` is the bare host picks by that. gRPC compares exact domains
 * case-sensitively; Gateway API hostnames are lowercase.
 */
function proxylessRouteConfiguration(name: string, host: string, port: number, virtualHost: VirtualHostIR): NamedResource {
  const hostName = `${host}:${port}`;
  const domains = [host, hostName];
  // Written straight from the IR (wire/), bytes kept per IR route and per host as for Envoy's tables.
  const wire = reusedHost(`${name}|${hostName}`, virtualHost.routes, '', () => {
    // A build that keeps nothing writes each route straight into its host (route-configuration.ts does the same).
    const routes: HostRoutes = buildCacheIsTransient()
      ? (w, tag, names) => virtualHost.routes.forEach((r) => writeProxylessRoutes(w, tag, r, names))
      : virtualHost.routes.map((r) => memoizedAcrossBuilds('proxyless-route-wire', r, () => proxylessRouteWire(r)));
    return virtualHostWire(hostName, domains, undefined, routes, undefined);
  });
  return reusedHost(`route-table|${name}`, [wire], '', () => routeConfigurationWire(name, [wire], { ignorePortInHostMatching: false }, () => proxylessRouteConfigurationJson(name, hostName, domains, virtualHost)));
}

/** The table's proto3 JSON: what the wire bytes encode, built on demand. */
function proxylessRouteConfigurationJson(name: string, hostName: string, domains: string[], virtualHost: VirtualHostIR): Proto3Json {
  return { name, virtualHosts: [{ name: hostName, domains, routes: virtualHost.routes.flatMap((r) => proxylessRoutes(r)) }] };
}

function sortByName(list: NamedResource[]): NamedResource[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
