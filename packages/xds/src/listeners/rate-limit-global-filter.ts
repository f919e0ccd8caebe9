/**
 * The ratelimit HTTP filter of a connection manager (Envoy's global rate limit), installed when a
 * route of its table carries RateLimitPolicy `global` rules and the Gateway has a rate-limit service.
 * Routes without a RateLimitPerRoute have no `rate_limits` and make no call.
 *
 * - domain: the Gateway's, so its counters are its own in the shared service;
 * - failure_mode_deny: the opposite of RateLimitServiceIR.failOpen. Envoy and Envoy Gateway default
 *   to letting requests pass when the service errs or times out; closed, such a request gets 500;
 * - x-ratelimit-* headers (draft 03) and 429 (gRPC: RESOURCE_EXHAUSTED) like the local limit.
 * Not optional: a client that cannot run it would serve limited routes unlimited.
 */
import type { Proto3Json } from '@portico/envoy';
import type { RateLimitServiceIR } from '@portico/ir';
import { durationFromMs } from '../proto-duration.js';
import { GLOBAL_RATE_LIMIT_FILTER, RATE_LIMIT_SERVICE_CLUSTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

const RATE_LIMIT_TYPE = 'envoy.extensions.filters.http.ratelimit.v3.RateLimit';
/** Statistics `cluster.portico/ratelimit.ratelimit.*` (ok, over_limit, error, failure_mode_allowed). */
const STAT_PREFIX = 'ratelimit';

export function globalRateLimitHttpFilters(perFilter: ReadonlySet<string>, service: RateLimitServiceIR | undefined): Proto3Json[] {
  if (!service || !perFilter.has(GLOBAL_RATE_LIMIT_FILTER)) return [];
  const config: Proto3Json = {
    domain: service.domain,
    timeout: durationFromMs(service.timeoutMs),
    failureModeDeny: !service.failOpen,
    rateLimitedAsResourceExhausted: true,
    enableXRatelimitHeaders: 'DRAFT_VERSION_03',
    statPrefix: STAT_PREFIX,
    rateLimitService: { grpcService: { envoyGrpc: { clusterName: RATE_LIMIT_SERVICE_CLUSTER } }, transportApiVersion: 'V3' },
  };
  return [{ name: GLOBAL_RATE_LIMIT_FILTER, typedConfig: typedConfig(RATE_LIMIT_TYPE, config) }];
}
