/**
 * RateLimitPolicy (gateway.portico.dev/v1alpha1): which policy limits which target, and whether it is
 * valid (its limits: rate-limit-policy-rules.ts).
 *
 * Attachment (GEP-713): `targetRefs` name, in the policy's namespace, a Gateway (sectionName: one of
 * its own listeners), an HTTPRoute or a GRPCRoute (sectionName: a rule's `name`). Precedence, as
 * SecurityPolicy's: a request is limited by exactly one policy, the most specific that targets it —
 * route rule, then route, then listener, then Gateway — whole; policies are never merged. Two policies
 * naming the same target: the older wins (then the first by namespace/name) and the other reports
 * Accepted=False Conflicted.
 *
 * A policy whose limits are malformed (only possible when it bypassed the CRD schema) claims nothing:
 * it reports Invalid and its targets keep whatever less specific policy applies, so it never touches
 * other traffic. A policy none of whose targets exists claims nothing either (TargetNotFound).
 */
import type { RateLimitIR } from '@portico/ir';
import { GATEWAY_GROUP, type Condition, type RateLimitPolicy } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory } from '../status/conditions.js';
import { rateLimitIR } from './rate-limit-policy-rules.js';

const TARGET_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute']);

export interface RateLimitEvaluation {
  policy: RateLimitPolicy;
  /** `namespace/name`. */
  key: string;
  /** Target keys (rateLimitTargetKey) of the targets that exist. */
  targets: string[];
  /**
   * Keys of the Gateways and routes that exist but lack the named listener or rule: the policy
   * reports (TargetNotFound) on the Gateways they are served through, and claims nothing there.
   */
  related: string[];
  conditions: Condition[];
  /** The limits its targets get; present when it claims them. */
  rateLimit?: RateLimitIR;
  /** Claims its targets (it is valid). */
  claims: boolean;
}

interface RateLimitIndex {
  /** The policy that applies per target key: the winner of each target. */
  byTarget: Map<string, RateLimitEvaluation>;
  /** Every policy naming a target (winners and losers), for their ancestors. */
  allByTarget: Map<string, RateLimitEvaluation[]>;
  all: RateLimitEvaluation[];
}

const indexes = new WeakMap<TranslationContext, RateLimitIndex>();

/** `Kind/namespace/name[/sectionName]`. */
export function rateLimitTargetKey(kind: string, namespace: string, name: string, sectionName?: string): string {
  return sectionName === undefined ? `${kind}/${namespace}/${name}` : `${kind}/${namespace}/${name}/${sectionName}`;
}

export function hasRateLimitPolicies(ctx: TranslationContext): boolean {
  return rateLimitIndex(ctx).all.length > 0;
}

/** The policy that applies to the first of `keys` (most specific first) that one claims. */
export function effectiveRateLimitPolicy(ctx: TranslationContext, keys: readonly string[]): RateLimitEvaluation | undefined {
  const index = rateLimitIndex(ctx);
  for (const key of keys) {
    const found = index.byTarget.get(key);
    if (found) return found;
  }
  return undefined;
}

/** Every policy (winner or not) naming one of `keys`. */
export function rateLimitPoliciesNaming(ctx: TranslationContext, keys: readonly string[]): RateLimitEvaluation[] {
  const index = rateLimitIndex(ctx);
  return keys.flatMap((k) => index.allByTarget.get(k) ?? []);
}

export function evaluatedRateLimitPolicies(ctx: TranslationContext): readonly RateLimitEvaluation[] {
  return rateLimitIndex(ctx).all;
}

