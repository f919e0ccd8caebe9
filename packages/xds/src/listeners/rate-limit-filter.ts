/**
 * The local rate limit HTTP filter of a connection manager, installed only when a route of its table
 * carries a RateLimitPolicy (routes/rate-limit-per-route.ts). No token bucket at filter level: it
 * limits nothing on routes without their own LocalRateLimit. Not optional: a client that cannot run
 * it would serve limited routes unlimited.
 */
import type { Proto3Json } from '@portico/envoy';
import { LOCAL_RATE_LIMIT_FILTER } from '../names.js';
import { LOCAL_RATE_LIMIT_STAT_PREFIX, LOCAL_RATE_LIMIT_TYPE } from '../routes/rate-limit-per-route.js';
import { typedConfig } from '../typed-config.js';

export function rateLimitHttpFilters(perFilter: ReadonlySet<string>): Proto3Json[] {
  if (!perFilter.has(LOCAL_RATE_LIMIT_FILTER)) return [];
  return [{ name: LOCAL_RATE_LIMIT_FILTER, typedConfig: typedConfig(LOCAL_RATE_LIMIT_TYPE, { statPrefix: LOCAL_RATE_LIMIT_STAT_PREFIX }) }];
}
