/**
 * Gateway API + Ingress → IR per Gateway + statuses. Pure: the same ResourceSet and options always
 * give the same result, and a mistake in one object becomes a status condition on it, never an
 * exception that would cost the other objects their config. An exception that does happen (a bug of
 * ours) is contained to the object being translated (containment.ts): it is left out, its status says
 * TranslationError, and `failures` names it; the others translate as if it were not there.
 */
import type { GatewayIR } from '@portico/ir';
import type { ResourceSet, Route } from '@portico/resources';
import type { BackendSpec } from './backends/backends.js';
import { evaluatedPolicies, recordPolicyAncestor } from './backends/backend-tls.js';
import { createContext, setStatus, type TranslationContext } from './context.js';
import { acceptGatewayClasses } from './gateways/gateway-classes.js';
import { buildGatewayIR, type AcceptedAttachment } from './gateway-ir/gateway-ir.js';
import { gatewayStatus } from './gateways/gateway-status.js';
import { collectGateways, type GatewayState } from './gateways/gateways.js';
import { translateGRPCRoute } from './routes/grpc-routes.js';
import { translateHTTPRoute } from './routes/http-routes.js';
import { translateIngresses } from './ingress/index.js';
import { translateL4Route } from './routes/l4-routes.js';
import { containEach, containObject, failureMessage, TRANSLATION_ERROR, type TranslationFailure } from './containment.js';
import { failedGatewayStatus, failedListenerSetStatus, writeFailedRouteStatus } from './status/failed-status.js';
import { listenerSetStatus } from './gateways/listener-set-status.js';
import { collectListenerSets } from './gateways/listener-sets.js';
import { resolveOptions, type TranslateOptions } from './options.js';
import { writePolicyStatuses } from './status/policy-status.js';
import { recordTrafficPolicyAncestors, writeTrafficPolicyStatuses } from './policies/backend-traffic-policy-status.js';
import { hasTrafficPolicies } from './policies/backend-traffic-policy.js';
import { hasBackendPolicies } from './policies/backend-policy.js';
import { writeSecurityPolicyStatuses } from './policies/security-policy-routes.js';
import { writeRateLimitPolicyStatuses } from './policies/rate-limit-policy-routes.js';
import { recordBackendPolicyAncestors, writeBackendPolicyStatuses } from './policies/backend-policy-status.js';
import { writeTelemetryPolicyStatuses } from './policies/telemetry-policy-status.js';
import { writeAccessLogPolicyStatuses } from './policies/access-log-policy-status.js';
import { statusKey, type ObjectStatus, type TranslationResult } from './result.js';
import type { Attachment, AttachmentParents, ParentOutcome } from './routes/route-attachment.js';
import { attachRouteRemembered, conflictFreeSignature, readsOf, type AttachmentMemo, type SettledRoute } from './routes/attachment-memo.js';
import type { BuiltParents } from './gateways/reused-parents.js';
import { compareShadowed, writeShadowedConditions } from './gateway-ir/shadowing/shadowed-condition.js';
import { shadowedMatches, type ListenerShadowedMatch } from './gateway-ir/shadowing/shadowed-matches.js';
import type { HostnameShadowing } from './gateway-ir/virtual-hosts.js';
import { conflictMessage, httpGrpcConflicts, type ListenerClaim } from './routes/route-conflicts.js';
import { routeParentStatuses, verdictSignature, type ParentVerdict } from './routes/route-status.js';
import type { TranslatedRoute } from './routes/translated-route.js';

export function translate(resources: ResourceSet, options?: TranslateOptions): TranslationResult {
  const resolved = resolveOptions(options);
  const cache = options?.cache;
  cache?.begin(resources, `${resolved.controllerName}\n${resolved.ingressControllerName}`);
  try {
    const result = translateWith(createContext(resources, resolved, cache));
    return cache ? { ...result, statuses: cache.carryTransitionTimes(result.statuses) } : result;
  } finally {
    cache?.end();
  }
}

