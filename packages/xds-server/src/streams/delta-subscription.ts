/**
 * What one incremental (delta) xDS stream knows about one resource type: what the client subscribed
 * to, which version of each resource it holds, what is in flight and what it refused. Pure data and
 * functions, after go-control-plane pkg/server/stream/v3/subscription.go and pkg/cache/v3/delta.go;
 * rules from the xDS protocol doc, "Incremental xDS" and "How the client specifies what resources
 * to return".
 */
import { createHash } from 'node:crypto';
import { WILDCARD_BY_DEFAULT, type CachedResource, type DeltaDiscoveryRequest, type TypeUrl } from '../types.js';
import type { DeltaDiffCache, PendingChanges } from './delta-diff-cache.js';

export type { PendingChanges } from './delta-diff-cache.js';

/**
 * The explicit wildcard subscription name. xDS protocol: "For Listener and Cluster resource types,
 * there is also a 'wildcard' subscription, which is triggered when subscribing to the special name
 * `*`"; for the other types it is an ordinary name (as in the SotW stream, subscription.ts).
 */
const WILDCARD = '*';

/** Marks a removal the client refused (a NACKed response that carried it) in `refused`. */
const REMOVAL = '\u0000removed';

/** A response sent for the type and not yet ACKed or NACKed: at most one per type at a time. */
export interface InFlightResponse {
  nonce: string;
  /** The snapshot version it carried (its `systemVersionInfo`). */
  version: string;
  /** Resource name → version it sent. */
  updated: Map<string, string>;
  removed: Set<string>;
}

export interface DeltaSubscription {
  typeUrl: TypeUrl;
  /**
   * Subscribed to every resource of the type that is sent to wildcard subscribers: by `*`, or by a
   * first LDS/CDS request that names nothing (legacy wildcard). Subscribing to names later does not
   * end it (protocol doc example; go-control-plane UpdateResourceSubscriptions); unsubscribing `*` does.
   */
  wildcard: boolean;
  /** LDS or CDS: the only types with a wildcard. */
  wildcardType: boolean;
  /** Names subscribed explicitly. */
  names: Set<string>;
  /** Resource name → the version the client holds: ACKed, or listed in `initialResourceVersions`. */
  held: Map<string, string>;
  /** Resource name → the version the client refused (or REMOVAL); not sent again until it changes. */
  refused: Map<string, string>;
  /**
   * Names to send even at the version the client holds: for EDS, the endpoints of clusters sent at a
   * new version, which Envoy warms until their ClusterLoadAssignment arrives (cluster-warming.ts).
   */
  owed: Set<string>;
  inFlight: InFlightResponse | undefined;
  /** Nothing was sent yet for this type on this stream. */
  unanswered: boolean;
  /** Bumped by every change above: with the same resources, the same epoch gives the same diff. */
  epoch: number;
  /** The last diff, reused while neither the resources (by identity) nor the epoch changed. */
  memo?: { resources: ReadonlyMap<string, CachedResource> | undefined; epoch: number; changes: PendingChanges };
  /** Diffs shared with other streams' subscriptions in the same state; absent: each computes its own. */
  diffs?: DeltaDiffCache;
  /**
   * With `diffs`: a digest of every change since the subscription opened (nonces aside, which no
   * diff reads), chained, so equal digests mean equal states (delta-diff-cache.ts).
   */
  state: string;
}

/**
 * The subscription a type's first request opens; `initialResourceVersions` count only here. With
 * `diffs`, its diffs are shared with every other subscription of that cache in the same state.
 */
export function openSubscription(typeUrl: TypeUrl, first: DeltaDiscoveryRequest, owed: Iterable<string> = [], diffs?: DeltaDiffCache): DeltaSubscription {
  const wildcardType = WILDCARD_BY_DEFAULT.has(typeUrl);
  const subscription: DeltaSubscription = {
    typeUrl,
    wildcardType,
    wildcard: wildcardType && (first.resourceNamesSubscribe ?? []).length === 0,
    names: new Set(),
    held: new Map(Object.entries(first.initialResourceVersions ?? {})),
    refused: new Map(),
    owed: new Set(owed),
    inFlight: undefined,
    unanswered: true,
    epoch: 0,
    state: '',
  };
  if (diffs) {
    subscription.diffs = diffs;
    const held = [...subscription.held].sort(([a], [b]) => compare(a, b));
    advance(subscription, ['open', typeUrl, subscription.wildcard, held, [...subscription.owed].sort(compare)]);
  }
  updateSubscription(subscription, first);
  return subscription;
}

