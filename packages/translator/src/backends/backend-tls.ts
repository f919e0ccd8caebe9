/**
 * BackendTLSPolicy (GEP-1897): which policy applies to a Service port, whether it is valid, and the
 * upstream TLS settings it yields. Older policies win a conflict on the same target and sectionName; a
 * policy naming the port's sectionName beats one naming the whole Service.
 */
import { X509Certificate } from 'node:crypto';
import type { UpstreamTLSIR } from '@portico/ir';
import type { BackendTLSPolicy, Condition } from '@portico/resources';
import { servicePorts } from './backends.js';
import { conditionFactory } from '../status/conditions.js';
import { containObject, failureMessage, TRANSLATION_ERROR, type TranslationFailure } from '../containment.js';
import { compareAge, type TranslationContext } from '../context.js';
import { decodeSecretValue } from '../gateways/secrets.js';

export type BackendTLSResult =
  | { kind: 'none' }
  | { kind: 'valid'; tls: UpstreamTLSIR }
  | { kind: 'invalid'; message: string };

interface PolicyEvaluation {
  policy: BackendTLSPolicy;
  key: string;
  /** Accepted + ResolvedRefs for the policy's status. */
  conditions: Condition[];
  tls?: UpstreamTLSIR;
  invalidMessage?: string;
}

interface PolicyIndex {
  /** Winning policy per `namespace/service` or `namespace/service#section`. */
  byTarget: Map<string, PolicyEvaluation>;
  /** Every policy per target, the winner first: losers report Conflicted where the winner applies. */
  allByTarget: Map<string, PolicyEvaluation[]>;
  all: PolicyEvaluation[];
}

const indexes = new WeakMap<TranslationContext, PolicyIndex>();


export function backendTLS(ctx: TranslationContext, namespace: string, service: string, portName: string | undefined): BackendTLSResult {
  const index = policyIndex(ctx);
  const evaluation =
    (portName ? index.byTarget.get(`${namespace}/${service}#${portName}`) : undefined) ??
    index.byTarget.get(`${namespace}/${service}`);
  if (!evaluation) return { kind: 'none' };
  return evaluation.tls
    ? { kind: 'valid', tls: evaluation.tls }
    : { kind: 'invalid', message: evaluation.invalidMessage ?? `BackendTLSPolicy ${evaluation.key} is invalid` };
}

/** Records that a gateway sends traffic to this Service port, for the policy's `status.ancestors`. */
export function recordPolicyAncestor(ctx: TranslationContext, namespace: string, service: string, port: number, gateway: string): void {
  const index = policyIndex(ctx);
  if (index.all.length === 0) return;
  const portName = servicePorts(ctx.resources.get('Service', namespace, service)).find((p) => p.port === port)?.name;
  const sectionKey = portName ? `${namespace}/${service}#${portName}` : undefined;
  const targetKey = sectionKey && index.byTarget.has(sectionKey) ? sectionKey : `${namespace}/${service}`;
  // The policies that lost a conflict on this target get the ancestor too, so that their
  // Accepted=False Conflicted condition is visible (GEP-713 conflict resolution).
  for (const evaluation of index.allByTarget.get(targetKey) ?? []) {
    let set = ctx.policyAncestors.get(evaluation.key);
    if (!set) ctx.policyAncestors.set(evaluation.key, (set = new Set()));
    set.add(gateway);
  }
}

/** Every evaluated policy with the conditions its status should carry. */
export function evaluatedPolicies(ctx: TranslationContext): readonly PolicyEvaluation[] {
  return policyIndex(ctx).all;
}

function policyIndex(ctx: TranslationContext): PolicyIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byTarget: new Map(), allByTarget: new Map(), all: [] };
  const policies = [...ctx.resources.list('BackendTLSPolicy')].sort(compareAge);
  for (const policy of policies) {
    // A policy whose targets cannot be read is left out (it applies to nothing we can name). One whose
    // evaluation throws still holds its targets, as an invalid policy: their connections fail (500)
    // rather than fall back to cleartext, and its status says why.
    const targets = containObject(ctx, policy, () => (policy.spec.targetRefs ?? []).filter((t) => (t.group ?? '') === '' && t.kind === 'Service'), () => undefined);
    if (!targets) continue;
    const evaluation = containObject(ctx, policy, () => evaluatePolicy(ctx, policy), (failure) => failedEvaluation(ctx, policy, failure));
    index.all.push(evaluation);
    const ns = policy.metadata.namespace ?? 'default';
    let conflictedWith: string | undefined;
    for (const t of targets) {
      const key = `${ns}/${t.name}${t.sectionName ? `#${t.sectionName}` : ''}`;
      const holder = index.byTarget.get(key);
      if (holder) conflictedWith = holder.key;
      else index.byTarget.set(key, evaluation);
      const list = index.allByTarget.get(key);
      if (list) list.push(evaluation);
      else index.allByTarget.set(key, [evaluation]);
    }
    if (conflictedWith) {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      evaluation.conditions[0] = c('Accepted', false, 'Conflicted', `BackendTLSPolicy ${conflictedWith} targets the same Service and sectionName and takes precedence (older, or as old and first by namespace/name)`);
    }
  }
  indexes.set(ctx, index);
  return index;
}

