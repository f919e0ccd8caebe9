/**
 * RateLimitPolicy on the routes a Gateway serves (route-policy-routes.ts): a route entry under a policy
 * gets its limits; and the policies' `status.ancestors[]`.
 */
import type { HTTPRouteIR } from '@portico/ir';
import { rateLimitPolicyIndex, type RateLimitEvaluation } from './rate-limit-policy.js';
import { routePolicyOnRoutes } from './route-policy-routes.js';

function rateLimitedRoute(ir: HTTPRouteIR, policy: RateLimitEvaluation): HTTPRouteIR {
  // Only claiming (valid) policies are effective, and they always carry their limits.
  return policy.rateLimit ? { ...ir, rateLimit: policy.rateLimit } : ir;
}

const onRoutes = routePolicyOnRoutes('RateLimitPolicy', rateLimitPolicyIndex, rateLimitedRoute);

export const recordGatewayRateLimitAncestors = onRoutes.recordGatewayAncestors;
export const rateLimitedEntries = onRoutes.entries;
export const anyRateLimitPolicy = onRoutes.any;
export const writeRateLimitPolicyStatuses = onRoutes.writeStatuses;
