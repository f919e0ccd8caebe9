/**
 * What Envoy answers once a route is chosen: a direct response, a redirect (Location built as
 * Http::Utility::newUri builds it), or a forward to clusters, whose fate depends on the cluster (in
 * CDS or not) and its endpoints (EDS: healthy hosts or none). A local reply (Envoy's own 503 "no
 * healthy upstream", response flag UH) goes through the connection manager's local_reply_config
 * mappers, which is how an invalid backend's share becomes the 500 Gateway API asks for.
 */
import { headerCondition } from './route-match.js';
import type { ExplainRequest } from './request.js';
import { rewrittenPath } from './rewrite.js';
import { asArray, asObject, type Json, type XdsView } from './xds-view.js';

export interface BackendOutcome {
  cluster: string;
  weight: number;
  /** Healthy endpoints `address:port` (for DNS clusters, the names Envoy resolves). */
  endpoints: string[];
  /** The status a request sent to this share gets: 0 when forwarded. */
  status: number;
  /** Why it is not forwarded, when it is not. */
  failure?: 'no-endpoints' | 'cluster-not-found';
  /** Why, in words, when not forwarded. */
  reason?: string;
  /** The share's own header mutations and host rewrite (a backendRef's filters). */
  filters?: string[];
}

const REDIRECT_CODES: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** The redirect's status and Location (Http::Utility::newUri, with the route's path rewrites). */
export function redirectOutcome(redirect: Json, match: Json, request: ExplainRequest, path: string): { status: number; location: string } {
  const status = REDIRECT_CODES[String(redirect.responseCode ?? 'MOVED_PERMANENTLY')] ?? 301;
  const scheme = typeof redirect.schemeRedirect === 'string' ? redirect.schemeRedirect : redirect.httpsRedirect === true ? 'https' : request.scheme;
  const port = redirect.portRedirect !== undefined ? `:${String(redirect.portRedirect)}` : '';
  const host = typeof redirect.hostRedirect === 'string' ? redirect.hostRedirect : requestHost(request, scheme, port);
  let finalPath: string;
  if (typeof redirect.pathRedirect === 'string') {
    const q = path.indexOf('?');
    finalPath = redirect.pathRedirect.includes('?') || q === -1 ? redirect.pathRedirect : `${redirect.pathRedirect}${path.slice(q)}`;
  } else {
    finalPath = rewrittenPath(redirect, match, path);
  }
  if (!finalPath.startsWith('/')) finalPath = `/${finalPath}`;
  if (redirect.stripQuery === true && !(typeof redirect.pathRedirect === 'string' && redirect.pathRedirect.includes('?'))) finalPath = finalPath.replace(/\?.*$/, '');
  return { status, location: `${scheme}://${host}${port}${finalPath}` };
}

/**
 * processRequestHost: the request's Host, without its port when a port_redirect is set, or when the
 * scheme changes and the port is the old scheme's default (`:80` leaving http, `:443` leaving https).
 */
function requestHost(request: ExplainRequest, newScheme: string, newPort: string): string {
  const host = request.authority;
  const end = host.startsWith('[') ? (host.lastIndexOf(']:') === -1 ? -1 : host.lastIndexOf(']:') + 1) : host.lastIndexOf(':');
  if (end === -1) return host;
  const requestPort = host.slice(end);
  let remove = newPort !== '';
  if (newScheme !== request.scheme) {
    remove ||= request.scheme === 'https' && requestPort === ':443';
    remove ||= request.scheme === 'http' && requestPort === ':80';
  }
  return remove ? host.slice(0, end) : host;
}

/** The shares of a RouteAction: `cluster` (weight 100 %) or `weighted_clusters`. */
export function routeShares(action: Json): { cluster: string; weight: number; entry: Json }[] {
  if (typeof action.cluster === 'string') return [{ cluster: action.cluster, weight: 1, entry: {} }];
  return asArray(asObject(action.weightedClusters).clusters).map((c) => ({ cluster: String(c.name ?? ''), weight: Number(c.weight ?? 0), entry: c }));
}