function failedEvaluation(ctx: TranslationContext, policy: BackendTLSPolicy, failure: TranslationFailure): PolicyEvaluation {
  const key = `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  return { policy, key, conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))], invalidMessage: `BackendTLSPolicy ${key} could not be translated` };
}

function evaluatePolicy(ctx: TranslationContext, policy: BackendTLSPolicy): PolicyEvaluation {
  const ns = policy.metadata.namespace ?? 'default';
  const key = `${ns}/${policy.metadata.name}`;
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const validation = policy.spec.validation;
  const refs = validation.caCertificateRefs ?? [];
  const bundles: string[] = [];
  const problems: { reason: 'InvalidKind' | 'InvalidCACertificateRef'; message: string }[] = [];
  for (const ref of refs) {
    const problem = caProblem(ctx, ns, ref, bundles);
    if (problem) problems.push(problem);
  }
  const useSystemCAs = refs.length === 0 && validation.wellKnownCACertificates === 'System';
  const resolved = problems.length === 0
    ? c('ResolvedRefs', true, 'ResolvedRefs', 'all CA certificate references resolved')
    : c('ResolvedRefs', false, problems[0]!.reason, problems.map((p) => p.message).join('; '));
  let accepted: Condition;
  let tls: UpstreamTLSIR | undefined;
  let invalidMessage: string | undefined;
  if (refs.length === 0 && !useSystemCAs) {
    invalidMessage = validation.wellKnownCACertificates
      ? `wellKnownCACertificates ${validation.wellKnownCACertificates} is not supported (only System)`
      : 'either caCertificateRefs or wellKnownCACertificates must be set';
    accepted = c('Accepted', false, 'Invalid', invalidMessage);
  } else if (refs.length > 0 && bundles.length === 0) {
    invalidMessage = `BackendTLSPolicy ${key} has no valid CA certificate`;
    accepted = c('Accepted', false, 'NoValidCACertificate', 'none of the caCertificateRefs is valid');
  } else {
    accepted = c('Accepted', true, 'Accepted', 'policy is accepted');
    tls = {
      policy: key,
      sni: validation.hostname,
      ...(useSystemCAs ? { useSystemCAs: true } : { caCertificates: bundles.join('') }),
      subjectAltNames: subjectAltNames(validation),
    };
  }
  return { policy, key, conditions: [accepted, resolved], ...(tls ? { tls } : {}), ...(invalidMessage ? { invalidMessage } : {}) };
}

/**
 * The names the backend's certificate must carry. backendtlspolicy CRD validation.hostname: the
 * hostname "MUST be used for authentication ... unless SubjectAltNames is specified", in which case it
 * "MUST NOT be used for authentication". Spelling the hostname out keeps the IR explicit: an empty
 * list never means "do not verify".
 */
function subjectAltNames(validation: BackendTLSPolicy['spec']['validation']): UpstreamTLSIR['subjectAltNames'] {
  const sans = validation.subjectAltNames ?? [];
  if (sans.length === 0) return [{ type: 'Hostname', value: validation.hostname }];
  return sans.map((san) => ({ type: san.type, value: (san.type === 'URI' ? san.uri : san.hostname) ?? '' }));
}

/** Checks one CA reference; on success appends its PEM to `bundles`. */
function caProblem(
  ctx: TranslationContext,
  namespace: string,
  ref: { group: string; kind: string; name: string },
  bundles: string[],
): { reason: 'InvalidKind' | 'InvalidCACertificateRef'; message: string } | undefined {
  if ((ref.group ?? '') !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
    return { reason: 'InvalidKind', message: `caCertificateRef ${ref.kind} ${ref.name}: only ConfigMap and Secret are supported` };
  }
  const text =
    ref.kind === 'ConfigMap'
      ? ctx.resources.get('ConfigMap', namespace, ref.name)?.data?.['ca.crt']
      : decodeSecretValue(ctx.resources.get('Secret', namespace, ref.name), 'ca.crt');
  const exists = ref.kind === 'ConfigMap' ? ctx.resources.get('ConfigMap', namespace, ref.name) : ctx.resources.get('Secret', namespace, ref.name);
  if (!exists) return { reason: 'InvalidCACertificateRef', message: `${ref.kind} ${namespace}/${ref.name} does not exist` };
  if (!text) return { reason: 'InvalidCACertificateRef', message: `${ref.kind} ${namespace}/${ref.name} has no key ca.crt` };
  try {
    new X509Certificate(text);
  } catch {
    return { reason: 'InvalidCACertificateRef', message: `${ref.kind} ${namespace}/${ref.name} key ca.crt is not a PEM certificate` };
  }
  bundles.push(text.endsWith('\n') ? text : `${text}\n`);
  return undefined;
}
