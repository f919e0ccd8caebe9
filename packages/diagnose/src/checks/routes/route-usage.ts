/**
 * Which gateways serve which routes, read from the IR each gateway's Envoys are given: a route that
 * reaches no gateway's IR carries no traffic, so its backends and certificates matter to nobody (the
 * Route link says why it did not attach). Ingresses appear under their IngressClass's synthetic gateway
 * (`ingressclass/<name>`).
 */
import type { GatewayIR, HTTPRouteIR, L4RouteIR, VirtualHostIR } from '@portico/ir';
import type { DiagnoseInput } from '../../findings.js';

/** `Kind/namespace/name` of a route or Ingress. */
export function routeKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Per gateway (in key order), the routes its IR serves, as `Kind/namespace/name` keys. */
export function routesPerGateway(input: DiagnoseInput): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [gateway, ir] of input.translation.gateways) {
    const routes = new Set<string>();
    for (const r of irRoutes(ir)) routes.add(routeKey(r.source.kind, r.source.namespace, r.source.name));
    out.set(gateway, routes);
  }
  return out;
}

/** Every route a gateway's IR serves: HTTP routes of every virtual host, and L4 routes. */
export function* irRoutes(ir: GatewayIR): Iterable<HTTPRouteIR | L4RouteIR> {
  const fromHosts = function* (hosts: readonly VirtualHostIR[] | undefined) {
    for (const v of hosts ?? []) yield* v.routes;
  };
  for (const l of ir.listeners) {
    if (l.type === 'HTTP') yield* fromHosts(l.virtualHosts);
    else if (l.type === 'TLS') {
      yield* fromHosts(l.virtualHosts);
      for (const s of l.servers) {
        if (s.mode === 'HTTPS') yield* fromHosts(s.virtualHosts);
        else if (s.route) yield s.route;
      }
    } else if (l.route) yield l.route;
  }
}

/**
 * The hosts an HTTPS server of a gateway serves (its own virtual hosts, or its share of the port's
 * table), without the catch-all `*`: what the server's certificates must cover.
 */
export function httpsServerHosts(ir: GatewayIR, serverName: string): string[] {
  const hosts = new Set<string>();
  for (const l of ir.listeners) {
    if (l.type !== 'TLS') continue;
    for (const v of l.virtualHosts ?? []) if (v.server === serverName) hosts.add(v.name);
    for (const s of l.servers) if (s.mode === 'HTTPS' && s.name === serverName) for (const v of s.virtualHosts) hosts.add(v.name);
  }
  hosts.delete('*');
  return [...hosts].sort();
}
