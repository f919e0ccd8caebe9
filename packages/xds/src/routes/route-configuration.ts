/**
 * One IR route table (the virtual hosts of a cleartext HTTP listener or of one HTTPS server) →
 * Envoy RouteConfiguration, served over RDS under the name the listener's connection manager asks for.
 *
 * - One VirtualHost per VirtualHostIR, in IR order, named after it. Envoy picks the virtual host by
 *   the request's Host (exact domains first, then the longest `*.` suffix wildcard, then `*`), so the
 *   order of virtual hosts does not matter to Envoy, only to readers.
 * - No `host:port` domain variants: ignore_port_in_host_matching has Envoy pick the virtual host by
 *   the Host without its port (`Host: example.com:8080` matches `example.com`; Gateway API hostnames
 *   never carry one), while the Host header itself, port included, reaches the backend unchanged.
 * - Routes keep the IR order, which is Gateway API precedence: Envoy takes the first route that
 *   matches.
 * - A request that no virtual host or route matches gets Envoy's own 404 (the router's "route not
 *   found", response flag NR), which is what Gateway API asks for an unmatched request; a virtual
 *   host with no routes (a listener hostname with nothing attached) answers 404 the same way.
 * - In a table shared by several HTTPS servers, a virtual host owned by one server answers 421 to
 *   requests that came through another server's connection (https-route-table.ts in the translator).
 */
import type { Proto3Json } from '@portico/envoy';
import type { VirtualHostIR } from '@portico/ir';
import { buildCacheIsTransient, memoizedAcrossBuilds, reusedHost } from '../build-cache.js';
import type { NamedResource } from '../resources.js';
import { routeConfigurationWire, virtualHostWire, type HostRoutes } from '../wire/route-configuration-wire.js';
import { routeWire, writeRoutes } from '../wire/route-wire.js';
import { buildRoutes } from './envoy-route.js';

/** The Gateway listener a route table serves: redirects need its port and protocol. */
export interface RouteTableContext {
  port: number;
  /** The listener terminates TLS (HTTPS): requests arrive as `https`. */
  tls: boolean;
  /**
   * A table shared by several HTTPS servers: the request header carrying the server whose connection
   * a request came through (HTTPS_SERVER_HEADER). A virtual host owned by another server answers 421.
   */
  serverHeader?: string;
  /** The span name of every route's requests (XTelemetryPolicy tracing.spanName): each route's decorator. */
  spanName?: string;
}

/**
 * The RouteConfiguration `name` for these virtual hosts, served to the listener(s) naming it over RDS.
 * Written straight from the IR (wire/): each IR route's bytes are kept across builds per route object
 * and each virtual host's per host (reused while it lists the very same route objects), so a table is
 * assembled by copying; an unchanged table is the same resource as in the previous build. Its JSON
 * (buildRouteConfigurationJson) is built only when read, for dumps and goldens.
 */
export function buildRouteConfiguration(name: string, virtualHosts: VirtualHostIR[], context: RouteTableContext): NamedResource {
  const span = context.spanName ?? '';
  const routeVariant = `${context.port}/${context.tls}/${span}`;
  const hosts = uniqueDomains(virtualHosts).map((vh) => {
    const check = context.serverHeader && vh.server !== undefined ? misdirectedRoute(context.serverHeader, vh.server) : undefined;
    const variant = `${context.port}/${context.tls}/${vh.domains.join(',')}/${check ? vh.server : ''}/${span}`;
    return reusedHost(`${name}|${vh.name}`, vh.routes, variant, () => {
      // A build that keeps nothing writes each route straight into its host: no bytes of its own to keep.
      const routes: HostRoutes = buildCacheIsTransient()
        ? (w, tag, names) => vh.routes.forEach((r) => writeRoutes(w, tag, r, context, names))
        : vh.routes.map((r) => memoizedAcrossBuilds('route-wire', r, () => routeWire(r, context), routeVariant));
      return virtualHostWire(vh.name, vh.domains, check, routes, context.spanName);
    });
  });
  const tableVariant = `${context.port}/${context.tls}/${context.serverHeader ?? ''}/${span}`;
  const fields = { ignorePortInHostMatching: true, ...(context.serverHeader ? { requestHeaderToRemove: context.serverHeader } : {}) };
  return reusedHost(`route-table|${name}`, hosts, tableVariant, () => routeConfigurationWire(name, hosts, fields, () => buildRouteConfigurationJson(name, virtualHosts, context)));
}

/**
 * The table's proto3 JSON: what the wire bytes encode, built only when read (WireResource), outside
 * any build cache, and not kept.
 */
function buildRouteConfigurationJson(name: string, virtualHosts: VirtualHostIR[], context: RouteTableContext): Proto3Json {
  const resource: Proto3Json = {
    name,
    virtualHosts: uniqueDomains(virtualHosts).map((vh) => {
      const check = context.serverHeader && vh.server !== undefined ? misdirectedRoute(context.serverHeader, vh.server) : undefined;
      return {
        name: vh.name,
        domains: vh.domains,
        routes: [...(check ? [check] : []), ...vh.routes.flatMap((r) => buildRoutes(r, context))],
      };
    }),
    ignorePortInHostMatching: true,
  };
  // The server header is Envoy's own bookkeeping: backends never see it.
  if (context.serverHeader) resource.requestHeadersToRemove = [context.serverHeader];
  if (context.spanName) resource.virtualHosts = withSpanName(resource.virtualHosts as Proto3Json[], context.spanName);
  return resource;
}

/**
 * Envoy names a request's span after the route's decorator operation (route_components.proto
 * Decorator); without one, after the host and path. Copies: the routes are shared with other tables.
 */
function withSpanName(virtualHosts: Proto3Json[], operation: string): Proto3Json[] {
  return virtualHosts.map((vh) => ({ ...vh, routes: (vh.routes as Proto3Json[]).map((r) => ({ ...r, decorator: { operation } })) }));
}

/**
 * Envoy refuses a RouteConfiguration in which two virtual hosts share a domain (compared without
 * case), which would take every host of the listener down, and vhost names are statistics scopes.
 * The translator never produces either; should it, the first virtual host keeps the domain and a
 * virtual host left without domains is dropped.
 */
function uniqueDomains(virtualHosts: VirtualHostIR[]): VirtualHostIR[] {
  const domains = new Set<string>();
  const names = new Set<string>();
  const out: VirtualHostIR[] = [];
  for (const vh of virtualHosts) {
    const own = vh.domains.filter((d) => !domains.has(d.toLowerCase()));
    if (own.length === 0) continue;
    for (const d of own) domains.add(d.toLowerCase());
    let name = vh.name;
    for (let i = 2; names.has(name); i++) name = `${vh.name}#${i}`;
    names.add(name);
    out.push({ ...vh, name, domains: own });
  }
  return out;
}

/**
 * First route of a host that belongs to HTTPS server `server`: a request that came through another
 * server's connection (its SNI chose another listener) gets 421 Misdirected Request (RFC 9110
 * §15.5.20), so the client opens a new connection whose SNI selects `server`. Named after `server`,
 * which access logs show as the route name.
 */
function misdirectedRoute(header: string, server: string): Proto3Json {
  return {
    name: `misdirected:${server}`,
    match: { prefix: '/', headers: [{ name: header, stringMatch: { exact: server }, invertMatch: true }] },
    directResponse: { status: 421 },
  };
}
