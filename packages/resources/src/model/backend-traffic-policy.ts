/**
 * XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1, Gateway API v1.7.0 experimental): how a
 * gateway talks to a backend Service — a retry budget (GEP-3388) and session persistence (GEP-1619).
 */
import type { SessionPersistence, PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';

export const GATEWAY_X_GROUP = 'gateway.networking.x-k8s.io';

/** LocalPolicyTargetReference: the policy's namespace, no sectionName. */
export interface LocalPolicyTargetReference {
  group: string;
  kind: string;
  name: string;
}

/** GEP-3388. The CRD defaults `budget` to {percent: 20, interval: 10s} and `minRetryRate` to {count: 10, interval: 1s}. */
export interface RetryConstraint {
  budget?: { percent?: number; interval?: string };
  minRetryRate?: { count?: number; interval?: string };
}

export interface XBackendTrafficPolicy extends KubeObject {
  kind: 'XBackendTrafficPolicy';
  spec: {
    targetRefs: LocalPolicyTargetReference[];
    retryConstraint?: RetryConstraint;
    sessionPersistence?: SessionPersistence;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
