/**
 * RateLimitPolicy (gateway.portico.dev/v1alpha1, Portico's own): local request rate limits for a
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

export interface RateLimitPolicy extends KubeObject {
  kind: 'RateLimitPolicy';
  spec: {
    targetRefs: PolicyTargetReferenceWithSectionName[];
    local: { rules: LocalRateLimitRule[] };
    /** Default true: x-ratelimit-* response headers. */
    responseHeaders?: boolean;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
