/**
 * ListenerSets (GEP-1713, listenerset_types.go): listeners declared outside a Gateway and merged into
 * it. A ListenerSet is ours when its `spec.parentRef` names one of our Gateways; it is attached only
 * when that Gateway's `spec.allowedListeners` admits the ListenerSet's namespace (none by default).
 * The listeners of the attached ones are validated like the Gateway's own (their certificate refs
 * from the ListenerSet's namespace, with ReferenceGrants to ListenerSets), then checked for conflicts
 * in precedence order: the Gateway's listeners, then ListenerSets oldest first, then by
 * `namespace/name` (listener-conflicts.ts markConflictsWithEarlier); within one ListenerSet, as within
 * a Gateway, listeners that cannot share a port are all conflicted (markConflicts).
 */
import { GATEWAY_GROUP, type ListenerSet } from '@portico/resources';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { compareAge, type TranslationContext } from '../context.js';
import type { GatewayState } from './gateways.js';
import { matchesLabelSelector } from './label-selectors.js';
import { markConflicts, markConflictsWithEarlier, markOverlappingTLSAcross } from './listener-conflicts.js';
import { isProgrammable, validateListener, type ListenerState } from './listeners.js';

export interface ListenerSetState {
  listenerSet: ListenerSet;
  /** `namespace/name`. */
  key: string;
  namespace: string;
  /** The parent Gateway (one of ours). */
  gateway: GatewayState;
  listeners: ListenerState[];
  /** Why the Gateway does not take this ListenerSet's listeners (Accepted=False with this reason). */
  notAttached?: { reason: 'NotAllowed' | 'ParentNotAccepted'; message: string };
  /** Accepted=False for the whole set (duplicate listener names, an internal error). */
  invalid?: { reason: string; message: string };
}

/**
 * Every ListenerSet whose parent is one of `gateways`, each recorded on its Gateway
 * (`GatewayState.listenerSets`, in precedence order), with listeners validated and conflicts marked.
 * Returns them by `namespace/name`, for routes whose parentRef is a ListenerSet.
 */
export function collectListenerSets(ctx: TranslationContext, gateways: ReadonlyMap<string, GatewayState>): Map<string, ListenerSetState> {
  const byKey = new Map<string, ListenerSetState>();
  for (const listenerSet of [...ctx.resources.list('ListenerSet')].sort(compareAge)) {
    const parent = listenerSet.spec?.parentRef;
    if (!parent || (parent.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parent.kind ?? 'Gateway') !== 'Gateway') continue;
    const namespace = listenerSet.metadata.namespace ?? 'default';
    const gateway = gateways.get(`${parent.namespace ?? namespace}/${parent.name}`);
    if (!gateway) continue;
    const key = `${namespace}/${listenerSet.metadata.name}`;
    const state = containObject(
      ctx,
      listenerSet,
      (): ListenerSetState => {
        const owner = { kind: 'ListenerSet' as const, namespace, name: listenerSet.metadata.name };
        const listeners = (listenerSet.spec.listeners ?? []).map((l) => validateListener(ctx, owner, l));
        const state: ListenerSetState = { listenerSet, key, namespace, gateway, listeners };
        const notAttached = attachmentRefusal(ctx, gateway, namespace);
        if (notAttached) state.notAttached = notAttached;
        const duplicate = duplicateListenerName(listenerSet);
        if (duplicate) state.invalid = duplicate;
        return state;
      },
      // Left out like a route that fails: the Gateway is still served, without this set's listeners.
      (failure): ListenerSetState => {
        return { listenerSet, key, namespace, gateway, listeners: [], invalid: { reason: TRANSLATION_ERROR, message: failureMessage(failure) } };
      },
    );
    gateway.listenerSets.push(state);
    byKey.set(key, state);
  }
  for (const gateway of gateways.values()) markMergedConflicts(gateway);
  return byKey;
}

/** Whether the ListenerSet's listeners are part of its Gateway (in data plane and conflict checks). */
export function isAttached(ls: ListenerSetState): boolean {
  return !ls.notAttached && !ls.invalid;
}