function rateLimitIndex(ctx: TranslationContext): RateLimitIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byTarget: new Map(), allByTarget: new Map(), all: [] };
  for (const policy of [...ctx.resources.list('RateLimitPolicy')].sort(compareAge)) {
    const evaluation = containObject(ctx, policy, () => evaluatePolicy(ctx, policy), (failure) => {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      return { policy, key: policyKey(policy), targets: [], related: [], conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))], claims: false };
    });
    index.all.push(evaluation);
    let conflictedWith: { holder: string; target: string } | undefined;
    for (const target of evaluation.related) {
      const list = index.allByTarget.get(target);
      if (list) list.push(evaluation);
      else index.allByTarget.set(target, [evaluation]);
    }
    for (const target of evaluation.targets) {
      const list = index.allByTarget.get(target);
      if (list) list.push(evaluation);
      else index.allByTarget.set(target, [evaluation]);
      if (!evaluation.claims) continue;
      const holder = index.byTarget.get(target);
      if (holder) conflictedWith ??= { holder: holder.key, target };
      else index.byTarget.set(target, evaluation);
    }
    if (conflictedWith) {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      const { holder, target } = conflictedWith;
      const others = evaluation.targets.filter((t) => index.byTarget.get(t) === evaluation);
      const still = others.length > 0 ? `; it still applies to ${others.join(', ')}` : '';
      evaluation.conditions = [c('Accepted', false, 'Conflicted', `RateLimitPolicy ${holder} also targets ${target} and takes precedence there (older, or as old and first by namespace/name)${still}`)];
    }
  }
  indexes.set(ctx, index);
  return index;
}

function policyKey(policy: RateLimitPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function evaluatePolicy(ctx: TranslationContext, policy: RateLimitPolicy): RateLimitEvaluation {
  const namespace = policy.metadata.namespace ?? 'default';
  const key = policyKey(policy);
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const refs = policy.spec.targetRefs ?? [];
  const unsupported = refs.filter((t) => t.group !== GATEWAY_GROUP || !TARGET_KINDS.has(t.kind));
  if (unsupported.length > 0) {
    const names = unsupported.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ');
    return { policy, key, targets: [], related: [], conditions: [c('Accepted', false, 'Invalid', `targetRefs ${names}: only gateway.networking.k8s.io Gateway, HTTPRoute and GRPCRoute can be targeted`)], claims: false };
  }
  const targets: string[] = [];
  const missing: string[] = [];
  const related: string[] = [];
  for (const ref of refs) {
    const problem = targetProblem(ctx, namespace, ref.kind, ref.name, ref.sectionName);
    if (!problem) targets.push(rateLimitTargetKey(ref.kind, namespace, ref.name, ref.sectionName));
    else {
      missing.push(problem.message);
      if (problem.parentExists) related.push(rateLimitTargetKey(ref.kind, namespace, ref.name));
    }
  }
  const unique = [...new Set(targets)];
  if (unique.length === 0) {
    return { policy, key, targets: [], related, conditions: [c('Accepted', false, 'TargetNotFound', missing.join('; '))], claims: false };
  }
  const problems: string[] = [];
  const rateLimit = rateLimitIR(policy, key, problems, ctx.options.rateLimitService !== undefined);
  if (problems.length > 0 || !rateLimit) {
    const message = `${problems.join('; ')}; the policy limits nothing until it is fixed`;
    return { policy, key, targets: unique, related, conditions: [c('Accepted', false, 'Invalid', message)], claims: false };
  }
  const messages = ['policy is accepted', ...missing];
  return { policy, key, targets: unique, related, conditions: [c('Accepted', true, 'Accepted', messages.join('; '))], rateLimit, claims: true };
}

interface TargetProblem {
  message: string;
  /** The Gateway or route exists; only its listener or rule is missing. */
  parentExists: boolean;
}

/** Why a target does not exist (a missing object, listener or rule name), or undefined when it does. */
function targetProblem(ctx: TranslationContext, namespace: string, kind: string, name: string, sectionName: string | undefined): TargetProblem | undefined {
  if (kind === 'Gateway') {
    const gateway = ctx.resources.get('Gateway', namespace, name);
    if (!gateway) return { message: `Gateway ${namespace}/${name} does not exist`, parentExists: false };
    if (sectionName !== undefined && !(gateway.spec.listeners ?? []).some((l) => l.name === sectionName)) {
      return { message: `Gateway ${namespace}/${name} has no listener ${JSON.stringify(sectionName)}`, parentExists: true };
    }
    return undefined;
  }
  const route = kind === 'HTTPRoute' ? ctx.resources.get('HTTPRoute', namespace, name) : ctx.resources.get('GRPCRoute', namespace, name);
  if (!route) return { message: `${kind} ${namespace}/${name} does not exist`, parentExists: false };
  if (sectionName !== undefined && !(route.spec.rules ?? []).some((r) => r.name === sectionName)) {
    return { message: `${kind} ${namespace}/${name} has no rule named ${JSON.stringify(sectionName)}`, parentExists: true };
  }
  return undefined;
}
