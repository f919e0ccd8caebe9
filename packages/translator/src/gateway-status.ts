/** Gateway and listener status (gateway_types.go GatewayStatus, ListenerStatus). */
import type { Condition, GatewayStatus, GatewayStatusAddress, ListenerStatus } from '@portico/resources';
import { conditionFactory, type ConditionFactory } from './conditions.js';
import type { TranslationContext } from './context.js';
import type { GatewayState } from './gateways.js';
import { isProgrammable, type ListenerState } from './listeners.js';

export function gatewayStatus(ctx: TranslationContext, state: GatewayState): GatewayStatus {
  const c = conditionFactory(state.gateway.metadata.generation, ctx.options.now);
  const listeners = state.listeners.map((l) => listenerStatus(c, l));
  const rejected = state.listeners.filter((l) => l.notAccepted || l.conflicted).map((l) => l.spec.name);
  const programmable = state.listeners.filter(isProgrammable);
  const assigned = ctx.options.gatewayAddresses(state.key);
  const addresses: GatewayStatusAddress[] =
    assigned ?? (state.invalid ? [] : (state.gateway.spec.addresses ?? []).filter((a) => a.value).map((a) => ({ type: a.type ?? 'IPAddress', value: a.value! })));

  let accepted: Condition;
  if (state.invalid) accepted = c('Accepted', false, state.invalid.reason, state.invalid.message);
  else if (state.listeners.length > 0 && rejected.length === state.listeners.length) {
    accepted = c('Accepted', false, 'ListenersNotValid', `no listener is valid: ${rejected.join(', ')}`);
  } else if (rejected.length > 0) {
    accepted = c('Accepted', true, 'ListenersNotValid', `Gateway is accepted, but listeners ${rejected.join(', ')} are not valid`);
  } else accepted = c('Accepted', true, 'Accepted', 'Gateway is accepted');

  let programmed: Condition;
  if (state.invalid || !accepted || accepted.status === 'False') {
    programmed = c('Programmed', false, 'Invalid', 'Gateway is not accepted, so nothing is programmed');
  } else if (programmable.length === 0) {
    programmed = c('Programmed', false, 'Invalid', 'no listener can be programmed');
  } else if (assigned && assigned.length === 0) {
    programmed = c('Programmed', false, 'AddressNotAssigned', 'no address has been assigned to the Gateway yet');
  } else programmed = c('Programmed', true, 'Programmed', 'Gateway is programmed');

  return { ...(addresses.length ? { addresses } : {}), conditions: [accepted, programmed], listeners };
}

function listenerStatus(c: ConditionFactory, l: ListenerState): ListenerStatus {
  const conditions: Condition[] = [];
  if (l.notAccepted) conditions.push(c('Accepted', false, l.notAccepted.reason, l.notAccepted.message));
  else if (l.conflicted) conditions.push(c('Accepted', false, 'PortUnavailable', l.conflicted.message));
  else conditions.push(c('Accepted', true, 'Accepted', 'listener is accepted'));

  conditions.push(
    isProgrammable(l)
      ? c('Programmed', true, 'Programmed', 'listener is programmed')
      : c('Programmed', false, 'Invalid', programmedProblem(l)),
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