/** What a request sent to `cluster` gets, after the connection manager's local reply mappers. */
export function clusterOutcome(view: XdsView, hcm: Json, cluster: string, weight: number, request: ExplainRequest): BackendOutcome {
  const definition = view.clusters.get(cluster);
  if (!definition) {
    return { cluster, weight, endpoints: [], status: mapLocalReply(hcm, 503, 'NC', cluster, request), failure: 'cluster-not-found', reason: `cluster ${cluster} is not in CDS (Envoy: cluster not found, 503)` };
  }
  const assignment = definition.type === 'LOGICAL_DNS' || definition.type === 'STRICT_DNS' || definition.type === 'STATIC' ? asObject(definition.loadAssignment) : view.endpoints.get(String(asObject(definition.edsClusterConfig).serviceName ?? cluster)) ?? asObject(definition.loadAssignment);
  const all = asArray(assignment.endpoints).flatMap((locality) => asArray(locality.lbEndpoints));
  const usable = all.filter((e) => !['UNHEALTHY', 'DRAINING', 'TIMEOUT'].includes(String(e.healthStatus ?? 'UNKNOWN')));
  const endpoints = (usable.length > 0 ? usable : all).map(endpointAddress);
  if (all.length === 0) {
    const status = mapLocalReply(hcm, 503, 'UH', cluster, request);
    const reason = status === 503 ? `cluster ${cluster} has no endpoints (Envoy: no healthy upstream, 503)` : `cluster ${cluster} has no endpoints; the connection manager's local reply config turns that 503 into ${status}`;
    return { cluster, weight, endpoints, status, failure: 'no-endpoints', reason };
  }
  // No healthy host at all puts Envoy's load balancer in panic mode: it balances over every host.
  return { cluster, weight, endpoints, status: 0, ...(usable.length === 0 ? { reason: 'no endpoint is healthy: Envoy balances over all of them (panic mode)' } : {}) };
}

function endpointAddress(lbEndpoint: Json): string {
  const socket = asObject(asObject(asObject(lbEndpoint.endpoint).address).socketAddress);
  const address = String(socket.address ?? '?');
  return `${address.includes(':') ? `[${address}]` : address}:${String(socket.portValue ?? '?')}`;
}

/** Runs local_reply_config.mappers on a local reply: the first whose filter holds rewrites the status. */
export function mapLocalReply(hcm: Json, status: number, flag: string, cluster: string, request: ExplainRequest): number {
  for (const mapper of asArray(asObject(hcm.localReplyConfig).mappers)) {
    if (accessLogFilterHolds(asObject(mapper.filter), { status, flag, cluster, request })) {
      return typeof mapper.statusCode === 'number' ? mapper.statusCode : status;
    }
  }
  return status;
}

interface LocalReply {
  status: number;
  flag: string;
  cluster: string;
  request: ExplainRequest;
}

/** The AccessLogFilter kinds a mapper may use (and, or, response flags, headers, status, a CEL `xds.cluster_name ==`). */
function accessLogFilterHolds(filter: Json, reply: LocalReply): boolean {
  if (filter.andFilter) return asArray(asObject(filter.andFilter).filters).every((f) => accessLogFilterHolds(f, reply));
  if (filter.orFilter) return asArray(asObject(filter.orFilter).filters).some((f) => accessLogFilterHolds(f, reply));
  if (filter.responseFlagFilter) {
    const flags = asArray(asObject(filter.responseFlagFilter).flags) as unknown as string[];
    return flags.length === 0 || flags.includes(reply.flag);
  }
  if (filter.headerFilter) return headerCondition(asObject(asObject(filter.headerFilter).header), reply.request).holds;
  if (filter.statusCodeFilter) {
    const comparison = asObject(asObject(filter.statusCodeFilter).comparison);
    const value = Number(asObject(comparison.value).defaultValue ?? 0);
    return comparison.op === 'GE' ? reply.status >= value : comparison.op === 'LE' ? reply.status <= value : reply.status === value;
  }
  if (filter.extensionFilter) {
    const expression = String(asObject(asObject(filter.extensionFilter).typedConfig).expression ?? '');
    const m = /^\s*xds\.cluster_name\s*==\s*("(?:[^"\\]|\\.)*")\s*$/.exec(expression);
    return m ? reply.cluster === (JSON.parse(m[1]!) as string) : false;
  }
  return false;
}
