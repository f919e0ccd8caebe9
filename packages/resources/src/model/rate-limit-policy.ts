/**
 * RateLimitPolicy (gateway.portico.dev/v1alpha1, Portico's own): local and global request rate limits for a
 * Gateway, a listener, an HTTPRoute/GRPCRoute or one named route rule (GEP-713 policy attachment).
 * The CRD (charts/portico/crds/gateway.portico.dev_ratelimitpolicies.yaml) is the source of truth for
 * fields, defaults and bounds.
 */
import type { PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';
import type { PolicyTargetReferenceWithSectionName } from './security-policy.js';

export type RateLimitUnit = 'Second' | 'Minute' | 'Hour';

export interface LocalRateLimitRule {
  limit: { requests: number; unit: RateLimitUnit };
  /**
   * Absent: every request of the target shares the rule's bucket. `header` without `value`: a bucket
   * per value; `sourceIP: true`: a bucket per client address. Exactly one of the two.
   */
  clientSelector?: { header?: { name: string; value?: string }; sourceIP?: boolean };
}

/** Global rules also count by the day (the ratelimit service's fixed windows). */
export type GlobalRateLimitUnit = RateLimitUnit | 'Day';

export interface GlobalRateLimitRule {
  limit: { requests: number; unit: GlobalRateLimitUnit };
  /** As LocalRateLimitRule's: a counter per selected value instead of a bucket. */
  clientSelector?: LocalRateLimitRule['clientSelector'];
}

export interface RateLimitPolicy extends KubeObject {
  kind: 'RateLimitPolicy';
  spec: {
    targetRefs: PolicyTargetReferenceWithSectionName[];
    /** Each Envoy instance counts on its own. At least one of local and global. */
    local?: { rules: LocalRateLimitRule[] };
    /** Counted by the envoyproxy/ratelimit service (Redis) for all the Gateway's Envoys together. */
    global?: { rules: GlobalRateLimitRule[] };
    /** Default true: x-ratelimit-* response headers. */
    responseHeaders?: boolean;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
