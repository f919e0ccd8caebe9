/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1): whether a policy is valid, and what its targets
 * enforce (security-policy-features.ts, security-policy-ext-auth.ts). Which policy protects which
 * target — GEP-713 attachment, precedence rule > route > listener > Gateway, whole (as Envoy Gateway's
 * SecurityPolicy), the older of two winning — is route-policy-index.ts's.
 *
 * A policy whose settings cannot be enforced (a missing Secret, an htpasswd line Envoy cannot verify,
 * a JWKS that is not one, an extAuth Service that does not resolve) still claims its targets and fails
 * closed: they answer 500 rather than be served unprotected, and nothing else changes. A policy none
 * of whose targets exists claims nothing (TargetNotFound).
 */
import type { ExternalAuthIR, SecurityIR } from '@portico/ir';
import type { SecurityPolicy } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { policyExternalAuth } from './security-policy-ext-auth.js';
import { securityIR } from './security-policy-features.js';
import {
  buildRoutePolicyIndex,
  type ResolvedTargets,
  type RoutePolicyEvaluation,
  type RoutePolicyIndex,
} from './route-policy-index.js';

export interface SecurityEvaluation extends RoutePolicyEvaluation<SecurityPolicy> {
  /** What its targets enforce; absent when the policy fails closed. */
  security?: SecurityIR;
  /**
   * Its `extAuth`, served as the routes' externalAuth (the HTTPRoute ExternalAuth filter's IR and Envoy
   * path); absent without extAuth or when the policy fails closed.
   */
  externalAuth?: ExternalAuthIR;
}

const indexes = new WeakMap<TranslationContext, RoutePolicyIndex<SecurityEvaluation>>();

/** Every policy of the kind, its targets and the winner of each (built once per translation). */
export function securityPolicyIndex(ctx: TranslationContext): RoutePolicyIndex<SecurityEvaluation> {
  let index = indexes.get(ctx);
  if (!index) {
    index = buildRoutePolicyIndex(ctx, ctx.resources.list('SecurityPolicy'), (policy, resolved) => settle(ctx, policy, resolved));
    indexes.set(ctx, index);
  }
  return index;
}

function settle(ctx: TranslationContext, policy: SecurityPolicy, { namespace, key, targets, related, missing, c }: ResolvedTargets): SecurityEvaluation {
  const problems: string[] = [];
  const security = securityIR(ctx, policy, key, problems);
  const externalAuth = policy.spec.extAuth ? policyExternalAuth(ctx, namespace, policy.spec.extAuth, problems) : undefined;
  if (problems.length > 0) {
    const message = `${problems.join('; ')}; the policy's targets answer 500 until it is fixed (fail closed)`;
    return { policy, key, targets, related, conditions: [c('Accepted', false, 'Invalid', message)], claims: true };
  }
  const messages = ['policy is accepted', ...missing];
  return { policy, key, targets, related, conditions: [c('Accepted', true, 'Accepted', messages.join('; '))], security, ...(externalAuth ? { externalAuth } : {}), claims: true };
}
