/**
 * A rule's backendRefs as a weighted destination. Unresolvable refs keep their share of the weight as
 * an `invalid` entry (HTTP answers 500 for it, httproute_types.go BackendRef); weight-0 refs carry no
 * traffic and are left out. When nothing valid carries traffic, the whole rule answers 500.
 */
import type { DestinationIR, BackendRouteTimeoutsIR, HashPolicyIR, HeaderModifierIR, PathModifierIR, WeightedBackendIR } from '@portico/ir';
import type { BackendRef } from '@portico/resources';
import { resolveBackendRef, type ProtocolHint, type ReferrerRef } from './backends.js';
import type { TranslationContext } from '../context.js';

export interface Problem {
  reason: string;
  message: string;
}

/** Where a route sends traffic, for BackendTLSPolicy ancestors. */
export interface ServicePortUse {
  namespace: string;
  service: string;
  port: number;
}

export interface DestinationSink {
  unresolved: Problem[];
  servicePorts: ServicePortUse[];
  /** What in the rule answers 500 because it cannot be served as written (route-status.ts says so). */
  failedClosed: Problem[];
}

export type DestinationResult = { destination: DestinationIR } | { directResponse: { status: number } };

export interface BackendRefWithModifiers extends BackendRef {
  requestHeaders?: HeaderModifierIR;
  responseHeaders?: HeaderModifierIR;
  /** A backendRef URLRewrite (backend-url-rewrite.ts decides what of it can be served). */
  urlRewrite?: { hostname?: string; path?: PathModifierIR };
  /** A backendRef filter we cannot serve: this backend's share of the requests answers 500. */
  unservableFilter?: Problem;
}

export function buildDestination(
  ctx: TranslationContext,
  from: ReferrerRef,
  refs: readonly BackendRefWithModifiers[],
  hint: ProtocolHint,
  sink: DestinationSink,
): DestinationResult {
  const backends: WeightedBackendIR[] = [];
  let hashPolicy: HashPolicyIR | undefined;
  let backendTimeouts: BackendRouteTimeoutsIR | undefined;
  for (const ref of refs) {
    const weight = ref.weight ?? 1;
    if (ref.unservableFilter) {
      sink.unresolved.push(ref.unservableFilter);
      sink.failedClosed.push(ref.unservableFilter);
      if (weight > 0) backends.push({ weight, invalid: { status: 500, reason: ref.unservableFilter.message } });
      continue;
    }
    const resolution = resolveBackendRef(ctx, from, ref, hint);
    if (!resolution.ok) {
      sink.unresolved.push({ reason: resolution.reason, message: resolution.message });
      if (weight > 0) backends.push({ weight, invalid: { status: 500, reason: resolution.message } });
      continue;
    }
    sink.servicePorts.push({ namespace: resolution.backend.service.namespace, service: resolution.backend.service.name, port: resolution.backend.service.port });
    if (weight === 0) continue;
    if (resolution.invalidTLS) {
      backends.push({ weight, invalid: { status: 500, reason: resolution.invalidTLS } });
      continue;
    }
    hashPolicy ??= resolution.backend.hashPolicy;
    backendTimeouts ??= resolution.backend.routeTimeouts;
    backends.push({
      weight,
      backend: resolution.backend.name,
      ...(ref.requestHeaders ? { requestHeaders: ref.requestHeaders } : {}),
      ...(ref.responseHeaders ? { responseHeaders: ref.responseHeaders } : {}),
      ...(ref.urlRewrite?.hostname ? { rewriteHostname: ref.urlRewrite.hostname } : {}),
    });
  }
  if (!backends.some((b) => 'backend' in b)) return { directResponse: { status: 500 } };
  // One hash per request (Envoy's RouteAction.hash_policy): the first hashed backend's key, in rule order.
  // Likewise one route timeout: the first backend whose BackendPolicy sets timeouts gives the defaults.
  return { destination: { backends, ...(hashPolicy ? { hashPolicy } : {}), ...(backendTimeouts ? { backendTimeouts } : {}) } };
}

/** Stable, de-duplicated ResolvedRefs message: the first reason, every message. */
export function summarizeProblems(problems: Problem[]): Problem | undefined {
  if (problems.length === 0) return undefined;
  const messages = [...new Set(problems.map((p) => p.message))];
  return { reason: problems[0]!.reason, message: messages.join('; ') };
}
