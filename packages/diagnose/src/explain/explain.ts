/**
 * `portico explain`: follows one request through a gateway's served xDS as Envoy would — listener
 * by port, filter chain by SNI, the connection manager's header mutations and path normalisation,
 * virtual host by Host, the first route whose match holds, then the route's answer — and says at
 * each step what was chosen, or why nothing was (the status Envoy answers with then).
 */
import { ruleOfRoute, type Explanation, type ExplainOutcome, type NearMiss } from './explanation.js';
import { earlyHeaderMutations, HTTP_CONNECTION_MANAGER, listenerForPort, listenerPort, networkFilter, routeConfigOf, selectFilterChain, TCP_PROXY } from './listener-select.js';
import { clusterOutcome, redirectOutcome, routeShares, type BackendOutcome } from './outcome.js';
import { escapedSlashes, normalizedPath, pathOnly, type ExplainRequest } from './request.js';
import { rewrittenPath as rewritten } from './rewrite.js';
import { routeFilters, shareFilters } from './route-filters.js';
import { evaluateRouteMatch } from './route-match.js';
import { selectVirtualHost } from './vhost-select.js';
import { asArray, asObject, xdsView, type Json, type XdsView } from './xds-view.js';

/** Near misses listed at most (a table of a thousand routes must not print a thousand lines). */
const NEAR_MISS_LIMIT = 10;

