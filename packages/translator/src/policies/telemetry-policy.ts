/**
 * XTelemetryPolicy (gateway.networking.x-k8s.io/v1alpha1): which policy configures a Gateway's
 * tracing, whether it is valid, and the TracingIR it yields.
 *
 * Attachment (GEP-713, Direct): `targetRefs` name Gateways of the policy's namespace. Only one policy
 * applies to a Gateway: among the valid ones, the older wins, then the first by namespace/name (the
 * CRD's own precedence rule); the others report Accepted=False Conflicted on that Gateway. An invalid
 * policy applies to nothing and claims no Gateway, so a valid one for the same Gateway applies instead.
 *
 * What Envoy does with it (README "XTelemetryPolicy"): tracing `Enabled` installs Envoy's OpenTelemetry
 * tracer on every HTTP connection manager of the Gateway; `Disabled` and `ImplementationDefault` trace
 * nothing (Portico's default is no tracing).
 */
import type { TracingAttributeIR, TracingIR } from '@portico/ir';
import type { Condition, TelemetryFraction, TelemetryTracing, XTelemetryPolicy } from '@portico/resources';
import { GATEWAY_GROUP } from '@portico/resources';
import { compareAge, type TranslationContext } from '../context.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { conditionFactory } from '../status/conditions.js';
import { resolveBackendRef } from '../backends/backends.js';

/** Envoy's own default for random_sampling. */
const FULL_SAMPLING_PERCENT = 100;

/** TracingIR without the per-gateway default service name. */
type PolicyTracing = Omit<TracingIR, 'serviceName'> & { serviceName?: string };

export interface TelemetryPolicyEvaluation {
  policy: XTelemetryPolicy;
  /** `namespace/name`. */
  key: string;
  /** `namespace/gateway` of every Gateway target (ours or not, existing or not). */
  targets: string[];
  conditions: Condition[];
  /** Valid and tracing Enabled. */
  tracing?: PolicyTracing;
  valid: boolean;
}

interface TelemetryPolicyIndex {
  /** The valid policy that applies, per `namespace/gateway`. */
  byGateway: Map<string, TelemetryPolicyEvaluation>;
  all: TelemetryPolicyEvaluation[];
}

const indexes = new WeakMap<TranslationContext, TelemetryPolicyIndex>();

/** The tracing of a Gateway (`namespace/name`), when a valid policy with tracing Enabled applies to it. */
export function gatewayTracing(ctx: TranslationContext, gateway: string): TracingIR | undefined {
  const tracing = telemetryPolicyIndex(ctx).byGateway.get(gateway)?.tracing;
  if (!tracing) return undefined;
  // The implementation's default service.name: the Gateway, as `<name>.<namespace>` (Envoy Gateway's form).
  const [namespace, name] = gateway.split('/') as [string, string];
  return { ...tracing, serviceName: tracing.serviceName ?? `${name}.${namespace}` };
}

/** Every policy, evaluated, in precedence order. */
export function evaluatedTelemetryPolicies(ctx: TranslationContext): readonly TelemetryPolicyEvaluation[] {
  return telemetryPolicyIndex(ctx).all;
}

/** The policy that applies to `gateway`, if any (for the losers' Conflicted message). */
export function telemetryPolicyOf(ctx: TranslationContext, gateway: string): TelemetryPolicyEvaluation | undefined {
  return telemetryPolicyIndex(ctx).byGateway.get(gateway);
}

function telemetryPolicyIndex(ctx: TranslationContext): TelemetryPolicyIndex {
  let index = indexes.get(ctx);
  if (index) return index;
  index = { byGateway: new Map(), all: [] };
  for (const policy of [...ctx.resources.list('XTelemetryPolicy')].sort(compareAge)) {
    const evaluation = containObject(ctx, policy, () => evaluatePolicy(ctx, policy), (failure) => {
      const c = conditionFactory(policy.metadata.generation, ctx.options.now);
      return { policy, key: policyKey(policy), targets: [], conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))], valid: false };
    });
    index.all.push(evaluation);
    if (!evaluation.valid) continue;
    for (const target of evaluation.targets) if (!index.byGateway.has(target)) index.byGateway.set(target, evaluation);
  }
  indexes.set(ctx, index);
  return index;
}

