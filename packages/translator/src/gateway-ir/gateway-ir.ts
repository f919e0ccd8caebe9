/**
 * Assembles one Gateway's IR from its programmable listeners and the routes attached to them:
 * listeners that share a port become one Envoy listener (HTTP: one route table; HTTPS and TLS: one
 * server per SNI, the HTTPS ones sharing one route table), and every backend referenced is listed once.
 */
import type { BackendIR, GatewayIR, ListenerIR, TLSServerIR } from '@portico/ir';
import { referencedBackendNames } from './referenced-backend-names.js';
import { gatewayBackends } from './gateway-backends.js';
import type { TranslationContext } from '../context.js';
import { withClientCertificate } from '../backends/backend-client-certificate.js';
import type { GatewayState } from '../gateways/gateways.js';
import { compareHostnameSpecificity, owningListener, routeHostnameBehind } from '../routes/hostnames.js';
import { mergedListeners } from '../gateways/listener-sets.js';
import { buildHTTPSRouteTable } from './https-route-table.js';
import { isProgrammable, type ListenerState } from '../gateways/listeners.js';
import { compareOrigins } from './precedence.js';
import type { TranslatedRoute } from '../routes/translated-route.js';
import { buildVirtualHosts, type HostnameShadowing, type ListenerRoutes } from './virtual-hosts.js';
import { anySecurityPolicy, recordGatewaySecurityAncestors, securedEntries } from '../policies/security-policy-routes.js';
import { anyRateLimitPolicy, rateLimitedEntries, recordGatewayRateLimitAncestors } from '../policies/rate-limit-policy-routes.js';
import { gatewayTracing } from '../policies/telemetry-policy.js';
import { gatewayAccessLogs } from '../policies/access-log-policy.js';
import { gatewayRateLimitService } from '../policies/rate-limit-service.js';

const LISTEN_ADDRESS = '0.0.0.0';

/** A route accepted on one listener of this gateway. */
export interface AcceptedAttachment {
  route: TranslatedRoute;
  listener: ListenerState;
  hostnames: string[];
}

