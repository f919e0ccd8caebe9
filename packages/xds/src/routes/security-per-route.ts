/**
 * A route's SecurityPolicy (SecurityIR) as typed_per_filter_config of the security filters the
 * connection manager installs (listeners/security-filters.ts):
 * - ipAccess → RBACPerRoute: one ALLOW policy whose principal is "in allow (when given) and not in
 *   deny", on `remote_ip` — the client address as the connection manager's XFF settings define it
 *   (use_remote_address: the peer, or the X-Forwarded-For entry of the trusted hop). Refused: 403.
 * - basicAuth → BasicAuthPerRoute with the htpasswd users, enabling the policy's basic_auth filter.
 * - apiKeyAuth → ApiKeyAuthPerRoute carrying the credentials, key sources and forwarding.
 * - jwt → PerRouteConfig naming the policy's requirement (any one of its providers).
 * None is optional: a client that cannot enforce them must refuse the route, never serve it open.
 */
import type { Proto3Json } from '@portico/envoy';
import type { SecurityIR } from '@portico/ir';
import { API_KEY_AUTH_FILTER, basicAuthFilterName, JWT_AUTHN_FILTER, RBAC_FILTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

export function securityPerFilterConfig(security: SecurityIR | undefined): Proto3Json {
  const out: Proto3Json = {};
  if (!security) return out;
  if (security.ipAccess) out[RBAC_FILTER] = typedConfig('envoy.extensions.filters.http.rbac.v3.RBACPerRoute', { rbac: { rules: ipAccessRules(security) } });
  if (security.basicAuth) {
    out[basicAuthFilterName(security.policy)] = typedConfig('envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute', {
      users: { inlineString: security.basicAuth.htpasswd },
    });
  }
  if (security.apiKeyAuth) {
    const auth = security.apiKeyAuth;
    const forwarding: Proto3Json = { hideCredentials: auth.hideCredentials };
    if (auth.forwardClientIDHeader) forwarding.header = auth.forwardClientIDHeader;
    out[API_KEY_AUTH_FILTER] = typedConfig('envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute', {
      credentials: auth.clients.map((c) => ({ key: c.apiKey, client: c.client })),
      keySources: auth.sources.map((s) => ('header' in s ? { header: s.header } : { query: s.queryParam })),
      forwarding,
    });
  }
  if (security.jwt) out[JWT_AUTHN_FILTER] = typedConfig('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', { requirementName: security.policy });
  return out;
}

function ipAccessRules(security: SecurityIR): Proto3Json {
  const { allow, deny } = security.ipAccess!;
  const anyOf = (cidrs: readonly string[]): Proto3Json => ({ orIds: { ids: cidrs.map((c) => ({ remoteIp: cidrRange(c) })) } });
  const ids: Proto3Json[] = [];
  if (allow?.length) ids.push(anyOf(allow));
  if (deny?.length) ids.push({ notId: anyOf(deny) });
  const principal = ids.length === 1 ? ids[0]! : { andIds: { ids } };
  return { action: 'ALLOW', policies: { [security.policy]: { permissions: [{ any: true }], principals: [principal] } } };
}

/** `10.0.0.0/8` → CidrRange. */
function cidrRange(cidr: string): Proto3Json {
  const slash = cidr.indexOf('/');
  return { addressPrefix: cidr.slice(0, slash), prefixLen: Number(cidr.slice(slash + 1)) };
}