function policyKey(policy: XTelemetryPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function evaluatePolicy(ctx: TranslationContext, policy: XTelemetryPolicy): TelemetryPolicyEvaluation {
  const namespace = policy.metadata.namespace ?? 'default';
  const key = policyKey(policy);
  const c = conditionFactory(policy.metadata.generation, ctx.options.now);
  const refs = policy.spec.targetRefs ?? [];
  const isGateway = (t: { group?: string; kind: string }) => t.group === GATEWAY_GROUP && t.kind === 'Gateway';
  const targets = [...new Set(refs.filter(isGateway).map((t) => `${namespace}/${t.name}`))];
  const base = { policy, key, targets };
  const invalid = (message: string, resolvedRefs?: { reason: string; message: string }): TelemetryPolicyEvaluation => ({
    ...base,
    conditions: [c('Accepted', false, 'Invalid', message), ...(resolvedRefs ? [c('ResolvedRefs', false, resolvedRefs.reason, resolvedRefs.message)] : [])],
    valid: false,
  });

  const otherKinds = refs.filter((t) => !isGateway(t));
  if (otherKinds.length > 0) {
    return invalid(`targetRefs ${otherKinds.map((t) => `${t.group || 'core'}/${t.kind} ${t.name}`).join(', ')}: only Gateways (gateway.networking.k8s.io) can be targeted`);
  }
  const tracing = policy.spec.tracing;
  if (!tracing) return invalid('tracing is required (the only telemetry signal XTelemetryPolicy v1alpha1 defines)');
  if ((tracing.mode ?? 'ImplementationDefault') !== 'Enabled') {
    return { ...base, conditions: [c('Accepted', true, 'Accepted', `policy is accepted; tracing mode ${tracing.mode ?? 'ImplementationDefault'}: no spans are exported`)], valid: true };
  }
  const problems = tracingProblems(tracing);
  if (problems.length > 0) return invalid(problems.join('; '));
  const ref = tracing.provider!.backendRef;
  const from = { group: 'gateway.networking.x-k8s.io', kind: 'XTelemetryPolicy', namespace };
  let resolution = resolveBackendRef(ctx, from, ref, 'GRPC');
  if (resolution.ok && otlpOverHttp(resolution.backend.servicePort)) resolution = resolveBackendRef(ctx, from, ref, 'HTTP');
  if (!resolution.ok) {
    return invalid(`tracing.provider.backendRef: ${resolution.message}`, { reason: resolution.reason, message: resolution.message });
  }
  if (resolution.invalidTLS) return invalid(`tracing.provider.backendRef: ${resolution.invalidTLS}`);
  const { backend } = resolution;
  const protocol = backend.protocol === 'HTTP' ? 'HTTP' : 'GRPC';
  const samplingPercent = percentOf(tracing.samplingRate) ?? FULL_SAMPLING_PERCENT;
  const ir: PolicyTracing = {
    policy: key,
    backend: backend.name,
    protocol,
    authority: `${backend.service.name}.${backend.service.namespace}:${backend.service.port}`,
    ...(tracing.serviceName ? { serviceName: tracing.serviceName } : {}),
    samplingPercent,
    ...(tracing.spanName ? { spanName: tracing.spanName } : {}),
    attributes: (tracing.attributes ?? []).map(attributeIR),
    ...(tracing.provider?.headers?.length ? { exportHeaders: tracing.provider.headers.map((h) => ({ name: h.name, value: h.value })) } : {}),
  };
  const message =
    `policy is accepted; spans are exported over OTLP/${protocol === 'HTTP' ? 'HTTP' : 'gRPC'} to Service ${backend.service.namespace}/${backend.service.name} port ${backend.service.port}, ` +
    `${samplingPercent}% of requests sampled (a parent's sampling decision is not followed)`;
  return { ...base, conditions: [c('Accepted', true, 'Accepted', message), c('ResolvedRefs', true, 'ResolvedRefs', 'the tracing provider backendRef is resolved')], tracing: ir, valid: true };
}

/** What the CRD's rules do not catch (objects not validated by an API server) and what Envoy cannot do. */
function tracingProblems(tracing: TelemetryTracing): string[] {
  const problems: string[] = [];
  if (!tracing.provider?.backendRef) problems.push('tracing.provider.backendRef is required when mode is Enabled');
  const rate = tracing.samplingRate;
  if (rate && percentOf(rate) === undefined) problems.push(`tracing.samplingRate ${rate.numerator}/${rate.denominator ?? 100} is not a fraction between 0 and 1`);
  // Envoy 1.40's OpenTelemetry tracer decides by its own sampling only: a sampled traceparent at a 0%
  // rate gives no span (measured in e2e/test/envoy/envoy-telemetry-policy.test.ts).
  if (tracing.parentBasedSampling?.mode === 'Enabled') {
    problems.push("tracing.parentBasedSampling.mode Enabled is not supported: Envoy's OpenTelemetry tracer samples by its own rate and does not follow a parent's sampling decision (Disabled is what it does)");
  }
  if (tracing.attributes !== undefined && !Array.isArray(tracing.attributes)) problems.push('tracing.attributes must be a list');
  for (const a of Array.isArray(tracing.attributes) ? tracing.attributes : []) {
    if (a.sourceType === 'Attribute') {
      problems.push(`tracing.attributes[${a.name}]: sourceType Attribute is not supported (Envoy's custom span tags take a request header or a literal; its spans already carry the standard HTTP attributes)`);
    } else if (a.sourceType === 'Header' ? !a.headerName : a.sourceType === 'Literal' ? !a.literalValue : true) {
      problems.push(`tracing.attributes[${a.name}]: sourceType ${JSON.stringify(a.sourceType)} needs ${a.sourceType === 'Header' ? 'headerName' : 'literalValue'}`);
    }
  }
  return problems;
}

/** numerator/denominator as a percentage; undefined when it is not a fraction in [0, 1]. */
function percentOf(rate: TelemetryFraction | undefined): number | undefined {
  if (!rate) return undefined;
  const denominator = rate.denominator ?? 100;
  if (!(denominator >= 1) || !(rate.numerator >= 0) || rate.numerator > denominator) return undefined;
  // Rounded to a millionth of a percent, so 1/3 reads 33.333333 in the dumps.
  return Math.round((rate.numerator / denominator) * 100 * 1e6) / 1e6;
}

/**
 * OTLP/HTTP when the Service port says HTTP (appProtocol `http`, or a port name `http`/`otlp-http`/
 * `http-…`); OTLP/gRPC otherwise, the protocol every collector serves (port 4317 by convention).
 */
function otlpOverHttp(port: { name?: string; appProtocol?: string }): boolean {
  const app = port.appProtocol?.toLowerCase();
  if (app !== undefined) return app === 'http' || app === 'kubernetes.io/http';
  const name = port.name?.toLowerCase() ?? '';
  return name === 'http' || name === 'otlp-http' || name.startsWith('http-');
}

function attributeIR(a: { name: string; sourceType: string; headerName?: string; literalValue?: string }): TracingAttributeIR {
  return a.sourceType === 'Header' ? { name: a.name, header: a.headerName! } : { name: a.name, literal: a.literalValue! };
}