/** `shadowing`, when given, receives the shadowed route matches of every listener hostname. */
export function buildGatewayIR(ctx: TranslationContext, state: GatewayState, attached: readonly AcceptedAttachment[], shadowing?: HostnameShadowing[]): GatewayIR {
  // Orderings are kept for the next translation only by a long-lived translator (one with a cache).
  const reuse = { reuse: ctx.cache !== undefined };
  const groups = new Map<string, ListenerState[]>();
  // GEP-1713: the Gateway's listeners and those of its attached ListenerSets are served as one list.
  for (const l of mergedListeners(state).filter(isProgrammable)) {
    const key = `${l.portClass}-${l.spec.port}`;
    const group = groups.get(key);
    if (group) group.push(l);
    else groups.set(key, [l]);
  }
  // A listener counts each route on it once (translate.ts), so a count equal to the gateway's whole
  // list means every attachment is on that listener (the usual single-listener table): no filtering.
  const routesOf = (l: ListenerState) => (l.attachedRoutes === attached.length ? attached : attached.filter((a) => a.listener === l));
  recordGatewaySecurityAncestors(ctx, state.key, (state.gateway.spec.listeners ?? []).map((l) => l.name));
  recordGatewayRateLimitAncestors(ctx, state.key, (state.gateway.spec.listeners ?? []).map((l) => l.name));
  const httpServed = (served: readonly AcceptedAttachment[]) => httpRoutesServed(ctx, state.key, served);
  const listeners: ListenerIR[] = [];
  for (const [key, group] of groups) {
    const port = group[0]!.spec.port;
    const common = { address: LISTEN_ADDRESS, port, sources: group.map((l) => l.irName) };
    switch (group[0]!.portClass) {
      case 'http':
        listeners.push({ type: 'HTTP', name: `http-${port}`, ...common, virtualHosts: buildVirtualHosts(group.flatMap((l) => httpServed(routesOf(l))), group, shadowing, reuse) });
        break;
      case 'sni': {
        const https = group.filter((l) => l.spec.protocol === 'HTTPS');
        const servers = sortServers(group.flatMap((l) => tlsServers(l, group, routesOf(l))));
        const shared = https.length > 0 ? { virtualHosts: buildHTTPSRouteTable(https.flatMap((l) => httpServed(routesOf(l))), group, shadowing, reuse) } : {};
        listeners.push({ type: 'TLS', name: `tls-${port}`, ...common, servers, ...shared });
        break;
      }
      case 'tcp':
      case 'udp': {
        const oldest = [...routesOf(group[0]!)].sort((a, b) => compareOrigins(origin(a.route), origin(b.route)))[0];
        const type = group[0]!.portClass === 'tcp' ? 'TCP' : 'UDP';
        listeners.push({ type, name: key, ...common, ...(oldest?.route.l4 ? { route: oldest.route.l4 } : {}) } as ListenerIR);
        break;
      }
    }
  }
  listeners.sort((a, b) => a.port - b.port || (a.type === 'UDP' ? 1 : 0) - (b.type === 'UDP' ? 1 : 0));
  const tracing = gatewayTracing(ctx, state.key);
  const accessLogs = gatewayAccessLogs(ctx, state).logs;
  const collectors = accessLogs.flatMap((l) => l.sinks.flatMap((s) => (s.type === 'OpenTelemetry' ? [s.backend] : [])));
  return {
    name: state.key,
    gatewayClass: state.gateway.spec.gatewayClassName,
    listeners,
    backends: referencedBackends(ctx, listeners, [...(tracing ? [tracing.backend] : []), ...collectors], state.key).map((b) => withClientCertificate(b, state.backendClientCertificate)),
    ...(tracing ? { tracing } : {}),
    ...(accessLogs.length > 0 ? { accessLogs } : {}),
    ...gatewayRateLimitService(ctx, state.key, listeners),
  };
}

/**
 * The last ListenerRoutes made of each attachment: an unchanged route settles into the very
 * attachment of last time (translate.ts), so a one-route edit makes one ListenerRoutes, not 10,000.
 */
const servedOf = new WeakMap<AcceptedAttachment, ListenerRoutes>();

/** Each attachment's route entries as its listener serves them: with the SecurityPolicy and the RateLimitPolicy that apply there. */
function httpRoutesServed(ctx: TranslationContext, gatewayKey: string, attached: readonly AcceptedAttachment[]): ListenerRoutes[] {
  // With policies, asked for every attachment: applying them also records their ancestors.
  const policies = anySecurityPolicy(ctx) || anyRateLimitPolicy(ctx);
  return attached.map((a) => {
    const entries = policies ? rateLimitedEntries(ctx, gatewayKey, a.listener, a.route.route, securedEntries(ctx, gatewayKey, a.listener, a.route.route, a.route.entries)) : a.route.entries;
    const last = ctx.cache ? servedOf.get(a) : undefined;
    if (last?.entries === entries) return last;
    const served: ListenerRoutes = { listener: a.listener, hostnames: a.hostnames, routeHostnames: routeHostnames(a.route), entries };
    if (ctx.cache) servedOf.set(a, served);
    return served;
  });
}