function translateWith(ctx: TranslationContext): TranslationResult {
  // Under a cache, what building the parents reads (and Namespace labels, read by listener selectors)
  // is the parents epoch: routes attach as last time while it holds (routes/attachment-memo.ts).
  const built = readsOf(ctx, (): BuiltParents => {
    const gateways = collectGateways(ctx, acceptGatewayClasses(ctx));
    const byKey = new Map(gateways.map((g) => [g.key, g]));
    return { gateways, parents: { gateways: byKey, listenerSets: collectListenerSets(ctx, byKey) } };
  });
  const { gateways, parents } = ctx.cache ? ctx.cache.parents(built.value) : built.value;
  const byKey = parents.gateways;
  const epoch = ctx.cache?.parentsEpoch([...built.kinds, 'Namespace']);
  const { attached, outcomesOf } = attachAllRoutes(ctx, parents, epoch);

  const irs = new Map<string, GatewayIR>();
  const shadowed: ListenerShadowedMatch[] = [];
  for (const state of gateways) {
    if (!state.invalid) {
      // Kept only once the gateway's IR is built: a gateway whose build throws reports nothing.
      const shadowing: HostnameShadowing[] = [];
      const ir = containObject(ctx, state.gateway, () => buildGatewayIR(ctx, state, attached.get(state) ?? [], shadowing), (failure) => {
        state.invalid = { reason: TRANSLATION_ERROR, message: failureMessage(failure) };
        failure.gateway = state.key;
        return undefined;
      });
      if (ir) {
        irs.set(state.key, ir);
        shadowed.push(...shadowedMatches(ctx.resources, state.key, shadowing));
      }
    }
    const status = containObject(ctx, state.gateway, () => gatewayStatus(ctx, state), (failure) => failedGatewayStatus(ctx, state, failure));
    setStatus(ctx, { kind: 'Gateway', namespace: state.namespace, name: state.gateway.metadata.name, status });
    for (const ls of state.listenerSets) {
      const lsStatus = containObject(ctx, ls.listenerSet, () => listenerSetStatus(ctx, ls), (failure) => failedListenerSetStatus(ctx, ls, failure));
      setStatus(ctx, { kind: 'ListenerSet', namespace: ls.namespace, name: ls.listenerSet.metadata.name, status: lsStatus });
    }
  }
  writePolicyStatuses(ctx);
  writeTrafficPolicyStatuses(ctx);
  writeSecurityPolicyStatuses(ctx);
  writeRateLimitPolicyStatuses(ctx);
  writeBackendPolicyStatuses(ctx);
  writeTelemetryPolicyStatuses(ctx, new Set(byKey.keys()));
  writeAccessLogPolicyStatuses(ctx, gateways);
  writeShadowedConditions(ctx, shadowed, outcomesOf);
  for (const ir of translateIngresses(ctx)) irs.set(ir.name, ir);
  // A failure may have marked a parent (state.invalid above): those parents are built afresh next time.
  ctx.cache?.keepParents(ctx.failures.length === 0 ? { gateways, parents } : undefined);
  return {
    gateways: new Map([...irs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    statuses: ctx.statuses,
    diagnostics: ctx.diagnostics,
    failures: ctx.failures,
    shadowed: shadowed.map((s) => s.match).sort(compareShadowed),
  };
}

interface RouteWork {
  translated: TranslatedRoute;
  outcomes: readonly ParentOutcome[];
  /** The attachment memo the outcomes are (routes/attachment-memo.ts), under a cache. */
  memo: AttachmentMemo | undefined;
  /** The route's status key. */
  key: string;
}

/** What attaching every route gives the rest of the translation. */
interface AttachedRoutes {
  /** Each Gateway's accepted attachments, in route order. */
  attached: Map<GatewayState, AcceptedAttachment[]>;
  /** A route's parent outcomes by status key, in the order of its status entries. */
  outcomesOf: (key: string) => readonly ParentOutcome[] | undefined;
}

/** Attaches every route to our Gateways, writes route statuses, counts attachedRoutes. */
function attachAllRoutes(ctx: TranslationContext, parents: AttachmentParents, epoch: number | undefined): AttachedRoutes {
  const work: RouteWork[] = [];
  const failed = (route: Route, failure: TranslationFailure) => writeFailedRouteStatus(ctx, route, parents, failure);
  const translateOne = routeTranslator(ctx);
  containEach(
    ctx,
    allRoutes(ctx),
    (route) => route,
    (route) => {
      const { outcomes: found, memo } = attachRouteRemembered(ctx, route, parents, epoch);
      if (found.length > 0) {
        const key = ctx.cache ? routeStatusKey(route) : statusKey(route.kind, route.metadata.namespace ?? 'default', route.metadata.name);
        work.push({ translated: translateOne(route), outcomes: found, memo, key });
      }
    },
    failed,
  );
  const losers = conflictLosers(work);
  const lostTo = losers.size === 0 ? undefined : (w: RouteWork, listener: unknown) => {
    for (const [claim, winner] of losers) if (claim.route === w.translated.route && claim.listener === listener) return winner;
    return undefined;
  };

  const result = new Map<GatewayState, AcceptedAttachment[]>();
  // Asked once, by the first route to settle (inside its containment, as each route asked before).
  let ancestors: boolean | undefined;
  const recordsAncestors = () => (ancestors ??= evaluatedPolicies(ctx).length > 0 || hasTrafficPolicies(ctx) || hasBackendPolicies(ctx));
  containEach(
    ctx,
    work,
    (w) => w.translated.route,
    (w) => settleRoute(ctx, w, lostTo, result, recordsAncestors),
    (w, failure) => failed(w.translated.route, failure),
  );
  // Looked up only for routes with shadowed matches: indexed on first need, not for every edit.
  let byKey: Map<string, readonly ParentOutcome[]> | undefined;
  const outcomesOf = (key: string) => (byKey ??= new Map(work.map((w) => [w.key, w.outcomes]))).get(key);
  return { attached: result, outcomesOf };
}

/**
 * The HTTPRoute/GRPCRoute conflicts (route-conflicts.ts) among the routes attached. Only a listener
 * with both kinds can have any, so without both kinds among the routes there is nothing to look for
 * (the usual case: the thousands of claims are not even made).
 */
function conflictLosers(work: readonly RouteWork[]): Map<ListenerClaim, Route> {
  let http = false;
  let grpc = false;
  for (const w of work) {
    if (w.translated.invalid) continue;
    if (w.translated.route.kind === 'HTTPRoute') http = true;
    else if (w.translated.route.kind === 'GRPCRoute') grpc = true;
  }
  if (!http || !grpc) return new Map();
  const claims: ListenerClaim[] = [];
  for (const w of work) {
    if (w.translated.invalid) continue;
    for (const o of w.outcomes) if ('attachments' in o) for (const a of o.attachments) claims.push({ route: w.translated.route, listener: a.listener, hostnames: a.hostnames });
  }
  return httpGrpcConflicts(claims);
}

/**
 * One route's verdict per parent, its status, and its attachments. Nothing is committed (attachments,
 * attachedRoutes, policy ancestors) until its status is built, so a route that throws here leaves no
 * trace but its failure.
 */
function settleRoute(
  ctx: TranslationContext,
  w: RouteWork,
  /** The route that won the listener over this one; undefined when no route lost any. */
  lostTo: ((w: RouteWork, listener: unknown) => Route | undefined) | undefined,
  result: Map<GatewayState, AcceptedAttachment[]>,
  /** Whether any policy has routes record their Gateways as its ancestors: without one, 10,000 routes skip asking. */
  recordsAncestors: () => boolean,
): void {
  const { route } = w.translated;
  // Without conflicts, a route whose outcomes (the memo's, so the same parents) and translation are
  // last time's settles as it did: its accepted attachments and its status are taken as they are.
  const memo = ctx.cache && !lostTo && w.memo?.outcomes === w.outcomes ? w.memo : undefined;
  const settled = memo?.settled?.translated === w.translated ? memo.settled : memo ? (memo.settled = settledRoute(ctx, w, undefined)) : settledRoute(ctx, w, lostTo);
  const { accepted, status: built } = settled;
  if (accepted.length > 0 && recordsAncestors()) for (const { gateway, attachment } of accepted) {
    for (const use of w.translated.servicePorts) recordPolicyAncestor(ctx, use.namespace, use.service, use.port, gateway.key);
    recordTrafficPolicyAncestors(ctx, route, gateway.key);
    recordBackendPolicyAncestors(ctx, route, gateway.key);
    // BackendTLSPolicy applies to "TLSRoute with termination": Passthrough listeners are no ancestors.
    if (attachment.listener.spec.protocol === 'TLS' && attachment.listener.spec.tls?.mode !== 'Passthrough') {
      for (const use of w.translated.terminateServicePorts ?? []) recordPolicyAncestor(ctx, use.namespace, use.service, use.port, gateway.key);
    }
  }
  // A listener counts a route once however many of its parentRefs reach it; most routes have one.
  const counted = accepted.length > 1 ? new Set<unknown>() : undefined;
  for (const { gateway, attachment } of accepted) {
    if (!counted) attachment.listener.attachedRoutes++;
    else if (!counted.has(attachment.listener)) {
      counted.add(attachment.listener);
      attachment.listener.attachedRoutes++;
    }
    let list = result.get(gateway);
    if (!list) result.set(gateway, (list = []));
    list.push(attachment);
  }
  // The key setStatus would make from the status, made once per route object.
  ctx.statuses.set(w.key, built);
}

/** The route's accepted attachments and its status (see settleRoute). */
function settledRoute(ctx: TranslationContext, w: RouteWork, lostTo: ((w: RouteWork, listener: unknown) => Route | undefined) | undefined): SettledRoute {
  const { route } = w.translated;
  const namespace = route.metadata.namespace ?? 'default';
  const accepted: { gateway: GatewayState; attachment: AcceptedAttachment }[] = [];
  const accept = (a: Attachment) => accepted.push({ gateway: a.gateway, attachment: { route: w.translated, listener: a.listener, hostnames: a.hostnames } });
  // Without conflicts every attachment stands and each verdict is its outcome alone: the verdicts are
  // then made only if the status is (a route whose translation and outcomes are reused keeps its status).
  let verdicts: ParentVerdict[] | undefined;
  if (lostTo) verdicts = w.outcomes.map((outcome) => conflictVerdict(w, outcome, lostTo, accept));
  else if (!w.translated.invalid) for (const outcome of w.outcomes) if ('attachments' in outcome) outcome.attachments.forEach(accept);
  const verdictsOf = () => (verdicts ??= w.outcomes.map((outcome) => ({ outcome })));
  const status = (): ObjectStatus => ({ kind: route.kind, namespace, name: route.metadata.name, status: { parents: routeParentStatuses(ctx, w.translated, verdictsOf()) } });
  const signature = () => (verdicts?.some((v) => v.lostTo !== undefined) ? verdictSignature(verdicts) : conflictFreeSignature(w.memo, () => verdictSignature(verdictsOf())));
  return { translated: w.translated, accepted, status: ctx.cache ? ctx.cache.routeStatus(w.translated, signature(), status) : status() };
}

/** One parent's verdict when some route lost a listener to another: the attachments that survive are accepted. */
function conflictVerdict(w: RouteWork, outcome: ParentOutcome, lostTo: (w: RouteWork, listener: unknown) => Route | undefined, accept: (a: Attachment) => void): ParentVerdict {
  if (!('attachments' in outcome) || w.translated.invalid) return { outcome };
  const surviving = outcome.attachments.filter((a) => !lostTo(w, a.listener));
  if (surviving.length === 0) {
    const winner = lostTo(w, outcome.attachments[0]!.listener)!;
    return { outcome, lostTo: conflictMessage(winner, w.translated.route, outcome.attachments.map((a) => a.listener.spec.name)) };
  }
  surviving.forEach(accept);
  return { outcome };
}

const routeKeys = new WeakMap<Route, string>();

/** The route's status key, made once per route object (unchanged routes are the same objects from one translation to the next). */
function routeStatusKey(route: Route): string {
  let key = routeKeys.get(route);
  if (key === undefined) routeKeys.set(route, (key = statusKey(route.kind, route.metadata.namespace ?? 'default', route.metadata.name)));
  return key;
}

function allRoutes(ctx: TranslationContext): Route[] {
  const r = ctx.resources;
  return [...r.list('HTTPRoute'), ...r.list('GRPCRoute'), ...r.list('TLSRoute'), ...r.list('TCPRoute'), ...r.list('UDPRoute')];
}

/**
 * A route's translation, reused from the cache when nothing it read has changed. Made once per
 * translation: the function that records a fresh translation's reads is then one for all routes.
 */
function routeTranslator(ctx: TranslationContext): (route: Route) => TranslatedRoute {
  const cache = ctx.cache;
  if (!cache) return (route) => translateRouteFresh(ctx, route);
  const recorded = (route: Route, recording: ResourceSet, used: BackendSpec[]) => {
    const real = ctx.resources;
    ctx.resources = recording;
    ctx.usedBackends = used;
    try {
      return translateRouteFresh(ctx, route);
    } finally {
      ctx.resources = real;
      delete ctx.usedBackends;
    }
  };
  return (route) => {
    const { translated, backends } = cache.route(route, recorded);
    for (const spec of backends) if (!ctx.backends.has(spec.name)) ctx.backends.set(spec.name, spec);
    return translated;
  };
}

function translateRouteFresh(ctx: TranslationContext, route: Route): TranslatedRoute {
  switch (route.kind) {
    case 'HTTPRoute':
      return translateHTTPRoute(ctx, route);
    case 'GRPCRoute':
      return translateGRPCRoute(ctx, route);
    default:
      return translateL4Route(ctx, route);
  }
}