/** A Gateway's listeners merged with those of its attached ListenerSets, in precedence order. */
export function mergedListeners(gateway: GatewayState): ListenerState[] {
  return [...gateway.listeners, ...gateway.listenerSets.filter(isAttached).flatMap((ls) => ls.listeners)];
}

/**
 * ListenerSet Accepted: attached, and at least one listener can be programmed. GEP-1713 counts a
 * ListenerSet as attached to its Gateway (`attachedListenerSets`) only while it is Accepted.
 */
export function isListenerSetAccepted(ls: ListenerSetState): boolean {
  return isAttached(ls) && ls.listeners.some(isProgrammable);
}

function markMergedConflicts(gateway: GatewayState): void {
  const attached = gateway.listenerSets.filter(isAttached);
  if (attached.length === 0) return;
  const earlier = [...gateway.listeners];
  for (const ls of attached) {
    // Precedence first: a listener that loses to an earlier one is out of the set's own check, so the
    // set's other listeners on that port are judged among themselves only (ListenerSetProtocolConflict:
    // a TCP listener on the Gateway's HTTP port does not take the set's HTTP listeners down with it).
    markConflictsWithEarlier(earlier, ls.listeners);
    markConflicts(ls.listeners.filter((l) => !l.conflicted));
    // A ListenerSet listener that lost holds nothing against later sets (ListenerSetProtocolConflict:
    // the HTTP listener of a later set is not in conflict with an earlier set's rejected TCP listener).
    earlier.push(...ls.listeners.filter((l) => !l.conflicted));
  }
  markOverlappingTLSAcross(mergedListeners(gateway));
}

/** gateway_types.go AllowedListeners: `from` None (the default), Same, Selector or All. */
function attachmentRefusal(ctx: TranslationContext, gateway: GatewayState, namespace: string): ListenerSetState['notAttached'] {
  if (gateway.invalid) {
    return { reason: 'ParentNotAccepted', message: `the parent Gateway ${gateway.key} is not accepted: ${gateway.invalid.message}` };
  }
  // gateway-status.ts: a Gateway none of whose own listeners is valid is not Accepted either. GEP-1713
  // ("ListenerSet Conditions"): the parent's Accepted turning False is what a ListenerSet reports too,
  // and its listeners are not served by a Gateway that says it serves nothing.
  if (gateway.listeners.length > 0 && gateway.listeners.every((l) => l.notAccepted || l.conflicted)) {
    return { reason: 'ParentNotAccepted', message: `the parent Gateway ${gateway.key} is not accepted: none of its own listeners is valid` };
  }
  const allowed = gateway.gateway.spec.allowedListeners?.namespaces;
  const from = allowed?.from ?? 'None';
  switch (from) {
    case 'All':
      return undefined;
    case 'Same':
      if (namespace === gateway.namespace) return undefined;
      return { reason: 'NotAllowed', message: `Gateway ${gateway.key} allows ListenerSets from its own namespace only (allowedListeners.namespaces.from: Same)` };
    case 'Selector': {
      const ns = ctx.resources.get('Namespace', undefined, namespace);
      if (allowed?.selector && ns && matchesLabelSelector(allowed.selector, ns.metadata.labels)) return undefined;
      const unknown = ns ? '' : `; Namespace ${namespace} is unknown, so its labels cannot match`;
      return { reason: 'NotAllowed', message: `Gateway ${gateway.key} allows ListenerSets from the namespaces its allowedListeners selector matches, not ${namespace}${unknown}` };
    }
    case 'None':
      return { reason: 'NotAllowed', message: `Gateway ${gateway.key} does not allow ListenerSets (spec.allowedListeners.namespaces.from is None or unset)` };
    default:
      return { reason: 'NotAllowed', message: `Gateway ${gateway.key} has allowedListeners.namespaces.from ${from}, which is not one of All, Same, Selector, None` };
  }
}

/** The CRD forbids it (listener names are a map key); a file can still say it. */
function duplicateListenerName(listenerSet: ListenerSet): ListenerSetState['invalid'] {
  const seen = new Set<string>();
  for (const l of listenerSet.spec.listeners ?? []) {
    if (seen.has(l.name)) return { reason: 'Invalid', message: `listener name ${l.name} is used more than once` };
    seen.add(l.name);
  }
  return undefined;
}
