/**
 * XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1): which policy applies to a Service,
 * whether it is valid, and what it yields — a retry budget for the Service's clusters (GEP-3388) and
 * session persistence for the routes that send to it (GEP-1619).
 *
 * Attachment (GEP-713): `targetRefs` name core Services of the policy's namespace (the CRD allows no
 * sectionName). When two valid policies target the same Service, the older one wins (then the first
 * by namespace/name) and the other reports Accepted=False Conflicted. An invalid policy (a duration
 * that cannot be read) applies to nothing and claims no Service: its traffic is served as if it did
 * not exist, and a valid policy for the same Service applies instead. A policy never touches a
 * Service it does not target.
 */
import type { RetryBudgetIR, SessionPersistenceIR } from '@portico/ir';
import type { Condition, XBackendTrafficPolicy } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory } from '../status/conditions.js';
import { parseDuration } from '../routes/durations.js';
import { ruleExtras } from '../routes/rule-extras.js';

/** The CRD's defaults (budget {percent: 20}, minRetryRate {count: 10}), for objects not defaulted by a loader. */
const DEFAULT_BUDGET_PERCENT = 20;
const DEFAULT_MIN_RETRY_COUNT = 10;

export interface TrafficPolicyEvaluation {
  policy: XBackendTrafficPolicy;
  /** `namespace/name`. */
  key: string;
  /** `namespace/service` of every Service target (existing or not). */
  targets: string[];
  conditions: Condition[];
  /** Set only for a valid policy. */
  retryBudget?: RetryBudgetIR;
  sessionPersistence?: SessionPersistenceIR;
  valid: boolean;
}

interface TrafficPolicyIndex {
  /** The valid policy that applies, per `namespace/service`. */
  byService: Map<string, TrafficPolicyEvaluation>;
  /** Every policy targeting a Service, per `namespace/service`: all of them report on the gateways that use it. */
  allByService: Map<string, TrafficPolicyEvaluation[]>;
  all: TrafficPolicyEvaluation[];
}

const indexes = new WeakMap<TranslationContext, TrafficPolicyIndex>();

/** The retry budget for a Service's clusters, when a valid policy with a retryConstraint targets it. */
export function serviceRetryBudget(ctx: TranslationContext, namespace: string, service: string): RetryBudgetIR | undefined {
  return trafficPolicyIndex(ctx).byService.get(`${namespace}/${service}`)?.retryBudget;
}

/** The session persistence a valid policy gives a Service, if any. */
export function serviceSessionPersistence(ctx: TranslationContext, namespace: string, service: string): SessionPersistenceIR | undefined {
  return trafficPolicyIndex(ctx).byService.get(`${namespace}/${service}`)?.sessionPersistence;
}

/** Every policy, evaluated, with the conditions its status carries. */
export function evaluatedTrafficPolicies(ctx: TranslationContext): readonly TrafficPolicyEvaluation[] {
  return trafficPolicyIndex(ctx).all;
}

/** The policies (winner and losers) that target `namespace/service`. */
export function trafficPoliciesOf(ctx: TranslationContext, serviceKey: string): readonly TrafficPolicyEvaluation[] {
  return trafficPolicyIndex(ctx).allByService.get(serviceKey) ?? [];
}

export function hasTrafficPolicies(ctx: TranslationContext): boolean {
  return trafficPolicyIndex(ctx).all.length > 0;
}

function trafficPolicyIndex(ctx: TranslationContext): TrafficPolicyIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byService: new Map(), allByService: new Map(), all: [] };
  for (const policy of [...ctx.resources.list('XBackendTrafficPolicy')].sort(compareAge)) {
    const evaluation = containObject(ctx, policy, () => evaluatePolicy(ctx, policy), (failure) => {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      return { policy, key: policyKey(policy), targets: [], conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))], valid: false };
    });
    index.all.push(evaluation);
    let conflictedWith: string | undefined;
    for (const target of evaluation.targets) {
      const list = index.allByService.get(target);
      if (list) list.push(evaluation);
      else index.allByService.set(target, [evaluation]);
      if (!evaluation.valid) continue;
      const holder = index.byService.get(target);
      if (holder) conflictedWith ??= holder.key;
      else index.byService.set(target, evaluation);
    }
    if (conflictedWith) {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      evaluation.conditions = [c('Accepted', false, 'Conflicted', `XBackendTrafficPolicy ${conflictedWith} targets the same Service and takes precedence (older, or as old and first by namespace/name)`)];
    }
  }
  indexes.set(ctx, index);
  return index;
}

