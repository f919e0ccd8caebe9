/**
 * BackendPolicy (gateway.portico.dev/v1alpha1): which policy applies to a Service port, whether it is
 * valid, and what it gives the port's clusters (backend-policy-settings.ts).
 *
 * Attachment (GEP-713, direct): `targetRefs` name core Services of the policy's namespace, optionally
 * one port by name (`sectionName`). Precedence: for a Service port, a valid policy naming that port
 * wins over a valid policy naming the whole Service; between policies of the same specificity, the
 * older wins (then the first by namespace/name) and the others report Accepted=False Conflicted.
 * The winner applies whole — policies never merge field by field. An invalid policy applies to
 * nothing and claims nothing: a valid policy for the same target applies instead, and nothing else
 * changes. A policy never touches a Service it does not target.
 */
import type { BackendPolicyIR, HashPolicyIR } from '@portico/ir';
import type { BackendPolicy, Condition } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory } from '../status/conditions.js';
import { servicePorts } from '../backends/backends.js';
import { backendPolicySettings } from './backend-policy-settings.js';

export interface BackendPolicyEvaluation {
  policy: BackendPolicy;
  /** `namespace/name`. */
  key: string;
  /** `namespace/service` (whole Service) or `namespace/service#port` (one port), for every target. */
  targets: string[];
  conditions: Condition[];
  valid: boolean;
}

/** What applies to one Service port. */
export interface AppliedBackendPolicy {
  settings: BackendPolicyIR;
  hashPolicy?: HashPolicyIR;
}

interface BackendPolicyIndex {
  /** The valid policy that holds each target key. */
  byTarget: Map<string, BackendPolicyEvaluation>;
  /** Every policy naming a Service (whole or one port), per `namespace/service`. */
  allByService: Map<string, BackendPolicyEvaluation[]>;
  all: BackendPolicyEvaluation[];
}

const indexes = new WeakMap<TranslationContext, BackendPolicyIndex>();

/**
 * The policy for `namespace/service` port `portName` (a port-specific policy first, then one for the
 * whole Service), its settings computed for that Service; undefined when none applies.
 */
export function backendPolicyFor(ctx: TranslationContext, namespace: string, service: string, portName: string | undefined): AppliedBackendPolicy | undefined {
  const index = backendPolicyIndex(ctx);
  if (index.all.length === 0) return undefined;
  const serviceKey = `${namespace}/${service}`;
  const evaluation = (portName ? index.byTarget.get(`${serviceKey}#${portName}`) : undefined) ?? index.byTarget.get(serviceKey);
  if (!evaluation) return undefined;
  const { settings, hashPolicy } = backendPolicySettings(evaluation.policy.spec, { namespace, name: service });
  return { settings: { policy: evaluation.key, ...settings }, ...(hashPolicy ? { hashPolicy } : {}) };
}

export function evaluatedBackendPolicies(ctx: TranslationContext): readonly BackendPolicyEvaluation[] {
  return backendPolicyIndex(ctx).all;
}

/** Every policy (winners and losers) naming `namespace/service`. */
export function backendPoliciesOf(ctx: TranslationContext, serviceKey: string): readonly BackendPolicyEvaluation[] {
  return backendPolicyIndex(ctx).allByService.get(serviceKey) ?? [];
}

export function hasBackendPolicies(ctx: TranslationContext): boolean {
  return backendPolicyIndex(ctx).all.length > 0;
}

