/**
 * AccessLogPolicy (gateway.portico.dev/v1alpha1): which policy configures the access log of each HTTP
 * connection manager of a Gateway, whether it is valid, and the AccessLogIR it yields.
 *
 * Attachment (GEP-713, Direct): `targetRefs` name Gateways of the policy's namespace, or one listener
 * of one (`sectionName`). Precedence: for a listener, a policy naming it wins over a policy for the
 * whole Gateway; between policies of the same specificity the older one wins (then the first by
 * namespace/name) and the others report Accepted=False Conflicted on that Gateway. Policies never merge.
 *
 * A policy changes logging only, and only for its target: Envoy logs per connection manager, and the
 * HTTP listeners of a Gateway that share a port share one, so a policy naming such a listener would log
 * its neighbours' requests too: it is Invalid on that Gateway instead. An invalid policy applies to
 * nothing (its target keeps the default stdout log or the Gateway-wide policy).
 */
import type { AccessLogIR, AccessLogSinkIR } from '@portico/ir';
import type { AccessLogPolicy, Condition } from '@portico/resources';
import { GATEWAY_GROUP } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory, type ConditionFactory } from '../status/conditions.js';
import { resolveBackendRef } from '../backends/backends.js';
import type { GatewayState } from '../gateways/gateways.js';
import { DEFAULT_JSON_FIELDS, formatProblems } from './access-log-format.js';

interface PolicyEvaluation {
  policy: AccessLogPolicy;
  key: string;
  c: ConditionFactory;
  /** Gateway target → its sectionNames (`''` for the whole Gateway). */
  targets: Map<string, Set<string>>;
  /** The spec's own problems (any Gateway): Invalid everywhere. */
  invalid?: { reason?: string; message: string; resolvedRefs?: { reason: string; message: string } };
  /** The log, without its `listener`, when the spec is valid. */
  log?: Omit<AccessLogIR, 'listener'>;
}

interface GatewayAccessLogs {
  logs: AccessLogIR[];
  /** Policy key → its conditions on this Gateway. */
  conditions: Map<string, Condition[]>;
}

const evaluations = new WeakMap<TranslationContext, PolicyEvaluation[]>();
const perGateway = new WeakMap<TranslationContext, Map<string, GatewayAccessLogs>>();

/** The access logs of a Gateway, by listener, and every targeting policy's conditions on it. */
export function gatewayAccessLogs(ctx: TranslationContext, state: GatewayState): GatewayAccessLogs {
  let byGateway = perGateway.get(ctx);
  if (!byGateway) perGateway.set(ctx, (byGateway = new Map()));
  let result = byGateway.get(state.key);
  if (!result) byGateway.set(state.key, (result = resolveGateway(ctx, state)));
  return result;
}

/** Every AccessLogPolicy, oldest first, with the Gateways (`namespace/name`) it targets. */
export function accessLogPolicies(ctx: TranslationContext): readonly { policy: AccessLogPolicy; key: string; gateways: string[] }[] {
  return evaluated(ctx).map((e) => ({ policy: e.policy, key: e.key, gateways: [...e.targets.keys()] }));
}

