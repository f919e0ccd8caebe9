/**
 * Every check `portico diagnose` runs, in the chain's order. A check is a pure function of the
 * DiagnoseInput (findings.ts); add new ones here.
 */
import type { Check } from '../findings.js';
import { checkBackends } from './backends/backend.js';
import { checkBackendTLSPolicies } from './policies/backend-tls-policy.js';
import { checkBackendTrafficPolicies } from './policies/backend-traffic-policy.js';
import { checkBackendPolicies } from './policies/backend-policy.js';
import { checkSecurityPolicies } from './policies/security-policy.js';
import { checkRateLimitPolicies } from './policies/rate-limit-policy.js';
import { checkRateLimitService } from './policies/rate-limit-service.js';
import { checkObservabilityPolicies } from './policies/observability-policies.js';
import { checkDataPlane } from './data-plane/data-plane.js';
import { gatewayClassCheck } from './gateway/gateway-class.js';
import { gatewayCheck } from './gateway/gateway.js';
import { ingressAnnotationCheck } from './routes/ingress-annotations.js';
import { listenerCheck } from './gateway/listeners.js';
import { referenceGrantCheck } from './grants/reference-grants.js';
import { routeBindingCheck } from './routes/route-binding.js';
import { shadowingCheck } from './routes/shadowing.js';
import { checkTLS } from './tls/tls.js';
import { unusedGrantCheck } from './grants/unused-grants.js';

export const ALL_CHECKS: readonly Check[] = [
  gatewayClassCheck,
  gatewayCheck,
  listenerCheck,
  routeBindingCheck,
  checkSecurityPolicies,
  checkRateLimitPolicies,
  checkRateLimitService,
  ingressAnnotationCheck,
  referenceGrantCheck,
  unusedGrantCheck,
  checkBackends,
  checkTLS,
  checkBackendTLSPolicies,
  checkBackendTrafficPolicies,
  checkBackendPolicies,
  checkObservabilityPolicies,
  shadowingCheck,
  checkDataPlane,
];