/** Applies a request's `resourceNamesSubscribe` / `resourceNamesUnsubscribe`. */
export function updateSubscription(subscription: DeltaSubscription, request: DeltaDiscoveryRequest): void {
  const subscribe = request.resourceNamesSubscribe ?? [];
  const unsubscribe = request.resourceNamesUnsubscribe ?? [];
  if (subscribe.length > 0 || unsubscribe.length > 0) {
    subscription.epoch += 1;
    advance(subscription, ['update', subscribe, unsubscribe]);
  }
  for (const name of subscribe) {
    if (name === WILDCARD && subscription.wildcardType) subscription.wildcard = true;
    else subscription.names.add(name);
  }
  for (const name of unsubscribe) {
    if (name === WILDCARD && subscription.wildcardType) {
      subscription.wildcard = false;
      // What the client holds only through the wildcard is no longer tracked: it drops it itself.
      for (const held of subscription.held.keys()) if (!subscription.names.has(held)) forget(subscription, held);
      continue;
    }
    const wasNamed = subscription.names.delete(name);
    if (wasNamed && subscription.wildcard && subscription.held.has(name)) {
      // Protocol doc: a wildcard client unsubscribing from a name must be told whether the resource
      // still exists. An empty held version makes the next diff resend it, or remove it.
      subscription.held.set(name, '');
      subscription.refused.delete(name);
    } else {
      forget(subscription, name);
    }
  }
}

function forget(subscription: DeltaSubscription, name: string): void {
  subscription.held.delete(name);
  subscription.refused.delete(name);
  subscription.owed.delete(name);
}

/** Resources to send again though the client holds them at their current version. */
export function oweResources(subscription: DeltaSubscription, names: Iterable<string>): void {
  const owed = [...names];
  for (const name of owed) subscription.owed.add(name);
  subscription.epoch += 1;
  advance(subscription, ['owe', owed]);
}

/** Whether the client asked for `name` and it exists. */
function wants(subscription: DeltaSubscription, name: string, resource: CachedResource | undefined): boolean {
  if (!resource) return false;
  return subscription.names.has(name) || (subscription.wildcard && resource.wildcard);
}

/** The version the client will hold once it accepts what is in flight. */
function expected(subscription: DeltaSubscription, name: string): string | undefined {
  const inFlight = subscription.inFlight;
  if (inFlight) {
    const sent = inFlight.updated.get(name);
    if (sent !== undefined) return sent;
    if (inFlight.removed.has(name)) return undefined;
  }
  return subscription.held.get(name);
}

/**
 * What differs between the client's view (counting what is in flight) and the current resources.
 * Also drops refusals of resources that are gone and that the client does not hold. O(subscribed +
 * held) per call, so a stream calls it once per type per change, and the memo makes a call for an
 * untouched type (another type's ACK) free.
 */
export function pendingChanges(
  subscription: DeltaSubscription,
  resources: ReadonlyMap<string, CachedResource> | undefined,
): PendingChanges {
  const memo = subscription.memo;
  if (memo && memo.resources === resources && memo.epoch === subscription.epoch) return memo.changes;
  const shared = subscription.diffs;
  let changes = shared?.get(resources, subscription.state);
  if (!changes) {
    changes = { updated: changedResources(subscription, resources), removed: removedNames(subscription, resources) };
    shared?.set(resources, subscription.state, changes);
  }
  // A refusal matters while the client may hold something of that name; it could hold nothing here.
  const forgotten: string[] = [];
  for (const name of subscription.refused.keys()) {
    if (!resources?.has(name) && !subscription.held.has(name)) forgotten.push(name);
  }
  for (const name of forgotten) subscription.refused.delete(name);
  // A debt matters while the client wants the resource: one it asks for later is sent anyway.
  const forgiven: string[] = [];
  for (const name of subscription.owed) if (!wants(subscription, name, resources?.get(name))) forgiven.push(name);
  for (const name of forgiven) subscription.owed.delete(name);
  // Not an epoch: the diff memoized above was made before these and stays the answer (as it always was).
  if (forgotten.length > 0 || forgiven.length > 0) advance(subscription, ['forget', forgotten, forgiven]);
  subscription.memo = { resources, epoch: subscription.epoch, changes };
  return changes;
}

