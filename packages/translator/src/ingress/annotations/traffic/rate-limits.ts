/**
 * `limit-rps`, `limit-rpm`, `limit-burst-multiplier` and `limit-whitelist` (ingress-nginx docs,
 * "Rate Limiting"):
 *   "limit-rps: number of requests accepted from a given IP each second. The burst limit is set to
 *   this limit multiplied by the burst multiplier, the default multiplier is 5. When clients exceed
 *   this limit, limit-req-status-code default: 503 is returned." (limit-rpm: the same per minute.)
 *   "limit-burst-multiplier: multiplier of the limit rate for burst size. The default burst
 *   multiplier is 5, this annotation override the default multiplier."
 *   "limit-whitelist: client IP source ranges to be excluded from rate-limiting. The value is a comma
 *   separated list of CIDRs."
 * ingress-nginx writes `limit_req zone=<ingress>_rps burst=<rps × multiplier> nodelay` (and `_rpm`),
 * keyed by the client address: nginx admits burst + 1 requests at once (the first sets the excess to
 * 0, each next adds 1 until it exceeds the burst) and then `rate` per second (minute), refused ones
 * answering 503. Envoy's local rate limit does the same with a token bucket per client address (the
 * RateLimitPolicy's sourceIP rule, the same IR): max_tokens = burst + 1, refilled at the rate, 503.
 * With both annotations both limits apply, as nginx's two zones do.
 * One deviation, not reported per Ingress (README): nginx's zone is the Ingress's (`<ns>_<name>_rps`),
 * shared by all its paths, while Envoy keeps a route's buckets per route: a client gets the limit on
 * each path of the Ingress (and each canary header/cookie variant of a path) separately.
 * Values are whole numbers greater than 0 (ingress-nginx reads them with strconv.Atoi and ignores
 * 0 and errors); another value is reported and no limit is set. A multiplier below 1 or not a number
 * is reported and the default 5 used, as ingress-nginx does.
 * `limit-whitelist` is reported as unsupported: Envoy's local rate limit keys the per-client bucket by
 * the client address and has no way to leave an address range out of it, so those clients are limited
 * like any other (stricter than nginx, never more open).
 * On a canary Ingress these annotations are ignored (registry.ts): the main Ingress's limit covers
 * the path, canary share included, as nginx's location-level limit_req does.
 */
import type { RateLimitRuleIR } from '@portico/ir';
import type { AnnotationFamily } from '../ingress-annotations.js';

/** ingress-nginx's default limit-burst-multiplier. */
export const DEFAULT_BURST_MULTIPLIER = 5;
/** ingress-nginx's limit-req-status-code default (a ConfigMap setting, not an annotation). */
export const NGINX_LIMIT_REQ_STATUS = 503;
/** The RateLimitPolicy CRD's bound on requests per window, kept for the bucket too. */
const MAX_RATE = 1_000_000;
const WHOLE = /^[0-9]{1,9}$/;
/** Envoy's max_tokens is a uint32. */
const MAX_TOKENS = 4_294_967_295;

const LIMITS = [
  { name: 'limit-rps', windowSeconds: 1 },
  { name: 'limit-rpm', windowSeconds: 60 },
] as const;

export const rateLimitFamily: AnnotationFamily = {
  names: ['limit-rps', 'limit-rpm', 'limit-burst-multiplier', 'limit-whitelist'],
  parse(values, out, report) {
    // A canary's are reported as ignored by registry.ts.
    if (out.canary) return;
    let multiplier = DEFAULT_BURST_MULTIPLIER;
    const m = values.get('limit-burst-multiplier');
    if (m) {
      const n = WHOLE.test(m.value.trim()) ? Number(m.value.trim()) : NaN;
      if (n >= 1 && n <= MAX_RATE) multiplier = n;
      else report(m, `is not a whole number from 1 to ${MAX_RATE}: the default multiplier ${DEFAULT_BURST_MULTIPLIER} applies (as in ingress-nginx)`);
    }
    const rules: RateLimitRuleIR[] = [];
    for (const { name, windowSeconds } of LIMITS) {
      const v = values.get(name);
      if (!v) continue;
      const requests = WHOLE.test(v.value.trim()) ? Number(v.value.trim()) : NaN;
      if (!(requests >= 1 && requests <= MAX_RATE)) {
        report(v, `is not a whole number of requests from 1 to ${MAX_RATE}: no ${name} limit is set`);
        continue;
      }
      // nginx admits the burst and the request that starts it (nodelay).
      const burst = Math.min(requests * multiplier + 1, MAX_TOKENS);
      rules.push({ requests, windowSeconds, burst, sourceIP: true });
    }
    const whitelist = values.get('limit-whitelist');
    if (whitelist) {
      report(whitelist, 'is not supported: Envoy\'s local rate limit keeps a bucket per client address and cannot leave an address range out of it, so these clients are limited like any other', { unsupported: true });
    }
    if (rules.length > 0) out.rateLimit = { rules, responseHeaders: false, status: NGINX_LIMIT_REQ_STATUS };
  },
};
