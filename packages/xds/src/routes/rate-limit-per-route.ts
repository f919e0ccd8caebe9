/**
 * A route's RateLimitPolicy (RateLimitIR) as the route's own LocalRateLimit in
 * typed_per_filter_config: each route has its own token buckets, shared by the Envoy process's
 * workers (`local_rate_limit_per_downstream_connection` stays false). The config carries its own
 * `rate_limits` (the actions that turn a request into descriptors), so it works on every route
 * (a redirect or direct response too) and Envoy ignores the route's and virtual host's `rate_limits`.
 *
 * - The rule without selector is the default token bucket, consumed by every request
 *   (`always_consume_default_token_bucket`). Without such a rule the default bucket admits 2^32-1
 *   requests per second and is consumed only by requests no descriptor matches: no limit.
 * - A header rule is a LocalRateLimitDescriptor `[{key: header:<name>, value: <value>}]`; Envoy
 *   matches it verbatim, so only requests carrying exactly that value count against it. A request
 *   with the header absent produces no descriptor.
 * - A header rule without value, and a sourceIP rule (`remote_address`: the client address as the
 *   connection manager's XFF settings give it), are wildcard descriptors (the value omitted): Envoy
 *   keeps a bucket per distinct value, the MAX_DYNAMIC_DESCRIPTORS most recently seen (LRU; an
 *   evicted value starts again with a full bucket).
 * - Buckets are full at start; tokens_per_fill = max_tokens per fill_interval = the window, which
 *   Envoy 1.40 adds continuously (5 per second: a token every 200 ms, measured in the e2e test).
 * - 100% enabled and enforced; refused requests get 429 (gRPC: RESOURCE_EXHAUSTED), or the IR's
 *   `status` (an ingress-nginx limit-rps/-rpm answers 503, its limit-req-status-code default).
 * - A rule's `burst` (ingress-nginx limit-burst-multiplier) is the bucket's max_tokens, refilled at
 *   `requests` per window all the same.
 * - A second sourceIP rule (ingress-nginx limit-rps and limit-rpm on one Ingress: two limit_req zones,
 *   both applied) is keyed by `masked_remote_address` with full-length masks: the same per-client
 *   bucket under another descriptor key, since Envoy keeps one bucket set per descriptor.
 */
import type { Proto3Json } from '@portico/envoy';
import type { RateLimitIR, RateLimitRuleIR } from '@portico/ir';
import { LOCAL_RATE_LIMIT_FILTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

export const LOCAL_RATE_LIMIT_TYPE = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
/** Statistics `http.<hcm prefix>.local_rate_limit.*` (enabled, enforced, rate_limited, ok). */
export const LOCAL_RATE_LIMIT_STAT_PREFIX = 'local_rate_limit';
const UNLIMITED_TOKENS = 4_294_967_295;
/**
 * Buckets kept per wildcard rule and route (Envoy's default is 20, which a client rotating 21 values
 * would defeat). A bucket is a few dozen bytes.
 */
export const MAX_DYNAMIC_DESCRIPTORS = 10_000;
/** The descriptor key of Envoy's RemoteAddress rate limit action. */
const REMOTE_ADDRESS_KEY = 'remote_address';
/** The descriptor key of Envoy's MaskedRemoteAddress rate limit action. */
const MASKED_REMOTE_ADDRESS_KEY = 'masked_remote_address';

export function rateLimitPerFilterConfig(rateLimit: RateLimitIR | undefined): Proto3Json {
  // A policy with only global rules has no local limit (rate-limit-global-per-route.ts).
  if (!rateLimit || rateLimit.rules.length === 0) return {};
  const shared = rateLimit.rules.find((r) => r.header === undefined && !r.sourceIP);
  const config: Proto3Json = {
    statPrefix: LOCAL_RATE_LIMIT_STAT_PREFIX,
    tokenBucket: shared ? tokenBucket(shared) : { maxTokens: UNLIMITED_TOKENS, tokensPerFill: UNLIMITED_TOKENS, fillInterval: '1s' },
    filterEnabled: everyRequest('local_rate_limit_enabled'),
    filterEnforced: everyRequest('local_rate_limit_enforced'),
    alwaysConsumeDefaultTokenBucket: shared !== undefined,
    rateLimitedAsResourceExhausted: true,
    ...(rateLimit.status !== undefined ? { status: { code: httpStatusName(rateLimit.status) } } : {}),
  };
  const sourceRules = rateLimit.rules.filter((r) => r.sourceIP);
  const descriptors = rateLimit.rules.flatMap((r) => {
    const entry = descriptorEntry(r, sourceRules.indexOf(r));
    return entry ? [{ entries: [entry], tokenBucket: tokenBucket(r) }] : [];
  });
  if (descriptors.length > 0) {
    config.descriptors = descriptors;
    config.rateLimits = rateLimitActions(rateLimit.rules);
  }
  if (rateLimit.rules.some((r) => r.sourceIP || (r.header && r.header.value === undefined))) config.maxDynamicDescriptors = MAX_DYNAMIC_DESCRIPTORS;
  if (rateLimit.responseHeaders) config.enableXRatelimitHeaders = 'DRAFT_VERSION_03';
  return { [LOCAL_RATE_LIMIT_FILTER]: typedConfig(LOCAL_RATE_LIMIT_TYPE, config) };
}

/** One action per selected header name (its value as the descriptor entry), one for the client address. */
function rateLimitActions(rules: readonly RateLimitRuleIR[]): Proto3Json[] {
  const names = [...new Set(rules.flatMap((r) => (r.header ? [r.header.name] : [])))].sort();
  const actions: Proto3Json[] = names.map((name) => ({ actions: [{ requestHeaders: { headerName: name, descriptorKey: descriptorKey(name) } }] }));
  const sourceRules = rules.filter((r) => r.sourceIP).length;
  if (sourceRules > 0) actions.push({ actions: [{ remoteAddress: {} }] });
  if (sourceRules > 1) actions.push({ actions: [{ maskedRemoteAddress: { v4PrefixMaskLen: 32, v6PrefixMaskLen: 128 } }] });
  return actions;
}

/** The rule's descriptor entry; the value omitted (a wildcard) for a bucket per value. */
function descriptorEntry(rule: RateLimitRuleIR, sourceIndex: number): Proto3Json | undefined {
  if (rule.sourceIP) return { key: sourceIndex === 0 ? REMOTE_ADDRESS_KEY : MASKED_REMOTE_ADDRESS_KEY };
  if (!rule.header) return undefined;
  return rule.header.value === undefined ? { key: descriptorKey(rule.header.name) } : { key: descriptorKey(rule.header.name), value: rule.header.value };
}

function descriptorKey(header: string): string {
  return `header:${header}`;
}

function tokenBucket(rule: RateLimitRuleIR): Proto3Json {
  return { maxTokens: rule.burst ?? rule.requests, tokensPerFill: rule.requests, fillInterval: `${rule.windowSeconds}s` };
}

function everyRequest(runtimeKey: string): Proto3Json {
  return { runtimeKey, defaultValue: { numerator: 100, denominator: 'HUNDRED' } };
}

/** envoy.type.v3.StatusCode names of the statuses a refused request may get. */
const STATUS_NAMES: Readonly<Record<number, string>> = { 429: 'TooManyRequests', 503: 'ServiceUnavailable' };

function httpStatusName(status: number): string {
  const name = STATUS_NAMES[status];
  // The IR is built by Portico (ingress-nginx's 503 only): another status is a bug of ours.
  if (!name) throw new Error(`no envoy.type.v3.StatusCode name for a rate-limited status ${status}`);
  return name;
}
