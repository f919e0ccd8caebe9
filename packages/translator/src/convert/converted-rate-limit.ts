/**
 * An Ingress's limit-rps / limit-rpm (ingress/annotations/traffic/rate-limits.ts) as a Portico
 * RateLimitPolicy targeting the HTTPRoutes converted from it: a sourceIP rule (a bucket per client
 * address, the same Envoy local rate limit) at the annotation's rate. What the policy cannot say is
 * reported, each as `partial`:
 * - the burst: a RateLimitPolicy's bucket holds its `requests` per window, so the converted limit
 *   admits `rate` requests at once where nginx admits rate × multiplier + 1;
 * - the status: refused requests get 429 (RateLimitPolicy has no status field), nginx answers 503;
 * - both limit-rps and limit-rpm: a policy has one sourceIP rule, so only the per-second limit is kept.
 * No x-ratelimit-* headers, as nginx sends none.
 */
import type { KubeObject, RateLimitPolicy } from '@portico/resources';
import { PORTICO_GROUP } from '@portico/resources';
import type { ClassIngress } from './class-plan.js';
import type { ConversionNote } from './conversion-report.js';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The RateLimitPolicy of `owner`, targeting `routeNames` (HTTPRoutes of its namespace); [] when it has no limit. */
export function convertedRateLimit(owner: ClassIngress, routeNames: readonly string[], note: (n: ConversionNote) => void): KubeObject[] {
  const limit = owner.annotations.rateLimit;
  // Under a redirect or a fail-closed answer the Ingress proxies nothing, and nginx limits nothing.
  if (!limit || routeNames.length === 0 || owner.annotations.redirect || owner.annotations.failClosed) return [];
  const [kept, ...dropped] = limit.rules;
  const unit = kept!.windowSeconds === 1 ? 'Second' : 'Minute';
  const per = unit === 'Second' ? 'per second' : 'per minute';
  note({ ingress: owner.key, level: 'partial', message: `limit-rps/limit-rpm: RateLimitPolicy ${owner.ingress.metadata.name}-ingress-nginx limits each client address to ${kept!.requests} ${per}, admitting at most ${kept!.requests} at once where nginx admits a burst of ${kept!.burst ?? kept!.requests}, and refuses with 429 where nginx answers ${limit.status ?? 429}` });
  for (const d of dropped) note({ ingress: owner.key, level: 'partial', message: `limit-rpm (${d.requests} per minute) is left out: a RateLimitPolicy has one rule per client address, and the per-second limit is kept` });
  return [{
    apiVersion: `${PORTICO_GROUP}/v1alpha1`,
    kind: 'RateLimitPolicy',
    metadata: { name: `${owner.ingress.metadata.name}-ingress-nginx`, namespace: owner.namespace },
    spec: {
      targetRefs: [...routeNames].sort().map((name) => ({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name })),
      local: { rules: [{ limit: { requests: kept!.requests, unit }, clientSelector: { sourceIP: true } }] },
      responseHeaders: false,
    },
  } as RateLimitPolicy];
}
