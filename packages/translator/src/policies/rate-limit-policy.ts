/**
 * RateLimitPolicy (gateway.portico.dev/v1alpha1): whether a policy is valid, and the limits its
 * targets get (rate-limit-policy-rules.ts). Which policy limits which target — GEP-713 attachment,
 * precedence rule > route > listener > Gateway, whole, the older of two winning, as SecurityPolicy's —
 * is route-policy-index.ts's.
 *
 * Unlike a SecurityPolicy, a policy whose limits are malformed (only possible when it bypassed the CRD
 * schema) claims nothing: it reports Invalid and its targets keep whatever less specific policy
 * applies, so it never touches other traffic. A policy none of whose targets exists claims nothing
 * either (TargetNotFound).
 */
import type { RateLimitIR } from '@portico/ir';
import type { RateLimitPolicy } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { rateLimitIR } from './rate-limit-policy-rules.js';
import {
  buildRoutePolicyIndex,
  type ResolvedTargets,
  type RoutePolicyEvaluation,
  type RoutePolicyIndex,
} from './route-policy-index.js';

export interface RateLimitEvaluation extends RoutePolicyEvaluation<RateLimitPolicy> {
  /** The limits its targets get; present when it claims them. */
  rateLimit?: RateLimitIR;
}

const indexes = new WeakMap<TranslationContext, RoutePolicyIndex<RateLimitEvaluation>>();

/** Every policy of the kind, its targets and the winner of each (built once per translation). */
export function rateLimitPolicyIndex(ctx: TranslationContext): RoutePolicyIndex<RateLimitEvaluation> {
  let index = indexes.get(ctx);
  if (!index) {
    index = buildRoutePolicyIndex(ctx, ctx.resources.list('RateLimitPolicy'), (policy, resolved) => settle(ctx, policy, resolved));
    indexes.set(ctx, index);
  }
  return index;
}

function settle(ctx: TranslationContext, policy: RateLimitPolicy, { key, targets, related, missing, c }: ResolvedTargets): RateLimitEvaluation {
  const problems: string[] = [];
  const rateLimit = rateLimitIR(policy, key, problems, ctx.options.rateLimitService !== undefined);
  if (problems.length > 0 || !rateLimit) {
    const message = `${problems.join('; ')}; the policy limits nothing until it is fixed`;
    return { policy, key, targets, related, conditions: [c('Accepted', false, 'Invalid', message)], claims: false };
  }
  const messages = ['policy is accepted', ...missing];
  return { policy, key, targets, related, conditions: [c('Accepted', true, 'Accepted', messages.join('; '))], rateLimit, claims: true };
}
