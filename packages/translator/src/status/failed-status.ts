/**
 * The status of an object whose translation threw (containment.ts): Accepted=False with reason
 * TranslationError, built from as little of the object as possible, since the object is what broke
 * the translation. Each field is read defensively: a status that throws too is simply not written.
 */
import type { GatewayStatus, ListenerSetStatus, ParentReference, Route, RouteParentStatus } from '@portico/resources';
import { conditionFactory } from './conditions.js';
import { failureMessage, TRANSLATION_ERROR, type TranslationFailure } from '../containment.js';
import { setStatus, type TranslationContext } from '../context.js';
import type { GatewayState } from '../gateways/gateways.js';
import type { ListenerSetState } from '../gateways/listener-sets.js';
import { ourParent, type AttachmentParents } from '../routes/route-attachment.js';

/** One `status.parents[]` entry per parentRef that names one of our Gateways or ListenerSets, each Accepted=False. */
export function writeFailedRouteStatus(ctx: TranslationContext, route: Route, parents: AttachmentParents, failure: TranslationFailure): void {
  try {
    const namespace = route.metadata.namespace ?? 'default';
    const c = conditionFactory(route.metadata.generation, ctx.options.now);
    const spec: unknown = route.spec;
    const refs: unknown = typeof spec === 'object' && spec !== null ? (spec as { parentRefs?: unknown }).parentRefs : undefined;
    const entries: RouteParentStatus[] = [];
    for (const ref of Array.isArray(refs) ? (refs as unknown[]) : []) {
      if (typeof ref !== 'object' || ref === null) continue;
      const parentRef = ref as ParentReference;
      if (!ourParent(parents, parentRef, namespace)) continue;
      entries.push({
        parentRef,
        controllerName: ctx.options.controllerName,
        conditions: [c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure))],
      });
    }
    // A status replaces whatever an earlier step wrote for this route (none, or a partial one).
    if (entries.length > 0) setStatus(ctx, { kind: route.kind, namespace, name: route.metadata.name, status: { parents: entries } });
  } catch {
    // The failure itself is already recorded; without parents we know of, there is nothing to write.
  }
}

/** A Gateway whose status could not be built: not Accepted, not Programmed, no listener detail. */
export function failedGatewayStatus(ctx: TranslationContext, state: GatewayState, failure: TranslationFailure): GatewayStatus {
  const c = conditionFactory(state.gateway.metadata.generation, ctx.options.now);
  return {
    conditions: [
      c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure)),
      c('Programmed', false, 'Invalid', 'Portico failed to translate this Gateway; its Envoys keep the last config it was served'),
    ],
  };
}

/** A ListenerSet whose status could not be built: not Accepted, not Programmed, no listener detail. */
export function failedListenerSetStatus(ctx: TranslationContext, ls: ListenerSetState, failure: TranslationFailure): ListenerSetStatus {
  const c = conditionFactory(ls.listenerSet.metadata.generation, ctx.options.now);
  return {
    conditions: [
      c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure)),
      c('Programmed', false, 'Invalid', 'Portico failed to translate this ListenerSet; its listeners are not served'),
    ],
  };
}
