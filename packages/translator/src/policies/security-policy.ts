/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1): which policy protects which target, whether it is
 * valid, and what its targets enforce (security-policy-features.ts).
 *
 * Attachment (GEP-713): `targetRefs` name, in the policy's namespace, a Gateway (sectionName: one of
 * its own listeners), an HTTPRoute or a GRPCRoute (sectionName: a rule's `name`). Precedence: a
 * request is checked by exactly one policy, the most specific that targets it — route rule, then
 * route, then listener, then Gateway — whole; policies are never merged (as Envoy Gateway's
 * SecurityPolicy). Two policies naming the same target: the older wins (then the first by
 * namespace/name) and the other reports Accepted=False Conflicted.
 *
 * A policy whose settings cannot be enforced (a missing Secret, an htpasswd line Envoy cannot verify,
 * a JWKS that is not one, an extAuth Service that does not resolve) still claims its targets and fails closed: they answer 500 rather than be
 * served unprotected, and nothing else changes. A policy none of whose targets exists claims nothing
 * (TargetNotFound).
 */
import type { ExternalAuthIR, SecurityIR } from '@portico/ir';
import { GATEWAY_GROUP, type Condition, type SecurityPolicy } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory } from '../status/conditions.js';
import { policyExternalAuth } from './security-policy-ext-auth.js';
import { securityIR } from './security-policy-features.js';

const TARGET_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute']);

export interface SecurityEvaluation {
  policy: SecurityPolicy;
  /** `namespace/name`. */
  key: string;
  /** Target keys (securityTargetKey) of the targets that exist. */
  targets: string[];
  /**
   * Keys of the Gateways and routes that exist but lack the named listener or rule: the policy
   * reports (TargetNotFound) on the Gateways they are served through, and claims nothing there.
   */
  related: string[];
  conditions: Condition[];
  /** What its targets enforce; absent when the policy fails closed. */
  security?: SecurityIR;
  /**
   * Its `extAuth`, served as the routes' externalAuth (the HTTPRoute ExternalAuth filter's IR and Envoy
   * path); absent without extAuth or when the policy fails closed.
   */
  externalAuth?: ExternalAuthIR;
  /** Claims its targets (valid, or invalid and failing closed). */
  claims: boolean;
}

interface SecurityIndex {
  /** The policy that applies per target key: the winner of each target. */
  byTarget: Map<string, SecurityEvaluation>;
  /** Every policy naming a target (winners and losers), for their ancestors. */
  allByTarget: Map<string, SecurityEvaluation[]>;
  all: SecurityEvaluation[];
}

const indexes = new WeakMap<TranslationContext, SecurityIndex>();

/** `Kind/namespace/name[/sectionName]`. */
export function securityTargetKey(kind: string, namespace: string, name: string, sectionName?: string): string {
  return sectionName === undefined ? `${kind}/${namespace}/${name}` : `${kind}/${namespace}/${name}/${sectionName}`;
}

export function hasSecurityPolicies(ctx: TranslationContext): boolean {
  return securityIndex(ctx).all.length > 0;
}

/** The policy that applies to the first of `keys` (most specific first) that one claims. */
export function effectiveSecurityPolicy(ctx: TranslationContext, keys: readonly string[]): SecurityEvaluation | undefined {
  const index = securityIndex(ctx);
  for (const key of keys) {
    const found = index.byTarget.get(key);
    if (found) return found;
  }
  return undefined;
}

/** Every policy (winner or not) naming one of `keys`. */
export function securityPoliciesNaming(ctx: TranslationContext, keys: readonly string[]): SecurityEvaluation[] {
  const index = securityIndex(ctx);
  return keys.flatMap((k) => index.allByTarget.get(k) ?? []);
}

export function evaluatedSecurityPolicies(ctx: TranslationContext): readonly SecurityEvaluation[] {
  return securityIndex(ctx).all;
}

function securityIndex(ctx: TranslationContext): SecurityIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byTarget: new Map(), allByTarget: new Map(), all: [] };
  for (const policy of [...ctx.resources.list('SecurityPolicy')].sort(compareAge)) {
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
      evaluation.conditions = [c('Accepted', false, 'Conflicted', `SecurityPolicy ${holder} also targets ${target} and takes precedence there (older, or as old and first by namespace/name)${still}`)];
    }
  }
  indexes.set(ctx, index);
  return index;
}

function policyKey(policy: SecurityPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function evaluatePolicy(ctx: TranslationContext, policy: SecurityPolicy): SecurityEvaluation {
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
    if (!problem) targets.push(securityTargetKey(ref.kind, namespace, ref.name, ref.sectionName));
    else {
      missing.push(problem.message);
      if (problem.parentExists) related.push(securityTargetKey(ref.kind, namespace, ref.name));
    }
  }
  const unique = [...new Set(targets)];
  if (unique.length === 0) {
    return { policy, key, targets: [], related, conditions: [c('Accepted', false, 'TargetNotFound', missing.join('; '))], claims: false };
  }
  const problems: string[] = [];
  const security = securityIR(ctx, policy, key, problems);
  const externalAuth = policy.spec.extAuth ? policyExternalAuth(ctx, namespace, policy.spec.extAuth, problems) : undefined;
  if (problems.length > 0) {
    const message = `${problems.join('; ')}; the policy's targets answer 500 until it is fixed (fail closed)`;
    return { policy, key, targets: unique, related, conditions: [c('Accepted', false, 'Invalid', message)], claims: true };
  }
  const messages = ['policy is accepted', ...missing];
  return { policy, key, targets: unique, related, conditions: [c('Accepted', true, 'Accepted', messages.join('; '))], security, ...(externalAuth ? { externalAuth } : {}), claims: true };
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
