/**
 * A route's attachment outcome (route-attachment.ts), kept between translations by a long-lived
 * translator: at 10,000 routes a one-route edit would otherwise attach every route again.
 *
 * What attachRoute reads besides the route object is the parents — our Gateways and ListenerSets with
 * their validated listeners — and Namespace labels (listener selectors). The parents are rebuilt on
 * every translation from the ResourceSet (collectGateways, collectListenerSets), so the kinds that
 * rebuild reads are recorded (readsOf) and, with Namespace, make up the parents epoch
 * (TranslationCache.parentsEpoch): it moves whenever any object of those kinds is added, replaced or
 * removed. Within one epoch the parents are built from the same objects, so they are the same
 * Gateways, ListenerSets and listeners in the same order, only new state objects; a remembered outcome
 * is carried over by pointing its attachments at this translation's listener of the same place
 * (parent key, index). A place that cannot be found means the epoch reasoning missed something: the
 * route is attached afresh rather than trusted. When the previous translation's parents are reused
 * (gateways/reused-parents.ts: this translation built equal ones), the outcomes already name this
 * translation's listeners and are handed out as they are.
 */
import type { Kind, ResourceSet, Route } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { AcceptedAttachment } from '../gateway-ir/gateway-ir.js';
import type { GatewayState } from '../gateways/gateways.js';
import type { ObjectStatus } from '../result.js';
import type { TranslatedRoute } from './translated-route.js';
import type { ListenerState } from '../gateways/listeners.js';
import { attachRoute, type Attachment, type AttachmentParents, type ParentOutcome } from './route-attachment.js';

/** Where an attachment's listener sits: its direct parent (a Gateway or a ListenerSet) and its index there. */
interface Place {
  listenerSet: boolean;
  key: string;
  index: number;
}

export interface AttachmentMemo {
  epoch: number;
  outcomes: readonly ParentOutcome[];
  /** The parents whose listeners the outcomes name: while they are reused (gateways/reused-parents.ts), so are the outcomes. */
  parents: AttachmentParents;
  /** Per outcome, the places of its attachments (undefined for a rejection: it names no state). */
  places: readonly (readonly Place[] | undefined)[];
  /** verdictSignature of these outcomes when no attachment lost a conflict: made once, on first need. */
  signature?: string;
  /** How the route settled on these outcomes when no route lost a conflict (translate.ts settleRoute). */
  settled?: SettledRoute;
}

/**
 * A route settled without conflicts: its accepted attachments and its status depend on nothing but
 * its outcomes and its translation, so they stand for as long as both are the same objects.
 */
export interface SettledRoute {
  translated: TranslatedRoute;
  accepted: readonly { gateway: GatewayState; attachment: AcceptedAttachment }[];
  status: ObjectStatus;
}

/**
 * A route's outcomes and, under a cache, the memo they are (or were carried over from): the memo
 * keeps what depends on nothing but the outcomes (conflictFreeSignature).
 */
export interface RememberedAttachment {
  outcomes: readonly ParentOutcome[];
  memo?: AttachmentMemo;
}

/**
 * The verdict signature (route-status.ts) of outcomes none of which lost a conflict: it depends on
 * nothing but the outcomes (parentRefs, rejections), so outcomes carried over share their memo's.
 */
export function conflictFreeSignature(memo: AttachmentMemo | undefined, sign: () => string): string {
  if (!memo) return sign();
  return (memo.signature ??= sign());
}

/** Runs `read` with ctx.resources replaced by a view that notes every kind read; returns the result and the kinds. */
export function readsOf<T>(ctx: TranslationContext, read: () => T): { value: T; kinds: Set<Kind> } {
  const real = ctx.resources;
  const kinds = new Set<Kind>();
  const view = Object.create(real) as ResourceSet;
  Object.assign(view, {
    get(kind: Kind, namespace: string | undefined, name: string) {
      kinds.add(kind);
      return real.get(kind, namespace, name);
    },
    list(kind: Kind) {
      kinds.add(kind);
      return real.list(kind);
    },
    listIn(kind: Kind, namespace: string) {
      kinds.add(kind);
      return real.listIn(kind, namespace);
    },
  });
  ctx.resources = view;
  try {
    return { value: read(), kinds };
  } finally {
    ctx.resources = real;
  }
}

/** attachRoute, carried over from the previous translation of the same route object within the same parents epoch. */
export function attachRouteRemembered(ctx: TranslationContext, route: Route, parents: AttachmentParents, epoch: number | undefined): RememberedAttachment {
  const cache = ctx.cache;
  if (!cache || epoch === undefined) return { outcomes: attachRoute(ctx, route, parents) };
  const memo = cache.attachment(route);
  if (memo?.epoch === epoch) {
    if (memo.parents === parents) return { outcomes: memo.outcomes, memo };
    const carried = carryOver(memo, parents);
    if (carried) {
      // Kept as these parents' outcomes: reused as they are while the parents are.
      const moved: AttachmentMemo = { epoch, outcomes: carried, parents, places: memo.places, ...(memo.signature !== undefined ? { signature: memo.signature } : {}) };
      cache.rememberAttachment(route, moved);
      return { outcomes: carried, memo: moved };
    }
  }
  const outcomes = attachRoute(ctx, route, parents);
  const places = outcomes.map((o) => ('attachments' in o ? o.attachments.map((a) => placeOf(a, parents)) : undefined));
  if (!places.every((p) => p === undefined || p.every((x) => x !== undefined))) return { outcomes };
  const fresh: AttachmentMemo = { epoch, outcomes, parents, places: places as (Place[] | undefined)[] };
  cache.rememberAttachment(route, fresh);
  return { outcomes, memo: fresh };
}

function placeOf(a: Attachment, parents: AttachmentParents): Place | undefined {
  const own = a.gateway.listeners.indexOf(a.listener);
  if (own >= 0) return { listenerSet: false, key: a.gateway.key, index: own };
  for (const ls of a.gateway.listenerSets) {
    const index = ls.listeners.indexOf(a.listener);
    if (index >= 0 && parents.listenerSets.get(ls.key) === ls) return { listenerSet: true, key: ls.key, index };
  }
  return undefined;
}

function carryOver(memo: AttachmentMemo, parents: AttachmentParents): ParentOutcome[] | undefined {
  const outcomes: ParentOutcome[] = [];
  for (let i = 0; i < memo.outcomes.length; i++) {
    const outcome = memo.outcomes[i]!;
    const places = memo.places[i];
    if (!places || !('attachments' in outcome)) {
      outcomes.push(outcome);
      continue;
    }
    const attachments: Attachment[] = [];
    for (let j = 0; j < places.length; j++) {
      const place = places[j]!;
      const found = listenerAt(place, parents);
      if (!found) return undefined;
      attachments.push({ gateway: found.gateway, listener: found.listener, hostnames: outcome.attachments[j]!.hostnames });
    }
    outcomes.push({ parentRef: outcome.parentRef, attachments });
  }
  return outcomes;
}

function listenerAt(place: Place, parents: AttachmentParents): Pick<Attachment, 'gateway' | 'listener'> | undefined {
  if (place.listenerSet) {
    const ls = parents.listenerSets.get(place.key);
    const listener: ListenerState | undefined = ls?.listeners[place.index];
    return ls && listener ? { gateway: ls.gateway, listener } : undefined;
  }
  const gateway = parents.gateways.get(place.key);
  const listener = gateway?.listeners[place.index];
  return gateway && listener ? { gateway, listener } : undefined;
}
