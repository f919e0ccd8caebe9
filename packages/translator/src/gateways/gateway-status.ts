/** Gateway and listener status (gateway_types.go GatewayStatus, ListenerStatus). */
import type { Condition, GatewayStatus, GatewayStatusAddress, ListenerStatus } from '@portico/resources';
import { conditionFactory, type ConditionFactory } from '../status/conditions.js';
import type { TranslationContext } from '../context.js';
import { allowsInsecureFallback } from './frontend-validation.js';
import type { GatewayState } from './gateways.js';
import { isListenerSetAccepted } from './listener-sets.js';
import { isProgrammable, type ListenerState } from './listeners.js';
import { requestedValues, staticAddressProblem } from './static-addresses.js';

export function gatewayStatus(ctx: TranslationContext, state: GatewayState): GatewayStatus {
  const c = conditionFactory(state.gateway.metadata.generation, ctx.options.now);
  // A Gateway rejected as a whole programs nothing, whatever its listeners look like on their own.
  const blocked = state.invalid ? { message: `the Gateway is not accepted: ${state.invalid.message}` } : undefined;
  const listeners = uniqueByName(state.listeners).map((l) => listenerStatus(c, l, blocked));
  const rejected = state.listeners.filter((l) => l.notAccepted || l.conflicted).map((l) => l.spec.name);
  const programmable = state.listeners.filter(isProgrammable);
  const assigned = ctx.options.gatewayAddresses(state.key);
  const requested = state.gateway.spec.addresses ?? [];
  const addresses: GatewayStatusAddress[] =
    assigned ?? (state.invalid ? [] : requested.filter((a) => a.value).map((a) => ({ type: a.type ?? 'IPAddress', value: a.value! })));
  // GatewaySpecAddress.Value: an empty value asks us to assign one; without managed infrastructure we
  // cannot, and "MUST set the Programmed condition in status to False with a reason of AddressNotAssigned".
  const unassigned = assigned ? [] : requested.filter((a) => !a.value).map((a) => a.type ?? 'IPAddress');
  // Managed infrastructure: each requested value must be among the assigned addresses.
  const staticProblem =
    assigned && !state.invalid ? staticAddressProblem(requested, assigned, ctx.options.gatewayUnusableAddresses(state.key, requestedValues(requested)) ?? []) : undefined;
  const readiness = ctx.options.gatewayReadiness(state.key);

  let accepted: Condition;
  if (state.invalid) accepted = c('Accepted', false, state.invalid.reason, state.invalid.message);
  else if (state.listeners.length > 0 && rejected.length === state.listeners.length) {
    accepted = c('Accepted', false, 'ListenersNotValid', `no listener is valid (${listenerSummary(state.listeners)})`);
  } else if (rejected.length > 0) {
    accepted = c('Accepted', true, 'ListenersNotValid', `Gateway is accepted, but some listeners are not valid (${listenerSummary(state.listeners)})`);
  } else accepted = c('Accepted', true, 'Accepted', 'Gateway is accepted');

  let programmed: Condition;
  if (state.invalid || !accepted || accepted.status === 'False') {
    programmed = c('Programmed', false, 'Invalid', 'Gateway is not accepted, so nothing is programmed');
  } else if (programmable.length === 0) {
    programmed = c('Programmed', false, 'Invalid', 'no listener can be programmed');
  } else if (staticProblem) {
    programmed = c('Programmed', false, staticProblem.reason, staticProblem.message);
  } else if (assigned && assigned.length === 0) {
    programmed = c('Programmed', false, 'AddressNotAssigned', 'no address has been assigned to the Gateway yet');
  } else if (unassigned.length > 0) {
    programmed = c('Programmed', false, 'AddressNotAssigned', `spec.addresses asks for an address of type ${unassigned.join(', ')} without a value, and this controller cannot assign one: give the address a value`);
  } else if (readiness && readiness.ready < 1) {
    // "Pending" is one of the spec's reasons for Programmed=False (gateway_types.go
    // GatewayConditionProgrammed): the configuration exists, but no Envoy pod is ready to carry it, so
    // the address would refuse connections. (NoResources means the infrastructure cannot be scheduled
    // at all, which the Deployment's status does not tell apart from pods still starting.)
    programmed = c('Programmed', false, 'Pending', `waiting for the Gateway's Envoy pods: ${readiness.ready} of ${readiness.wanted} replicas ready`);
  } else programmed = c('Programmed', true, 'Programmed', 'Gateway is programmed');

  const attachedListenerSets = reportsListenerSets(state) ? { attachedListenerSets: state.listenerSets.filter(isListenerSetAccepted).length } : {};
  const conditions = [accepted, programmed, ...tlsConditions(c, state)];
  return { ...(addresses.length ? { addresses } : {}), ...attachedListenerSets, conditions, listeners };
}

/**
 * `status.attachedListenerSets` (GEP-1713), written once ListenerSets concern the Gateway: it allows
 * some, or one names it as parent. Other Gateways' statuses stay as they were before ListenerSets.
 */
function reportsListenerSets(state: GatewayState): boolean {
  const from = state.gateway.spec.allowedListeners?.namespaces?.from ?? 'None';
  return from !== 'None' || state.listenerSets.length > 0;
}

