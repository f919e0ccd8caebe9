/**
 * Every check `portico diagnose` runs, in the chain's order. A check is a pure function of the
 * DiagnoseInput (findings.ts); add new ones here.
 */
import type { Check } from '../findings.js';
import { checkBackends } from './backend.js';
import { checkBackendTLSPolicies } from './backend-tls-policy.js';
import { checkBackendTrafficPolicies } from './backend-traffic-policy.js';
import { checkBackendPolicies } from './backend-policy.js';
import { checkDataPlane } from './data-plane.js';
import { gatewayClassCheck } from './gateway-class.js';
import { gatewayCheck } from './gateway.js';
import { ingressAnnotationCheck } from './ingress-annotations.js';
import { listenerCheck } from './listeners.js';
import { referenceGrantCheck } from './reference-grants.js';
import { routeBindingCheck } from './route-binding.js';
import { shadowingCheck } from './shadowing.js';
import { checkTLS } from './tls.js';
import { unusedGrantCheck } from './unused-grants.js';

export const ALL_CHECKS: readonly Check[] = [
  gatewayClassCheck,
  gatewayCheck,
  listenerCheck,
  routeBindingCheck,
  ingressAnnotationCheck,
  referenceGrantCheck,
  unusedGrantCheck,
  checkBackends,
  checkTLS,
  checkBackendTLSPolicies,
  checkBackendTrafficPolicies,
  checkBackendPolicies,
  shadowingCheck,
  checkDataPlane,
];