function policyKey(policy: XBackendTrafficPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function evaluatePolicy(ctx: TranslationContext, policy: XBackendTrafficPolicy): TrafficPolicyEvaluation {
  const namespace = policy.metadata.namespace ?? 'default';
  const key = policyKey(policy);
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const refs = policy.spec.targetRefs ?? [];
  const services = refs.filter((t) => (t.group ?? '') === '' && t.kind === 'Service');
  const targets = [...new Set(services.map((t) => `${namespace}/${t.name}`))];
  const base = { policy, key, targets };
  const invalid = (message: string): TrafficPolicyEvaluation => ({ ...base, conditions: [c('Accepted', false, 'Invalid', message)], valid: false });

  const otherKinds = refs.filter((t) => !((t.group ?? '') === '' && t.kind === 'Service'));
  if (otherKinds.length > 0) {
    return invalid(`targetRefs ${otherKinds.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ')}: only core Services can be targeted`);
  }
  const problems: string[] = [];
  const spec = policy.spec;
  let retryBudget: RetryBudgetIR | undefined;
  let note: string | undefined;
  if (spec.retryConstraint) {
    const { budget, minRetryRate } = spec.retryConstraint;
    for (const [field, text] of [['retryConstraint.budget.interval', budget?.interval], ['retryConstraint.minRetryRate.interval', minRetryRate?.interval]] as const) {
      if (text !== undefined && parseDuration(text) === undefined) problems.push(`${field} ${JSON.stringify(text)} is not a valid duration`);
    }
    retryBudget = {
      policy: key,
      budgetPercent: budget?.percent ?? DEFAULT_BUDGET_PERCENT,
      minRetryConcurrency: minRetryRate?.count ?? DEFAULT_MIN_RETRY_COUNT,
    };
    // Envoy's retry budget is not a rate over a window: it bounds the retries active at once to a share
    // of the requests active at once, with a floor. The intervals have nothing to map to; say so.
    note =
      `retryConstraint is applied as Envoy's retry budget: at most ${retryBudget.budgetPercent}% of the active requests may be retries, ` +
      `and at least ${retryBudget.minRetryConcurrency} concurrent retries (minRetryRate.count) are always allowed; ` +
      'budget.interval and minRetryRate.interval cannot be applied (Envoy counts active requests, not requests over a window)';
  }
  let sessionPersistence: SessionPersistenceIR | undefined;
  if (spec.sessionPersistence) {
    const extras = ruleExtras({ sessionPersistence: spec.sessionPersistence }, (p) => problems.push(p.message));
    sessionPersistence = extras.sessionPersistence;
  }
  if (problems.length > 0) return invalid(problems.join('; '));

  const missing = targets.filter((t) => !ctx.resources.get('Service', namespace, t.slice(namespace.length + 1)));
  if (missing.length === targets.length) {
    return { ...base, conditions: [c('Accepted', false, 'TargetNotFound', `Service ${missing.join(', Service ')} does not exist`)], valid: false };
  }
  const messages = ['policy is accepted'];
  if (missing.length > 0) messages.push(`Service ${missing.join(', Service ')} does not exist`);
  if (note) messages.push(note);
  return {
    ...base,
    conditions: [c('Accepted', true, 'Accepted', messages.join('; '))],
    valid: true,
    ...(retryBudget ? { retryBudget } : {}),
    ...(sessionPersistence ? { sessionPersistence } : {}),
  };
}

/**
 * A rule's session persistence when it sets none itself: the one an XBackendTrafficPolicy gives the
 * first of the rule's backendRefs (in the rule's order) whose Service has one. The rule's own
 * `sessionPersistence` always wins (GEP-713: the more specific attachment, the route rule, overrides
 * the backend's default); a rule that sets none inherits the backend's.
 */
export function backendSessionPersistence(
  ctx: TranslationContext,
  routeNamespace: string,
  refs: readonly { group?: string; kind?: string; name: string; namespace?: string }[] | undefined,
): SessionPersistenceIR | undefined {
  if (!refs?.length || !hasTrafficPolicies(ctx)) return undefined;
  for (const ref of refs) {
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
    const found = serviceSessionPersistence(ctx, ref.namespace ?? routeNamespace, ref.name);
    if (found) return found;
  }
  return undefined;
}