/**
 * The Gateway-level conditions of `spec.tls`, written only for a Gateway that sets it (the only
 * references outside listeners they summarise are there): ResolvedRefs, "whether the controller was
 * able to resolve all the object references for the Gateway that are not part of a specific Listener
 * configuration, and also ... a positive-polarity summary of Listener's ResolvedRefs", and
 * InsecureFrontendValidationMode while some frontend validation allows insecure fallback
 * (gateway_types.go GatewayConditionResolvedRefs, GatewayConditionInsecureFrontendValidationMode).
 */
function tlsConditions(c: ConditionFactory, state: GatewayState): Condition[] {
  if (!state.gateway.spec.tls) return [];
  const conditions: Condition[] = [];
  const unresolvedListeners = state.listeners.filter((l) => l.unresolved.length > 0).map((l) => l.spec.name);
  if (state.backendTLSProblem) conditions.push(c('ResolvedRefs', false, state.backendTLSProblem.reason, state.backendTLSProblem.message));
  else if (unresolvedListeners.length > 0) {
    conditions.push(c('ResolvedRefs', false, 'ListenersNotResolved', `listeners with unresolved references: ${[...new Set(unresolvedListeners)].join(', ')}`));
  } else conditions.push(c('ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'));
  if (allowsInsecureFallback(state.gateway)) {
    conditions.push(c('InsecureFrontendValidationMode', true, 'ConfigurationChanged', 'client certificate validation allows insecure fallback (mode AllowInsecureFallback): clients without a valid certificate are let in'));
  }
  return conditions;
}

/**
 * "The Condition SHOULD clearly indicate in the Message which Listeners are conflicted, and which are
 * Accepted" (gateway_types.go GatewaySpec.Listeners, Handling indistinct Listeners).
 */
function listenerSummary(listeners: ListenerState[]): string {
  const rejected = listeners.flatMap((l) => {
    if (l.notAccepted) return [`${l.spec.name} (${l.notAccepted.reason})`];
    if (l.conflicted) return [`${l.spec.name} (conflicted: ${l.conflicted.reason})`];
    return [];
  });
  const acceptedOnes = listeners.filter((l) => !l.notAccepted && !l.conflicted).map((l) => l.spec.name);
  return `not accepted: ${rejected.join(', ')}; accepted: ${acceptedOnes.join(', ') || 'none'}`;
}

/** status.listeners is a map keyed by name: duplicate names (a Gateway rejected as Invalid) get one entry. */
export function uniqueByName(listeners: ListenerState[]): ListenerState[] {
  const byName = new Map<string, ListenerState>();
  for (const l of listeners) if (!byName.has(l.spec.name)) byName.set(l.spec.name, l);
  return [...byName.values()];
}

/**
 * A listener's entry in `status.listeners` of its Gateway or ListenerSet. `blocked`: the Gateway or
 * ListenerSet is rejected as a whole, so nothing is programmed whatever the listener looks like on
 * its own; with a reason (a ListenerSet not attached), the listener is not Accepted either.
 * `conflictReason`: a ListenerSet listener reports its conflict's reason on Accepted and Programmed
 * too, as the ListenerSet conformance tests expect (ListenerSetHostnameConflict, …ProtocolConflict).
 */
export function listenerStatus(
  c: ConditionFactory,
  l: ListenerState,
  blocked: { reason?: string; message: string } | undefined,
  conflictReason = false,
): ListenerStatus {
  const conditions: Condition[] = [];
  if (blocked?.reason) conditions.push(c('Accepted', false, blocked.reason, blocked.message));
  else if (l.notAccepted) conditions.push(c('Accepted', false, l.notAccepted.reason, l.notAccepted.message));
  else if (l.conflicted) conditions.push(c('Accepted', false, conflictReason ? l.conflicted.reason : 'PortUnavailable', l.conflicted.message));
  else conditions.push(c('Accepted', true, 'Accepted', 'listener is accepted'));

  const programmedFalse = blocked ? blocked.message : isProgrammable(l) ? undefined : programmedProblem(l);
  const programmedReason = blocked?.reason ?? (conflictReason && l.conflicted && !l.notAccepted ? l.conflicted.reason : 'Invalid');
  conditions.push(
    programmedFalse === undefined
      ? c('Programmed', true, 'Programmed', 'listener is programmed')
      : c('Programmed', false, programmedReason, programmedFalse),
  );
  conditions.push(
    l.unresolved.length > 0
      ? c('ResolvedRefs', false, l.unresolved[0]!.reason, l.unresolved.map((p) => p.message).join('; '))
      : c('ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'),
  );
  conditions.push(
    l.conflicted ? c('Conflicted', true, l.conflicted.reason, l.conflicted.message) : c('Conflicted', false, 'NoConflicts', 'no conflicts'),
  );
  if (l.overlapping) conditions.push(c('OverlappingTLSConfig', true, l.overlapping.reason, l.overlapping.message));
  return { name: l.spec.name, supportedKinds: l.supportedKinds, attachedRoutes: l.attachedRoutes, conditions };
}

function programmedProblem(l: ListenerState): string {
  if (l.notAccepted) return `listener is not accepted: ${l.notAccepted.message}`;
  if (l.conflicted) return `listener is conflicted: ${l.conflicted.message}`;
  if (l.supportedKinds.length === 0) return 'listener allows no supported route kind';
  return 'listener has no valid certificate';
}