export function explainRequest(gateway: string, dump: unknown, request: ExplainRequest): Explanation {
  const view = xdsView(dump);
  const result = blank(gateway, request);
  const listener = listenerForPort(view, request.port);
  if (!listener) {
    const ports = [...new Set(view.listeners.map(listenerPort).filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
    return done(result, null, 'no-listener', `no listener of ${gateway} has port ${request.port} (its ports: ${ports.join(', ') || 'none'}); the connection is refused`);
  }
  result.listener = String(listener.name);
  const chain = selectFilterChain(listener, request);
  if (!chain) return done(result, null, 'connection-closed', `no filter chain of ${result.listener} accepts SNI ${JSON.stringify(request.sni ?? '')} and it has no default chain: Envoy closes the connection`);
  result.filterChain = chain.name;
  if (chain.serverName) result.serverName = chain.serverName;
  if (chain.tls && request.scheme === 'http') return done(result, null, 'connection-closed', `filter chain ${chain.name} terminates TLS: a cleartext request fails its handshake`);
  const hcm = networkFilter(chain.chain, HTTP_CONNECTION_MANAGER);
  if (!hcm) {
    const tcp = networkFilter(chain.chain, TCP_PROXY);
    const clusters = tcp ? (tcp.cluster ? [String(tcp.cluster)] : asArray(asObject(tcp.weightedClusters).clusters).map((c) => String(c.name))) : [];
    return done(result, null, 'not-http', `filter chain ${chain.name} ${tcp ? `proxies the connection as TCP to ${clusters.join(', ')}` : 'has no HTTP connection manager'}${chain.tls || request.scheme === 'http' ? '' : ' (TLS passed through)'}: no HTTP routing happens`);
  }
  if (!chain.tls && request.scheme === 'https') return done(result, null, 'connection-closed', `filter chain ${chain.name} is cleartext HTTP: a TLS handshake fails`);
  // A fragment in the request target is refused before routing (Envoy's default since
  // http_reject_path_with_fragment: "http.invalid_url"); found by the agreement test.
  if (request.path.includes('#')) return done(result, 400, 'bad-request', 'the path carries a fragment (#): Envoy refuses the request with 400 before routing');
  // The connection manager's early header mutations run before routing, over whatever the client sent.
  const routed: ExplainRequest = { ...request, headers: new Map(request.headers) };
  for (const { name, value } of earlyHeaderMutations(hcm)) routed.headers.set(name, [value]);
  const { name: tableName, table } = routeConfigOf(hcm, view);
  result.routeConfig = tableName;
  if (!table) return done(result, null, 'connection-closed', `route table ${tableName} is not served: Envoy keeps the listener warming and does not accept on it`);
  if (hcm.pathWithEscapedSlashesAction === 'UNESCAPE_AND_REDIRECT' && escapedSlashes(request.path)) {
    const unescaped = request.path.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
    result.redirect = normalizedPath(unescaped);
    return done(result, 307, 'redirect', 'the path has an escaped slash (%2F or %5C): the connection manager redirects to the unescaped path');
  }
  const path = normalizedPath(request.path, { dotSegments: hcm.normalizePath === true, mergeSlashes: hcm.mergeSlashes === true });
  result.request.path = path;
  const vhost = selectVirtualHost(table, request.authority);
  if (!vhost) {
    const domains = asArray(table.virtualHosts).flatMap((vh) => asArray(vh.domains) as unknown as string[]);
    return done(result, 404, 'no-virtual-host', `no virtual host of ${tableName} has a domain matching Host ${JSON.stringify(request.authority)} (domains: ${domains.join(', ') || 'none'}): Envoy answers 404`);
  }
  result.virtualHost = vhost.name;
  result.domain = vhost.domain;
  return routeRequest(result, view, hcm, vhost.virtualHost, routed, path);
}

function routeRequest(result: Explanation, view: XdsView, hcm: Json, vhost: Json, request: ExplainRequest, path: string): Explanation {
  const misses: (NearMiss & { pathHeld: boolean })[] = [];
  for (const route of asArray(vhost.routes)) {
    const name = String(route.name ?? '');
    const match = asObject(route.match);
    const evaluation = evaluateRouteMatch(match, request, path);
    if (!evaluation.matched) {
      const failed = evaluation.conditions.filter((c) => !c.holds);
      if (!name.startsWith('misdirected:')) misses.push({ route: name, rule: ruleOfRoute(name), failed: failed[0]!.condition, pathHeld: evaluation.conditions[0]!.holds });
      continue;
    }
    result.route = name;
    result.rule = ruleOfRoute(name);
    // Routes above the one taken whose path matched but another condition did not: the ones a user
    // likely meant (a header or method away).
    result.nearMisses = misses.filter((m) => m.pathHeld).slice(0, NEAR_MISS_LIMIT).map(stripCount);
    return routeAnswer(result, view, hcm, route, match, request, path);
  }
  // Nothing matched: the routes whose path matched first, then the others, in table order.
  result.nearMisses = [...misses.filter((m) => m.pathHeld), ...misses.filter((m) => !m.pathHeld)].slice(0, NEAR_MISS_LIMIT).map(stripCount);
  const count = asArray(vhost.routes).length;
  return done(result, 404, 'no-route', count === 0 ? `virtual host ${result.virtualHost} has no routes: Envoy answers 404` : `none of the ${count} routes of virtual host ${result.virtualHost} matches: Envoy answers 404`);
}

const stripCount = ({ route, rule, failed }: NearMiss & { pathHeld: boolean }): NearMiss => ({ route, rule, failed });

function routeAnswer(result: Explanation, view: XdsView, hcm: Json, route: Json, match: Json, request: ExplainRequest, path: string): Explanation {
  result.filters = routeFilters(route);
  if (route.directResponse) {
    const status = Number(asObject(route.directResponse).status ?? 200);
    if (String(route.name).startsWith('misdirected:')) {
      const owner = String(route.name).slice('misdirected:'.length);
      return done(result, status, 'misdirected', `Host ${JSON.stringify(request.authority)} belongs to HTTPS listener ${owner}, but the connection came through ${result.filterChain} (SNI ${JSON.stringify(request.sni ?? '')}): Envoy answers ${status} Misdirected Request`);
    }
    // A rule none of whose backendRefs resolves (and that carries nothing else to say) is answered 500
    // by the route itself (route-action.ts in @portico/xds): the one body-less 500 Portico writes.
    if (status === 500 && asObject(route.directResponse).body === undefined) {
      return done(result, 500, 'invalid-backend', 'the route answers 500 itself: none of its backendRefs resolves (portico diagnose names them)');
    }
    return done(result, status, 'direct-response', `the route answers ${status} itself`);
  }
  if (route.redirect) {
    const { status, location } = redirectOutcome(asObject(route.redirect), match, request, path);
    result.redirect = location;
    return done(result, status, 'redirect', `the route redirects with ${status} to ${location}`);
  }
  const action = asObject(route.route);
  const shares = routeShares(action).filter((s) => s.weight > 0);
  const total = shares.reduce((sum, s) => sum + s.weight, 0);
  result.backends = shares.map((s) => {
    const outcome = clusterOutcome(view, hcm, s.cluster, total > 0 ? Math.round((s.weight / total) * 10000) / 100 : 0, request);
    const extra = shareFilters(s.entry);
    return extra.length ? { ...outcome, filters: extra } : outcome;
  });
  if (result.backends.length === 0) return done(result, 503, 'cluster-not-found', 'the route names no cluster with weight: Envoy answers 503');
  // The status of the share that takes most of the traffic (all of it, usually).
  const main = [...result.backends].sort((a, b) => b.weight - a.weight)[0]!;
  const unanimous = result.backends.every((b) => b.status === main.status);
  // A share without endpoints answered 500 is the invalid-backend share (the local reply mapper's doing).
  const outcome: ExplainOutcome = main.status === 0 ? 'forwarded' : main.status === 500 && main.failure === 'no-endpoints' ? 'invalid-backend' : main.failure ?? 'no-endpoints';
  const share = unanimous ? '' : `; the other shares: ${result.backends.filter((b) => b.status !== main.status).map((b) => `${b.cluster} (${b.weight} %) → ${b.status || 'forwarded'}`).join(', ')}`;
  const forwardedTo = result.backends.length === 1 ? main.cluster : result.backends.filter((b) => b.status === 0).map((b) => `${b.cluster} (${b.weight} %)`).join(' or ');
  const reason = main.status === 0 ? `forwarded to ${forwardedTo}${pathChange(action, match, path)}` : main.reason ?? `answered ${main.status}`;
  return done(result, main.status, outcome, `${reason}${share}`);
}

function pathChange(action: Json, match: Json, path: string): string {
  if (action.prefixRewrite === undefined && action.regexRewrite === undefined) return '';
  return ` as ${pathOnly(rewritten(action, match, path))}`;
}

function blank(gateway: string, request: ExplainRequest): Explanation {
  const headers: Record<string, string> = {};
  for (const [name, values] of request.headers) if (!name.startsWith(':') && name !== 'host') headers[name] = values.join(',');
  return {
    gateway,
    request: {
      method: request.method,
      url: `${request.scheme}://${request.authority}${request.path}`,
      authority: request.authority,
      path: request.path,
      port: request.port,
      ...(request.sni === undefined ? {} : { sni: request.sni }),
      headers,
    },
    listener: null,
    filterChain: null,
    routeConfig: null,
    virtualHost: null,
    route: null,
    rule: null,
    status: null,
    outcome: 'no-listener',
    reason: '',
    redirect: null,
    backends: [],
    filters: [],
    nearMisses: [],
  };
}

function done(result: Explanation, status: number | null, outcome: ExplainOutcome, reason: string): Explanation {
  return { ...result, status, outcome, reason };
}

export type { BackendOutcome };

export class ExplainGatewayError extends Error {
  override readonly name = 'ExplainGatewayError';
}

/**
 * The gateway whose proxies would take the request: `gateway` when given, else the only one, else the
 * only one with a listener on the request's port; several candidates need --gateway.
 */
export function chooseGateway(xds: ReadonlyMap<string, unknown>, request: ExplainRequest, gateway?: string): string {
  if (gateway !== undefined) {
    if (!xds.has(gateway)) throw new ExplainGatewayError(`gateway ${gateway} has no served xDS (gateways: ${[...xds.keys()].join(', ') || 'none'})`);
    return gateway;
  }
  const all = [...xds.keys()];
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new ExplainGatewayError('no gateway has xDS: nothing to explain (are the Gateways accepted? see portico dump status)');
  const onPort = all.filter((g) => listenerForPort(xdsView(xds.get(g)), request.port));
  if (onPort.length === 1) return onPort[0]!;
  throw new ExplainGatewayError(`${onPort.length === 0 ? 'no gateway has' : 'several gateways have'} a listener on port ${request.port} (${(onPort.length ? onPort : all).join(', ')}): choose one with --gateway`);
}