function tlsServers(listener: ListenerState, peers: ListenerState[], attached: readonly AcceptedAttachment[]): TLSServerIR[] {
  const serverNames = listener.spec.hostname ? [listener.spec.hostname] : [];
  if (listener.spec.protocol === 'HTTPS') {
    return [{
      mode: 'HTTPS',
      name: listener.irName,
      source: listener.irName,
      serverNames,
      certificates: listener.certificates,
      ...(listener.clientValidation ? { clientValidation: listener.clientValidation } : {}),
      alpn: ['h2', 'http/1.1'],
      // The port's HTTPS listeners share one table (https-route-table.ts), on the TLS listener.
      virtualHosts: [],
    }];
  }
  // TLS listeners: each SNI goes to the route claiming it on the listener that owns it whose own hostname
  // is the most specific (GatewayRouteHostnameIntersectionPrecedence), then the oldest. A TCPRoute, on a
  // Terminate listener only, claims the listener's hostname, or every SNI without one; having no
  // hostnames of its own, it ranks after any TLSRoute claiming the same SNI.
  const peerHostnames = peers.map((l) => l.spec.hostname);
  const claims: { a: AcceptedAttachment; sni: string; behind: string }[] = [];
  for (const a of attached) {
    if (!a.route.l4) continue;
    for (const sni of a.hostnames) {
      if (sni !== '*' && peers[owningListener(peerHostnames, sni)] !== listener) continue;
      claims.push({ a, sni, behind: routeHostnameBehind(listener.spec.hostname, routeHostnames(a.route), sni) });
    }
  }
  claims.sort((x, y) => compareHostnameSpecificity(x.behind, y.behind) || compareOrigins(origin(x.a.route), origin(y.a.route)));
  const won = new Map<AcceptedAttachment, string[]>();
  const claimed = new Set<string>();
  for (const { a, sni } of claims) {
    if (claimed.has(sni)) continue;
    claimed.add(sni);
    won.set(a, [...(won.get(a) ?? []), sni]);
  }
  const servers: TLSServerIR[] = [];
  for (const [a, snis] of won) {
    if (!a.route.l4) continue;
    const names = snis.filter((h) => h !== '*');
    const common = { name: tlsServerName(listener, a.route), source: listener.irName, serverNames: names.sort(compareHostnameSpecificity) };
    // Passthrough forwards the client's own TLS untouched; Terminate re-encrypts where a BackendTLSPolicy applies.
    servers.push(
      listener.spec.tls?.mode === 'Passthrough'
        ? { mode: 'Passthrough', ...common, route: a.route.l4 }
        : { mode: 'Terminate', ...common, route: a.route.l4Terminate ?? a.route.l4, certificates: listener.certificates, ...(listener.clientValidation ? { clientValidation: listener.clientValidation } : {}) },
    );
  }
  return servers;
}

/**
 * `<listener>/<namespace>/<route>` for a TLSRoute, `<listener>/TCPRoute/<namespace>/<route>` for a
 * TCPRoute (a namespace is lowercase, so the two never meet).
 */
function tlsServerName(listener: ListenerState, route: TranslatedRoute): string {
  const { kind, namespace, name } = route.l4!.source;
  return `${listener.irName}/${kind === 'TLSRoute' ? '' : `${kind}/`}${namespace}/${name}`;
}

/** TLSListenerIR.servers order: most specific SNI first, the catch-all (no serverNames) last. */
function sortServers(servers: TLSServerIR[]): TLSServerIR[] {
  const key = (s: TLSServerIR) => s.serverNames[0] ?? '*';
  return servers.sort((a, b) => compareHostnameSpecificity(key(a), key(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The hostnames written on an HTTPRoute, GRPCRoute or TLSRoute. */
function routeHostnames(route: TranslatedRoute): readonly string[] | undefined {
  return 'hostnames' in route.route.spec ? route.route.spec.hostnames : undefined;
}

function origin(route: TranslatedRoute) {
  const m = route.route.metadata;
  return { creationTimestamp: m.creationTimestamp ?? '', key: `${m.namespace}/${m.name}`, rule: 0, match: 0 };
}

/**
 * Every backend the listeners send to (destinations, mirrors and external auth services), and the
 * gateway's own (`extra`: a tracing collector), once, by name.
 */
export function referencedBackends(ctx: TranslationContext, listeners: ListenerIR[], extra: readonly string[] = [], gateway?: string): BackendIR[] {
  const memo = gateway !== undefined ? ctx.cache?.backendNames(gateway) : undefined;
  return gatewayBackends(ctx, referencedBackendNames(listeners, extra, memo), memo);
}