function changedResources(subscription: DeltaSubscription, resources: ReadonlyMap<string, CachedResource> | undefined): CachedResource[] {
  const updated: CachedResource[] = [];
  const consider = (resource: CachedResource) => {
    const refused = subscription.refused.get(resource.name);
    if (refused === resource.version) return; // the same bytes would be refused again
    // After a NACK the client may run either version (Envoy applies the valid resources of a
    // refused CDS/LDS response), so a resource with a refused version is sent even when it went
    // back to the version held: both sides then agree again.
    const uncertain = refused !== undefined && !subscription.inFlight?.updated.has(resource.name);
    const owed = subscription.owed.has(resource.name);
    if (uncertain || owed || expected(subscription, resource.name) !== resource.version) updated.push(resource);
  };
  if (!resources) return updated;
  for (const name of subscription.names) {
    const resource = resources.get(name);
    if (resource) consider(resource); // a named subscription to a missing resource: nothing to say (yet)
  }
  if (subscription.wildcard) {
    for (const resource of resources.values()) if (resource.wildcard && !subscription.names.has(resource.name)) consider(resource);
  }
  return updated.sort((a, b) => compare(a.name, b.name));
}

function removedNames(subscription: DeltaSubscription, resources: ReadonlyMap<string, CachedResource> | undefined): string[] {
  const removed: string[] = [];
  const consider = (name: string) => {
    if (wants(subscription, name, resources?.get(name))) return;
    if (expected(subscription, name) === undefined) return;
    if (subscription.refused.get(name) === REMOVAL) return;
    removed.push(name);
  };
  for (const name of subscription.held.keys()) consider(name);
  for (const name of subscription.inFlight?.updated.keys() ?? []) if (!subscription.held.has(name)) consider(name);
  return removed.sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The client ACKed the in-flight response: it now holds what that response carried. */
export function acceptInFlight(subscription: DeltaSubscription): InFlightResponse | undefined {
  const inFlight = subscription.inFlight;
  if (!inFlight) return undefined;
  for (const [name, version] of inFlight.updated) {
    // Unsubscribed while the response was on its way: the client dropped it.
    if (!subscription.names.has(name) && !subscription.wildcard) continue;
    subscription.held.set(name, version);
    subscription.refused.delete(name);
  }
  for (const name of inFlight.removed) forget(subscription, name);
  subscription.inFlight = undefined;
  subscription.epoch += 1;
  advance(subscription, ['ack']);
  return inFlight;
}

/**
 * The client NACKed the in-flight response: it keeps what it held before, and the versions it was
 * sent are not sent again until they change (the same bytes would be refused again).
 */
export function refuseInFlight(subscription: DeltaSubscription): InFlightResponse | undefined {
  const inFlight = subscription.inFlight;
  if (!inFlight) return undefined;
  for (const [name, version] of inFlight.updated) subscription.refused.set(name, version);
  for (const name of inFlight.removed) subscription.refused.set(name, REMOVAL);
  subscription.inFlight = undefined;
  subscription.epoch += 1;
  advance(subscription, ['nack']);
  return inFlight;
}

/** Records a response as sent: it is in flight until the client ACKs or NACKs its nonce. */
export function markSent(subscription: DeltaSubscription, inFlight: InFlightResponse): void {
  for (const name of inFlight.updated.keys()) subscription.owed.delete(name);
  subscription.inFlight = inFlight;
  subscription.unanswered = false;
  subscription.epoch += 1;
  advance(subscription, ['sent', contentDigest(inFlight.updated), contentDigest(inFlight.removed)]);
}

/**
 * The digest of a response's names (and versions): streams sharing a diff share these objects
 * (delta-stream.ts), so it is computed once per diff, not once per stream.
 */
const contents = new WeakMap<ReadonlyMap<string, string> | ReadonlySet<string>, string>();
function contentDigest(names: ReadonlyMap<string, string> | ReadonlySet<string>): string {
  let digest = contents.get(names);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify([...names])).digest('base64');
    contents.set(names, digest);
  }
  return digest;
}

/**
 * Chains a change into the subscription's state digest (only with shared diffs: nothing else reads
 * it). JSON keeps the parts apart whatever the names contain, so different changes never read alike.
 */
function advance(subscription: DeltaSubscription, change: unknown[]): void {
  if (!subscription.diffs) return;
  subscription.state = createHash('sha256').update(subscription.state).update(JSON.stringify(change)).digest('base64');
}