function evaluated(ctx: TranslationContext): PolicyEvaluation[] {
  let list = evaluations.get(ctx);
  if (list) return list;
  list = [...ctx.resources.list('AccessLogPolicy')].sort(compareAge).map((policy) => {
    const c = conditionFactory(policy.metadata.generation, ctx.options.now);
    const key = `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
    return containObject(ctx, policy, () => evaluatePolicy(ctx, policy, key, c), (failure) => ({
      policy, key, c, targets: targetsOf(policy), invalid: { message: failureMessage(failure), reason: TRANSLATION_ERROR },
    }));
  });
  evaluations.set(ctx, list);
  return list;
}

function targetsOf(policy: AccessLogPolicy): Map<string, Set<string>> {
  const namespace = policy.metadata.namespace ?? 'default';
  const targets = new Map<string, Set<string>>();
  for (const t of policy.spec.targetRefs ?? []) {
    if (t.group !== GATEWAY_GROUP || t.kind !== 'Gateway') continue;
    const key = `${namespace}/${t.name}`;
    if (!targets.has(key)) targets.set(key, new Set());
    targets.get(key)!.add(t.sectionName ?? '');
  }
  return targets;
}

function evaluatePolicy(ctx: TranslationContext, policy: AccessLogPolicy, key: string, c: ConditionFactory): PolicyEvaluation {
  const base = { policy, key, c, targets: targetsOf(policy) };
  const namespace = policy.metadata.namespace ?? 'default';
  const spec = policy.spec;
  const others = (spec.targetRefs ?? []).filter((t) => t.group !== GATEWAY_GROUP || t.kind !== 'Gateway');
  if (others.length > 0) {
    return { ...base, invalid: { message: `targetRefs ${others.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ')}: only Gateways (gateway.networking.k8s.io) can be targeted` } };
  }
  const problems: string[] = [];
  const type = spec.format?.type ?? 'JSON';
  let format: AccessLogIR['format'];
  // The CRD's CEL rules, for objects no API server validated: a field of the other format is a mistake.
  if (type === 'JSON' && spec.format?.text !== undefined) problems.push('format.text can only be set when format.type is Text');
  if (type === 'Text' && spec.format?.json !== undefined) problems.push('format.json can only be set when format.type is JSON');
  if (type === 'Text') {
    const text = spec.format?.text ?? '';
    if (!text) problems.push('format.text is required when format.type is Text');
    problems.push(...formatProblems('format.text', text));
    format = { type: 'Text', text };
  } else {
    if (spec.format?.json !== undefined && !Array.isArray(spec.format.json)) problems.push('format.json must be a list');
    const fields = Array.isArray(spec.format?.json) && spec.format.json.length > 0 ? spec.format.json.map((f) => ({ name: f.name, value: f.value })) : [...DEFAULT_JSON_FIELDS];
    for (const f of fields) problems.push(...formatProblems(`format.json[${f.name}]`, f.value));
    format = { type: 'JSON', fields };
  }
  const sinks: AccessLogSinkIR[] = [];
  let resolvedRefs: { reason: string; message: string } | undefined;
  if (spec.sinks !== undefined && !Array.isArray(spec.sinks)) problems.push('sinks must be a list');
  const declared = Array.isArray(spec.sinks) ? spec.sinks : [];
  for (const [i, sink] of declared.entries()) {
    if (sink.type === 'Stdout') sinks.push({ type: 'Stdout' });
    else if (sink.type === 'File') {
      const path = sink.file?.path ?? '';
      if (!path.startsWith('/') || path.includes('\0')) problems.push(`sinks[${i}].file.path ${JSON.stringify(path)} is not an absolute path`);
      else sinks.push({ type: 'File', path });
    } else if (sink.type === 'OpenTelemetry' && sink.openTelemetry?.backendRef) {
      const from = { group: 'gateway.portico.dev', kind: 'AccessLogPolicy', namespace };
      const resolution = resolveBackendRef(ctx, from, sink.openTelemetry.backendRef, 'GRPC');
      if (!resolution.ok) {
        problems.push(`sinks[${i}].openTelemetry.backendRef: ${resolution.message}`);
        resolvedRefs ??= { reason: resolution.reason, message: resolution.message };
      } else if (resolution.invalidTLS) problems.push(`sinks[${i}].openTelemetry.backendRef: ${resolution.invalidTLS}`);
      else {
        const { service } = resolution.backend;
        sinks.push({ type: 'OpenTelemetry', backend: resolution.backend.name, authority: `${service.name}.${service.namespace}:${service.port}`, logName: sink.openTelemetry.logName ?? '' });
      }
    } else problems.push(`sinks[${i}]: type ${JSON.stringify(sink.type)} needs its openTelemetry settings`);
  }
  if (sinks.length === 0 && problems.length === 0) problems.push('sinks must name at least one sink');
  const min = spec.filter?.minStatusCode;
  if (min !== undefined && !(Number.isInteger(min) && min >= 100 && min <= 599)) problems.push(`filter.minStatusCode ${min} is not an HTTP status code`);
  if (problems.length > 0) return { ...base, invalid: { message: problems.join('; '), ...(resolvedRefs ? { resolvedRefs } : {}) } };
  return { ...base, log: { policy: key, format, sinks, ...(min !== undefined ? { minStatusCode: min } : {}) } };
}

/** Winners per listener ('' = the whole Gateway) and every policy's verdict on this Gateway. */
function resolveGateway(ctx: TranslationContext, state: GatewayState): GatewayAccessLogs {
  const conditions = new Map<string, Condition[]>();
  const winners = new Map<string, PolicyEvaluation>();
  const httpListeners = state.listeners.filter((l) => l.spec.protocol === 'HTTP' || l.spec.protocol === 'HTTPS');
  for (const e of evaluated(ctx)) {
    const sections = e.targets.get(state.key);
    if (!sections) continue;
    // A bug of ours on one policy costs that policy on this Gateway, never the Gateway's config.
    containObject(ctx, e.policy, () => judgeOnGateway(e, sections), (failure) => conditions.set(e.key, [e.c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))]));
  }
  const logs = [...winners].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([section, e]) => ({ ...e.log!, ...(section ? { listener: section } : {}) }));
  return { logs, conditions };

  function judgeOnGateway(e: PolicyEvaluation, sections: Set<string>): void {
    const { c } = e;
    if (e.invalid) {
      conditions.set(e.key, [c('Accepted', false, e.invalid.reason ?? 'Invalid', e.invalid.message), ...(e.invalid.resolvedRefs ? [c('ResolvedRefs', false, e.invalid.resolvedRefs.reason, e.invalid.resolvedRefs.message)] : [])]);
      return;
    }
    const problems: string[] = [];
    const missing: string[] = [];
    for (const section of sections) {
      if (section === '') continue;
      const listener = state.listeners.find((l) => l.spec.name === section);
      if (!listener) missing.push(section);
      else if (listener.spec.protocol !== 'HTTP' && listener.spec.protocol !== 'HTTPS') problems.push(`listener ${section} is ${listener.spec.protocol}: only HTTP and HTTPS listeners log through an AccessLogPolicy`);
      else if (listener.spec.protocol === 'HTTP') {
        const neighbours = httpListeners.filter((l) => l !== listener && l.spec.protocol === 'HTTP' && l.spec.port === listener.spec.port).map((l) => l.spec.name);
        if (neighbours.length > 0) {
          problems.push(`listener ${section} shares port ${listener.spec.port} with listener ${neighbours.join(', ')}: Envoy logs per port, so the policy would log their requests too; target the Gateway, or give the listener its own port`);
        }
      }
    }
    if (problems.length > 0) {
      conditions.set(e.key, [c('Accepted', false, 'Invalid', problems.join('; '))]);
      return;
    }
    if (missing.length === sections.size) {
      conditions.set(e.key, [c('Accepted', false, 'TargetNotFound', `Gateway ${state.key} has no listener ${missing.join(', ')}`)]);
      return;
    }
    const lost: string[] = [];
    for (const section of sections) {
      if (missing.includes(section)) continue;
      const holder = winners.get(section);
      if (holder) lost.push(holder.key);
      else winners.set(section, e);
    }
    if (lost.length > 0 && [...sections].every((s) => missing.includes(s) || winners.get(s) !== e)) {
      conditions.set(e.key, [c('Accepted', false, 'Conflicted', `AccessLogPolicy ${[...new Set(lost)].join(', ')} targets the same ${sections.has('') ? 'Gateway' : 'listener'} and takes precedence (older, or as old and first by namespace/name)`)]);
      return;
    }
    const notes = ['policy is accepted'];
    if (missing.length > 0) notes.push(`Gateway ${state.key} has no listener ${missing.join(', ')}`);
    if (lost.length > 0) notes.push(`AccessLogPolicy ${[...new Set(lost)].join(', ')} takes precedence on part of the targets`);
    conditions.set(e.key, [c('Accepted', true, 'Accepted', notes.join('; '))]);
  }
}