function backendPolicyIndex(ctx: TranslationContext): BackendPolicyIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byTarget: new Map(), allByService: new Map(), all: [] };
  for (const policy of [...ctx.resources.list('BackendPolicy')].sort(compareAge)) {
    const evaluation = containObject(ctx, policy, () => evaluatePolicy(ctx, policy), (failure) => {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      return { policy, key: policyKey(policy), targets: [], conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))], valid: false };
    });
    index.all.push(evaluation);
    const conflicts: string[] = [];
    for (const target of evaluation.targets) {
      const serviceKey = target.split('#')[0]!;
      const list = index.allByService.get(serviceKey);
      if (!list) index.allByService.set(serviceKey, [evaluation]);
      else if (!list.includes(evaluation)) list.push(evaluation);
      if (!evaluation.valid) continue;
      const holder = index.byTarget.get(target);
      if (holder) conflicts.push(`${holder.key} (${describeTarget(target)})`);
      else index.byTarget.set(target, evaluation);
    }
    if (conflicts.length > 0) {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      const whole = conflicts.length === evaluation.targets.length;
      evaluation.conditions = [
        c(
          'Accepted',
          false,
          'Conflicted',
          `BackendPolicy ${conflicts.join(', BackendPolicy ')} targets the same ${conflicts.length === 1 ? 'target' : 'targets'} and takes precedence (older, or as old and first by namespace/name)` +
            (whole ? '' : '; this policy still applies to its other targets'),
        ),
      ];
    }
  }
  noteOverriddenPorts(index);
  indexes.set(ctx, index);
  return index;
}

/**
 * A whole-Service policy that a port-specific one overrides on some port says so in its Accepted
 * message: the user sees on the policy itself why a port does not get its settings.
 */
function noteOverriddenPorts(index: BackendPolicyIndex): void {
  for (const [target, holder] of index.byTarget) {
    const hash = target.indexOf('#');
    if (hash < 0) continue;
    const whole = index.byTarget.get(target.slice(0, hash));
    const accepted = whole?.conditions[0];
    if (!whole || whole === holder || accepted?.status !== 'True') continue;
    accepted.message += `; on Service ${target.slice(0, hash)} port ${target.slice(hash + 1)}, BackendPolicy ${holder.key} applies instead (it names the port)`;
  }
}

function describeTarget(target: string): string {
  const [service, port] = target.split('#');
  return port ? `Service ${service} port ${port}` : `Service ${service}`;
}

function policyKey(policy: BackendPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function evaluatePolicy(ctx: TranslationContext, policy: BackendPolicy): BackendPolicyEvaluation {
  const namespace = policy.metadata.namespace ?? 'default';
  const key = policyKey(policy);
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const refs = Array.isArray(policy.spec?.targetRefs) ? policy.spec.targetRefs : [];
  const isService = (t: { group?: string; kind?: string }) => (t.group ?? '') === '' && t.kind === 'Service';
  const targets = [...new Set(refs.filter(isService).map((t) => (t.sectionName ? `${namespace}/${t.name}#${t.sectionName}` : `${namespace}/${t.name}`)))];
  const base = { policy, key, targets };
  const invalid = (message: string): BackendPolicyEvaluation => ({ ...base, conditions: [c('Accepted', false, 'Invalid', message)], valid: false });

  if (refs.length === 0) return invalid('targetRefs is empty: the policy targets nothing');
  const otherKinds = refs.filter((t) => !isService(t));
  if (otherKinds.length > 0) {
    return invalid(`targetRefs ${otherKinds.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ')}: only core Services can be targeted`);
  }
  const { problems } = backendPolicySettings(policy.spec, { namespace, name: refs[0]!.name });
  if (problems.length > 0) return invalid(problems.join('; '));

  const missing = targets.filter((t) => !targetExists(ctx, namespace, t));
  if (missing.length === targets.length) {
    return { ...base, conditions: [c('Accepted', false, 'TargetNotFound', `${missing.map((t) => describeTarget(t)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`)], valid: false };
  }
  const messages = ['policy is accepted'];
  if (missing.length > 0) messages.push(`${missing.map((t) => describeTarget(t)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`);
  return { ...base, conditions: [c('Accepted', true, 'Accepted', messages.join('; '))], valid: true };
}

function targetExists(ctx: TranslationContext, namespace: string, target: string): boolean {
  const [serviceKey, port] = target.split('#') as [string, string | undefined];
  const service = ctx.resources.get('Service', namespace, serviceKey.slice(namespace.length + 1));
  if (!service) return false;
  return port === undefined || servicePorts(service).some((p) => p.name === port);
}
