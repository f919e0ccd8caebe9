/**
 * SecurityPolicy on the routes a Gateway serves (route-policy-routes.ts): a route entry under a policy
 * gets what it enforces, or fails closed with a 500 when that policy cannot be enforced; and the
 * policies' `status.ancestors[]`.
 */
import type { HTTPRouteIR } from '@portico/ir';
import { securityPolicyIndex, type SecurityEvaluation } from './security-policy.js';
import { routePolicyOnRoutes } from './route-policy-routes.js';

/** The answer of a route whose policy cannot be enforced: never served unprotected. */
const FAIL_CLOSED_STATUS = 500;

/**
 * The policy's extAuth becomes the route's externalAuth, unless the rule has its own ExternalAuth
 * filter: that filter is more specific than any policy and wins for its rule (the policy's other
 * features still apply there).
 */
function securedRoute(ir: HTTPRouteIR, policy: SecurityEvaluation): HTTPRouteIR {
  if (policy.security) {
    const externalAuth = ir.externalAuth ?? policy.externalAuth;
    return { ...ir, security: policy.security, ...(externalAuth ? { externalAuth } : {}) };
  }
  // Fail closed: the match stays (so no broader route serves these requests), nothing else does.
  return { name: ir.name, source: ir.source, match: ir.match, security: { policy: policy.key }, directResponse: { status: FAIL_CLOSED_STATUS } };
}

const onRoutes = routePolicyOnRoutes('SecurityPolicy', securityPolicyIndex, securedRoute);

export const recordGatewaySecurityAncestors = onRoutes.recordGatewayAncestors;
export const securedEntries = onRoutes.entries;
export const anySecurityPolicy = onRoutes.any;
export const writeSecurityPolicyStatuses = onRoutes.writeStatuses;
