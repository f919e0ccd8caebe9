/**
 * The SecurityPolicy HTTP filters of a connection manager, installed only when a route of its table
 * uses them (its typed_per_filter_config names them, routes/security-per-route.ts), in this order:
 * RBAC (client IP lists, cheapest refusal first), basic auth, API keys, JWT. Each does nothing on
 * routes that do not configure it: RBAC and JWT have no filter-level rules, basic auth and API key
 * auth are installed `disabled` and enabled by the routes' per-route configs.
 */
import type { Proto3Json } from '@portico/envoy';
import type { BasicAuthIR, JWTProviderIR, VirtualHostIR } from '@portico/ir';
import { durationFromMs } from '../proto-duration.js';
import { API_KEY_AUTH_FILTER, basicAuthFilterName, JWT_AUTHN_FILTER, RBAC_FILTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

/** What the security filters of one route table need beyond the per-route configs. */
export interface SecurityFilterSet {
  /** Basic auth settings by filter name. */
  basicAuths: Map<string, BasicAuthIR>;
  /** JWT providers by requirement name (the policy, `namespace/name`). */
  jwtRequirements: Map<string, JWTProviderIR[]>;
}

/** Envoy's JWKS fetch timeout default is 1 s; a cold identity provider may need more. */
const JWKS_FETCH_TIMEOUT = '5s';

export function securityFilterSet(virtualHosts: readonly VirtualHostIR[]): SecurityFilterSet {
  const basicAuths = new Map<string, BasicAuthIR>();
  const jwtRequirements = new Map<string, JWTProviderIR[]>();
  for (const host of virtualHosts) {
    for (const route of host.routes) {
      const security = route.security;
      if (security?.basicAuth) basicAuths.set(basicAuthFilterName(security.policy), security.basicAuth);
      if (security?.jwt) jwtRequirements.set(security.policy, security.jwt.providers);
    }
  }
  return { basicAuths, jwtRequirements };
}

/** The filters `perFilter` (the filter names the table's routes configure) asks for, in filter-chain order. */
export function securityHttpFilters(perFilter: ReadonlySet<string>, set: SecurityFilterSet | undefined): Proto3Json[] {
  const filters: Proto3Json[] = [];
  // No rules: the filter enforces nothing unless a route's RBACPerRoute gives it some.
  if (perFilter.has(RBAC_FILTER)) filters.push({ name: RBAC_FILTER, typedConfig: typedConfig('envoy.extensions.filters.http.rbac.v3.RBAC') });
  for (const [name, basic] of [...(set?.basicAuths ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!perFilter.has(name)) continue;
    const config: Proto3Json = { users: { inlineString: basic.htpasswd } };
    if (basic.forwardUsernameHeader) config.forwardUsernameHeader = basic.forwardUsernameHeader;
    filters.push({ name, typedConfig: typedConfig('envoy.extensions.filters.http.basic_auth.v3.BasicAuth', config), disabled: true });
  }
  if (perFilter.has(API_KEY_AUTH_FILTER)) {
    filters.push({ name: API_KEY_AUTH_FILTER, typedConfig: typedConfig('envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth'), disabled: true });
  }
  if (perFilter.has(JWT_AUTHN_FILTER) && set?.jwtRequirements.size) filters.push(jwtAuthnFilter(set.jwtRequirements));
  return filters;
}

/**
 * One JwtAuthentication for the table: every provider of every policy (names are
 * `<namespace>/<policy>/<provider>`, unique), and one requirement per policy that any of its providers
 * satisfies. No `rules`: only routes whose PerRouteConfig names a requirement verify tokens.
 */
function jwtAuthnFilter(requirements: ReadonlyMap<string, JWTProviderIR[]>): Proto3Json {
  const providers: Proto3Json = {};
  const requirementMap: Proto3Json = {};
  for (const [policy, list] of [...requirements].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const p of list) providers[p.name] = jwtProvider(p);
    requirementMap[policy] = list.length === 1 ? { providerName: list[0]!.name } : { requiresAny: { requirements: list.map((p) => ({ providerName: p.name })) } };
  }
  return { name: JWT_AUTHN_FILTER, typedConfig: typedConfig('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', { providers, requirementMap }) };
}

function jwtProvider(p: JWTProviderIR): Proto3Json {
  const out: Proto3Json = {};
  if (p.issuer) out.issuer = p.issuer;
  if (p.audiences?.length) out.audiences = p.audiences;
  if (p.localJWKS !== undefined) out.localJwks = { inlineString: p.localJWKS };
  if (p.remoteJWKS) {
    out.remoteJwks = {
      httpUri: { uri: p.remoteJWKS.uri, cluster: p.remoteJWKS.backend, timeout: JWKS_FETCH_TIMEOUT },
      cacheDuration: durationFromMs(p.remoteJWKS.cacheDurationMs),
      // Fetched when the listener starts and refreshed before expiry, so no request waits for it.
      asyncFetch: {},
    };
  }
  // Default: the token is removed before the request reaches the backend.
  if (p.forwardToken) out.forward = true;
  if (p.claimToHeaders?.length) out.claimToHeaders = p.claimToHeaders.map((c) => ({ headerName: c.header, claimName: c.claim }));
  return out;
}
