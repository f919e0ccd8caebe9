/**
 * Deterministic xDS resource names. Each name is derived only from what it names, so editing one
 * route or listener never renames another resource (Envoy would drain and re-warm it).
 */
import { createHash } from 'node:crypto';
import type { BackendIR, CertificateIR, ExternalAuthIR, GatewayIR, ListenerIR, TLSServerIR } from '@portico/ir';

/** `default/eg/http-80`. */
export function listenerName(gateway: GatewayIR, listener: ListenerIR): string {
  return `${gateway.name}/${listener.name}`;
}

/** The route table of a cleartext HTTP listener: named like the listener. */
export function httpRouteConfigName(gateway: GatewayIR, listener: ListenerIR): string {
  return `${gateway.name}/${listener.name}`;
}

/** The route table the HTTPS servers of a TLS port share (Gateway listeners): named like the listener, `default/eg/tls-443`. */
export function httpsSharedRouteConfigName(gateway: GatewayIR, listener: ListenerIR): string {
  return `${gateway.name}/${listener.name}`;
}

/** The route table of one HTTPS server (SNI filter chain, Ingress): `default/eg/tls-443/https`. */
export function httpsRouteConfigName(gateway: GatewayIR, listener: ListenerIR, server: TLSServerIR): string {
  return `${gateway.name}/${listener.name}/${server.name}`;
}

/**
 * The cluster of a UDP listener (udp-clusters.ts): `portico/udp/default/eg/udp-53`. Five segments,
 * so it never collides with a backend's four (`<namespace>/<service>/<port>/<protocol>`); named
 * after the listener, so an edit of its route changes only the endpoint set.
 */
export function udpListenerClusterName(gateway: GatewayIR, listener: ListenerIR): string {
  return `portico/udp/${gateway.name}/${listener.name}`;
}

export function clusterName(backend: BackendIR): string {
  return backend.name;
}

/** SDS secret of a listener certificate: `<namespace>/<secret name>`, shared by every listener using it. */
export function certificateSecretName(certificate: CertificateIR): string {
  return certificate.secret;
}

/**
 * Requests given to an invalid backend (a backendRef that does not resolve) go to this cluster, which
 * has no endpoints; the connection manager's local reply config, keyed on this cluster's name, turns
 * that "no healthy upstream" into the 500 the spec requires for that share of the weight.
 */
export const INVALID_BACKEND_CLUSTER = 'portico/invalid-backend';
/**
 * Added to the invalid share's weighted-cluster entry: a label for readers of config dumps only.
 * Envoy adds weighted-cluster headers after choosing an upstream host, which this cluster never has.
 */
export const INVALID_BACKEND_HEADER = 'x-portico-invalid-backend';

/**
 * Set on every request by the connection manager of an HTTPS filter chain to its server's name, before
 * routing (early header mutation, overwriting whatever the client sent), so a shared route table can
 * tell which SNI chain a request came through; removed before the request goes upstream.
 */
export const HTTPS_SERVER_HEADER = 'x-portico-https-server';

/** TCP/UDP connections given to an invalid backend go here: no endpoints, so they are refused. */
export const BLACKHOLE_CLUSTER = 'portico/blackhole';

/**
 * HTTP filter names, shared by the connection manager (which installs the filter) and the route
 * table (which keys `typed_per_filter_config` by the same name; Envoy matches them by name).
 */
export const CORS_FILTER = 'envoy.filters.http.cors';
export const STATEFUL_SESSION_FILTER = 'envoy.filters.http.stateful_session';
export const ROUTER_FILTER = 'envoy.filters.http.router';
/** RateLimitPolicy's local rate limit (rate-limit.ts): one per connection manager, limits only in per-route configs. */
export const LOCAL_RATE_LIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
export const BUFFER_FILTER = 'envoy.filters.http.buffer';
/** SecurityPolicy filters (security-filters.ts): client IP lists, API keys and JWT, one each per connection manager. */
export const RBAC_FILTER = 'envoy.filters.http.rbac';
export const API_KEY_AUTH_FILTER = 'envoy.filters.http.api_key_auth';
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** RateLimitPolicy's global rate limit (rate-limit-global.ts): asks the envoyproxy/ratelimit service. */
export const GLOBAL_RATE_LIMIT_FILTER = 'envoy.filters.http.ratelimit';
/** The envoyproxy/ratelimit service's gRPC endpoint (GatewayIR.rateLimitService). */
export const RATE_LIMIT_SERVICE_CLUSTER = 'portico/ratelimit';
const BASIC_AUTH_FILTER_PREFIX = 'envoy.filters.http.basic_auth/';

/** Basic auth: one filter per SecurityPolicy (`forward_username_header` exists only at filter level). */
export function basicAuthFilterName(policy: string): string {
  return `${BASIC_AUTH_FILTER_PREFIX}${policy}`;
}

/**
 * One ext_authz HTTP filter per distinct external auth service configuration (GEP-1494 ExternalAuth):
 * `envoy.filters.http.ext_authz/<backend>/<hash of the settings>`. The connection manager installs it
 * disabled and each route using it enables it by this name (typed_per_filter_config); Envoy picks the
 * filter's code by its config type, so the suffix is free. Named after the settings, not the route,
 * so rules sharing an auth service share one filter and an edit of one route renames nothing else.
 */
export const EXT_AUTHZ_FILTER_PREFIX = 'envoy.filters.http.ext_authz/';

export function extAuthzFilterName(auth: ExternalAuthIR): string {
  const fields: unknown[] = [
    auth.protocol,
    auth.pathPrefix ?? null,
    auth.allowedRequestHeaders ?? null,
    auth.allowedResponseHeaders ?? null,
    auth.forwardBodyMaxBytes ?? null,
  ];
  // Appended only when set, so the names of filters without them (and Envoy's filter chains) stay as they were.
  if (auth.pathOverride !== undefined) fields.push({ pathOverride: auth.pathOverride });
  if (auth.allRequestHeaders) fields.push({ allRequestHeaders: true });
  if (auth.clientResponseHeaders) fields.push({ clientResponseHeaders: auth.clientResponseHeaders });
  if (auth.failOpen) fields.push({ failOpen: true });
  if (auth.timeoutMs !== undefined) fields.push({ timeoutMs: auth.timeoutMs });
  const settings = JSON.stringify(fields);
  return `${EXT_AUTHZ_FILTER_PREFIX}${auth.backend}/${createHash('sha256').update(settings).digest('hex').slice(0, 10)}`;
}
