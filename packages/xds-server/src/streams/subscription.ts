/**
 * What a state-of-the-world client subscribes to, for one type, after the xDS protocol ("How the client
 * specifies what resources to return" and "Unsubscribing From Resources").
 */
import { WILDCARD_BY_DEFAULT, type CachedResource, type TypeUrl } from '../types.js';

/** The explicit wildcard name (xDS protocol: subscribing "to the special name `*`"). */
export const WILDCARD_NAME = '*';

export interface Subscription {
  /** Every resource of the type that is marked `wildcard`. */
  wildcard: boolean;
  /** Resources asked for by name, besides the wildcard (a name need not exist). */
  names: ReadonlySet<string>;
  /** The client has sent a non-empty `resource_names` for this type on this stream. */
  named: boolean;
}

/**
 * The subscription a request sets. SotW requests carry the full list each time, so this replaces the
 * previous subscription; `previous` only decides what an empty list means. The protocol:
 *
 * > For historical reasons, if the client sends a request for a given resource type but has never
 * > explicitly subscribed to any resource names (i.e., in SotW, all requests on the stream for that
 * > resource type have had an empty resource_names field [...]), the server should treat that
 * > identically to how it would treat the client having explicitly subscribed to "*". However, once
 * > the client does explicitly subscribe to a resource name (whether it be "*" or any other name), then
 * > this legacy semantic is no longer available; at that point, clearing the list of subscribed
 * > resources is interpretted as an unsubscription [...] rather than as a subscription to "*".
 *
 * Wildcards exist only for Listener and Cluster ("For Listener and Cluster resource types, there is also
 * a 'wildcard' subscription"); for the other types `*` is an ordinary name and an empty list is nothing.
 */
export function nextSubscription(typeUrl: TypeUrl, previous: Subscription | undefined, resourceNames: readonly string[]): Subscription {
  const wildcardType = WILDCARD_BY_DEFAULT.has(typeUrl);
  const named = (previous?.named ?? false) || resourceNames.length > 0;
  if (resourceNames.length === 0) return { wildcard: wildcardType && !named, names: new Set(), named };
  const names = new Set(resourceNames);
  const wildcard = wildcardType && names.delete(WILDCARD_NAME);
  return { wildcard, names, named };
}

/** Same resources asked for (whether the client got there by legacy or explicit wildcard is irrelevant). */
export function sameSubscription(a: Subscription, b: Subscription): boolean {
  if (a.wildcard !== b.wildcard || a.names.size !== b.names.size) return false;
  for (const name of a.names) if (!b.names.has(name)) return false;
  return true;
}

// Selections of one type of one snapshot, by subscription key: every stream that subscribes alike (all
// the Envoys of a gateway, typically) gets the same array, so comparing it with what was sent is cheap.
const selections = new WeakMap<ReadonlyMap<string, CachedResource>, Map<string, CachedResource[]>>();
const keys = new WeakMap<Subscription, string>();

/** A string that is equal for equal subscriptions; computed once per subscription object. */
function keyOf(subscription: Subscription): string {
  let key = keys.get(subscription);
  if (key === undefined) keys.set(subscription, (key = `${subscription.wildcard ? '*' : '-'}\n${[...subscription.names].sort().join('\n')}`));
  return key;
}

/**
 * The resources of one type the subscription covers, sorted by name. `resources` is the snapshot's map
 * for the type, whose entries the snapshot cache keeps sorted by name. Names that do not exist are
 * simply absent (the client times out on them; xDS protocol "Knowing When a Requested Resource Does Not
 * Exist"). Treat the result as read-only: it is shared.
 */
export function selectResources(subscription: Subscription, resources: ReadonlyMap<string, CachedResource> | undefined): CachedResource[] {
  if (!resources) return [];
  let bySubscription = selections.get(resources);
  if (!bySubscription) selections.set(resources, (bySubscription = new Map()));
  const key = keyOf(subscription);
  let selection = bySubscription.get(key);
  if (!selection) bySubscription.set(key, (selection = select(subscription, resources)));
  return selection;
}

function select(subscription: Subscription, resources: ReadonlyMap<string, CachedResource>): CachedResource[] {
  if (subscription.wildcard) return [...resources.values()].filter((r) => r.wildcard || subscription.names.has(r.name));
  const selected: CachedResource[] = [];
  for (const name of subscription.names) {
    const resource = resources.get(name);
    if (resource) selected.push(resource);
  }
  return selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ContentChange {
  /** Same names and versions, in order. */
  same: boolean;
  /** How many resources of `before` are not in `after`. */
  removed: number;
}

// Comparisons of two shared selections, made once for every stream that goes from one to the other.
const changes = new WeakMap<readonly CachedResource[], WeakMap<readonly CachedResource[], ContentChange>>();

/** How `after` differs from `before` (both sorted by name). */
export function contentChange(before: readonly CachedResource[], after: readonly CachedResource[]): ContentChange {
  if (before === after) return { same: true, removed: 0 };
  let from = changes.get(before);
  if (!from) changes.set(before, (from = new WeakMap()));
  let change = from.get(after);
  if (!change) from.set(after, (change = { same: sameContent(before, after), removed: removedCount(before, after) }));
  return change;
}

/** Same names and versions, in order (both lists come sorted by name). */
export function sameContent(a: readonly CachedResource[], b: readonly CachedResource[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.version !== b[i]!.version) return false;
  return true;
}

/** How many resources of `before` are not in `after`. */
export function removedCount(before: readonly CachedResource[], after: readonly CachedResource[]): number {
  if (before.length === 0) return 0;
  const names = new Set(after.map((r) => r.name));
  return before.filter((r) => !names.has(r.name)).length;
}
