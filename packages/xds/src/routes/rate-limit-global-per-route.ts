/**
 * A route's RateLimitPolicy `global` rules (RateLimitIR.global) as the ratelimit filter's
 * RateLimitPerRoute: its own `rate_limits` (so Envoy ignores the route's and virtual host's, and it
 * works on redirects and direct responses too), one RateLimit per rule, each producing one
 * descriptor the ratelimit service looks up in the Gateway's domain (rateLimitServiceConfig):
 *
 * - `(rule, <descriptor>)` from a generic_key action: which policy rule, unique per policy and rule,
 *   so two policies (or two rules) never share a counter;
 * - then `(header, <value>)` from request_headers (a header rule: a request without the header
 *   produces no descriptor and is not counted), or `(remote_address, <client IP>)` (a sourceIP rule:
 *   the address the connection manager's XFF settings give).
 */
import type { Proto3Json } from '@portico/envoy';
import type { GlobalRateLimitRuleIR, RateLimitIR } from '@portico/ir';
import { GLOBAL_RATE_LIMIT_FILTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

export const RATE_LIMIT_PER_ROUTE_TYPE = 'envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute';
/** Descriptor keys, shared with the ratelimit service's configuration. */
export const RULE_DESCRIPTOR_KEY = 'rule';
export const HEADER_DESCRIPTOR_KEY = 'header';
/** What Envoy's remote_address action names its entry. */
export const REMOTE_ADDRESS_DESCRIPTOR_KEY = 'remote_address';

export function globalRateLimitPerFilterConfig(rateLimit: RateLimitIR | undefined): Proto3Json {
  if (!rateLimit?.global) return {};
  return { [GLOBAL_RATE_LIMIT_FILTER]: typedConfig(RATE_LIMIT_PER_ROUTE_TYPE, { rateLimits: rateLimit.global.map(ruleActions) }) };
}

function ruleActions(rule: GlobalRateLimitRuleIR): Proto3Json {
  const actions: Proto3Json[] = [{ genericKey: { descriptorKey: RULE_DESCRIPTOR_KEY, descriptorValue: rule.descriptor } }];
  if (rule.header) actions.push({ requestHeaders: { headerName: rule.header.name, descriptorKey: HEADER_DESCRIPTOR_KEY } });
  if (rule.sourceIP) actions.push({ remoteAddress: {} });
  return { actions };
}
