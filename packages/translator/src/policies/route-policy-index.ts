/**
 * The attachment shared by Portico's policies that target a Gateway, one of its listeners, an
 * HTTPRoute or GRPCRoute, or one named rule (SecurityPolicy, RateLimitPolicy): which targets exist,
 * which policy wins each one, and the conditions that follow. What a policy enforces, and what an
 * invalid one does, is its kind's (security-policy.ts, rate-limit-policy.ts).
 *
 * GEP-713: `targetRefs` name objects of the policy's namespace. Precedence: a request is governed by
 * exactly one policy of a kind, the most specific that targets it — route rule, then route, then
 * listener, then Gateway — whole; policies are never merged. Two policies naming the same target: the
 * older wins (then the first by namespace/name) and the other reports Accepted=False Conflicted. A
 * policy none of whose targets exists claims nothing (TargetNotFound).
 */
import { GATEWAY_GROUP, type Condition, type RateLimitPolicy, type SecurityPolicy } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory, type ConditionFactory } from '../status/conditions.js';

export type RoutePolicy = SecurityPolicy | RateLimitPolicy;

const TARGET_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute']);

export interface RoutePolicyEvaluation<P extends RoutePolicy> {
  policy: P;
  /** `namespace/name`. */
  key: string;
  /** Target keys (routePolicyTargetKey) of the targets that exist. */
  targets: string[];
  /**
   * Keys of the Gateways and routes that exist but lack the named listener or rule: the policy
   * reports (TargetNotFound) on the Gateways they are served through, and claims nothing there.
   */
  related: string[];
  conditions: Condition[];
  /** Claims its targets: it is the one that applies there unless an older policy holds them. */
  claims: boolean;
}

/** A policy's targets, resolved: what its kind settles (valid or not, what it enforces) from. */
export interface ResolvedTargets {
  namespace: string;
  key: string;
  /** At least one. */
  targets: string[];
  related: string[];
  /** Why each target that does not exist is missing. */
  missing: string[];
  c: ConditionFactory;
}

export interface RoutePolicyIndex<E> {
  /** The policy that applies per target key: the winner of each target. */
  byTarget: Map<string, E>;
  /** Every policy naming a target (winners and losers), for their ancestors. */
  allByTarget: Map<string, E[]>;
  all: E[];
}

/** `Kind/namespace/name[/sectionName]`. */
export function routePolicyTargetKey(kind: string, namespace: string, name: string, sectionName?: string): string {
  return sectionName === undefined ? `${kind}/${namespace}/${name}` : `${kind}/${namespace}/${name}/${sectionName}`;
}

/** The policy that applies to the first of `keys` (most specific first) that one claims. */
export function effectiveRoutePolicy<E>(index: RoutePolicyIndex<E>, keys: readonly string[]): E | undefined {
  for (const key of keys) {
    const found = index.byTarget.get(key);
    if (found) return found;
  }
  return undefined;
}

/** Every policy (winner or not) naming one of `keys`. */
export function routePoliciesNaming<E>(index: RoutePolicyIndex<E>, keys: readonly string[]): E[] {
  return keys.flatMap((k) => index.allByTarget.get(k) ?? []);
}

/**
 * Indexes every policy of `kind`, oldest first. `settle` decides, for a policy with at least one
 * target, whether it is valid, whether it claims its targets, and what it carries for them.
 */
export function buildRoutePolicyIndex<P extends RoutePolicy, E extends RoutePolicyEvaluation<P>>(
  ctx: TranslationContext,
  policies: readonly P[],
  settle: (policy: P, resolved: ResolvedTargets) => E,
): RoutePolicyIndex<E> {
  const index: RoutePolicyIndex<E> = { byTarget: new Map(), allByTarget: new Map(), all: [] };
  const add = (target: string, evaluation: E) => {
    const list = index.allByTarget.get(target);
    if (list) list.push(evaluation);
    else index.allByTarget.set(target, [evaluation]);
  };
  for (const policy of [...policies].sort(compareAge)) {
    const evaluation = containObject(ctx, policy, () => evaluate(ctx, policy, settle), (failure) => {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      return unclaimed(policy, policyKey(policy), [], [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))]) as E;
    });
    index.all.push(evaluation);
    let conflictedWith: { holder: string; target: string } | undefined;
    for (const target of evaluation.related) add(target, evaluation);
    for (const target of evaluation.targets) {
      add(target, evaluation);
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
      evaluation.conditions = [c('Accepted', false, 'Conflicted', `${policy.kind} ${holder} also targets ${target} and takes precedence there (older, or as old and first by namespace/name)${still}`)];
    }
  }
  return index;
}

function policyKey(policy: RoutePolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function unclaimed<P extends RoutePolicy>(policy: P, key: string, related: string[], conditions: Condition[]): RoutePolicyEvaluation<P> {
  return { policy, key, targets: [], related, conditions, claims: false };
}

function evaluate<P extends RoutePolicy, E extends RoutePolicyEvaluation<P>>(ctx: TranslationContext, policy: P, settle: (policy: P, resolved: ResolvedTargets) => E): E {
  const namespace = policy.metadata.namespace ?? 'default';
  const key = policyKey(policy);
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const refs = policy.spec.targetRefs ?? [];
  const unsupported = refs.filter((t) => t.group !== GATEWAY_GROUP || !TARGET_KINDS.has(t.kind));
  if (unsupported.length > 0) {
    const names = unsupported.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ');
    return unclaimed(policy, key, [], [c('Accepted', false, 'Invalid', `targetRefs ${names}: only gateway.networking.k8s.io Gateway, HTTPRoute and GRPCRoute can be targeted`)]) as E;
  }
  const targets: string[] = [];
  const missing: string[] = [];
  const related: string[] = [];
  for (const ref of refs) {
    const problem = targetProblem(ctx, namespace, ref.kind, ref.name, ref.sectionName);
    if (!problem) targets.push(routePolicyTargetKey(ref.kind, namespace, ref.name, ref.sectionName));
    else {
      missing.push(problem.message);
      if (problem.parentExists) related.push(routePolicyTargetKey(ref.kind, namespace, ref.name));
    }
  }
  const unique = [...new Set(targets)];
  if (unique.length === 0) return unclaimed(policy, key, related, [c('Accepted', false, 'TargetNotFound', missing.join('; '))]) as E;
  return settle(policy, { namespace, key, targets: unique, related, missing, c });
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
