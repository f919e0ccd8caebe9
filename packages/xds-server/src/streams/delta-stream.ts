/**
 * The incremental (delta) ADS state machine of one stream, after go-control-plane
 * pkg/server/delta/v3 and the xDS protocol doc ("Incremental xDS"). It sees the snapshot cache only
 * through ConfigWatcher and the wire only through `send`, so it is tested without sockets.
 *
 * Flow control: at most one response per type is unanswered. Changes that arrive meanwhile wait for
 * the ACK or NACK and then go out together, so a NACK always names exactly one response and a
 * slow client gets the latest state rather than every intermediate one.
 *
 * Make-before-break (Envoy xDS protocol, "eventual consistency considerations"): on a change, updates
 * go in PUSH_ORDER (clusters before endpoints, listeners before routes) and stop at the first type
 * that must wait for an ACK, so nothing is sent ahead of what it refers to. Removals go in responses
 * of their own, once every update was acknowledged: a cluster disappears only after the routes that
 * stopped using it were applied.
 *
 * Cluster warming: a cluster sent at a new version to a client that had it makes its endpoints owed,
 * sent after it even unchanged, since Envoy warms the new cluster until they arrive
 * (cluster-warming.ts); a stream whose EDS subscription is not open yet owes them to its first request.
 *
 * Fan-out: given a shared DeltaDiffCache, streams in the same subscription state get the same diff
 * object, and the response parts derived from it (the resource list, the in-flight names) are built
 * once per diff, so the wire codec can encode the body once for all of them (delta-response-codec.ts).
 */
import { randomUUID } from 'node:crypto';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, endpointsOfCluster } from './cluster-warming.js';
import type { DeltaDiffCache } from './delta-diff-cache.js';
import { truncateErrorDetail } from './error-detail.js';
import {
  acceptInFlight,
  markSent,
  openSubscription,
  oweResources,
  pendingChanges,
  refuseInFlight,
  updateSubscription,
  type DeltaSubscription,
  type InFlightResponse,
} from './delta-subscription.js';
import {
  gatewayOfNode,
  PUSH_ORDER,
  type CachedResource,
  type ConfigWatcher,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DeltaResource,
  type NodeInfo,
  type ResourceSnapshot,
  type StreamEvent,
  type TypeUrl,
} from '../types.js';

export interface DeltaStreamOptions {
  watcher: ConfigWatcher;
  send(response: DeltaDiscoveryResponse): void;
  onEvent?(event: StreamEvent): void;
  /** A fresh nonce per response; default: a per-stream random prefix and a counter. */
  nonce?(): string;
  /** Milliseconds, for push latency; default `performance.now()`. */
  now?(): number;
  /** Sent as `control_plane.identifier` in every response. */
  controlPlaneId?: string;
  /** Diffs shared with the other streams of this cache; absent: this stream computes its own. */
  diffs?: DeltaDiffCache;
}

export interface DeltaStream {
  /** Handles one DeltaDiscoveryRequest of the client, in the order received. */
  onRequest(request: DeltaDiscoveryRequest): void;
  /** Stops watching the cache; nothing is sent afterwards. */
  close(): void;
  /**
   * Serves this stream alone a snapshot that is not the cache's (a NACK containment probe), as if it
   * had been published; the next published snapshot replaces it as usual.
   */
  serveProbe(snapshot: ResourceSnapshot): void;
}

/** Creates the state machine of one DeltaAggregatedResources stream. */
export function createDeltaStream(options: DeltaStreamOptions): DeltaStream {
  const { watcher, onEvent } = options;
  const now = options.now ?? (() => performance.now());
  const nonce = options.nonce ?? counterNonce();
  const subscriptions = new Map<TypeUrl, DeltaSubscription>();
  let node: NodeInfo | undefined;
  let snapshot: ResourceSnapshot | undefined;
  let snapshotSeenAt = 0;
  let unwatch: (() => void) | undefined;
  let closed = false;
  /** Per type, the snapshot version last pushed: a push of a newer one is timed (push latency). */
  const pushedVersion = new Map<TypeUrl, string>();
  /** Endpoints owed (changed clusters) before the EDS subscription opened: a reconnecting client's. */
  const owedBeforeEndpoints = new Set<string>();

  // Single writer: a request or a snapshot that arrives while another is handled (a `send` that
  // answers synchronously, a publish from inside a callback) is handled right after it.
  const queue: (() => void)[] = [];
  let running = false;
  function serially(task: () => void): void {
    queue.push(task);
    if (running) return;
    running = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) if (!closed) next();
    } finally {
      running = false;
      queue.length = 0;
    }
  }

  function watch(gateway: string): void {
    unwatch = watcher.subscribe(gateway, (published) => serially(() => onSnapshot(published)));
    const current = watcher.snapshot(gateway);
    if (current && current !== snapshot) onSnapshot(current);
  }

  function onSnapshot(published: ResourceSnapshot): void {
    snapshot = published;
    snapshotSeenAt = now();
    flush();
  }

  function handleRequest(request: DeltaDiscoveryRequest): void {
    if (!node && request.node) {
      node = request.node;
      const gateway = gatewayOfNode(node);
      onEvent?.({ kind: 'connected', node, gateway });
      if (gateway) watch(gateway);
    }
    const typeUrl = request.typeUrl;
    if (!typeUrl) return; // ADS requires a type URL; the transport rejects such requests
    const subscription = subscriptions.get(typeUrl);
    if (!subscription) {
      const owed = typeUrl === ENDPOINT_TYPE_URL ? owedBeforeEndpoints : [];
      subscriptions.set(typeUrl, openSubscription(typeUrl, request, owed, options.diffs));
      if (typeUrl === ENDPOINT_TYPE_URL) owedBeforeEndpoints.clear();
    } else {
      answer(subscription, request);
      updateSubscription(subscription, request);
    }
    flush();
  }

  /** ACK or NACK of the response in flight; any other nonce is stale and says nothing. */
  function answer(subscription: DeltaSubscription, request: DeltaDiscoveryRequest): void {
    const responseNonce = request.responseNonce;
    if (!responseNonce || responseNonce !== subscription.inFlight?.nonce) return;
    const { typeUrl } = subscription;
    if (request.errorDetail) {
      const refused = refuseInFlight(subscription)!;
      onEvent?.({ kind: 'nack', typeUrl, version: refused.version, message: truncateErrorDetail(request.errorDetail.message ?? '') });
    } else {
      const accepted = acceptInFlight(subscription)!;
      onEvent?.({ kind: 'ack', typeUrl, version: accepted.version });
    }
  }

  function flush(): void {
    if (!snapshot) return;
    const current = snapshot;
    const ordered = pushOrder([...subscriptions.keys()]);
    for (const typeUrl of ordered) {
      const subscription = subscriptions.get(typeUrl)!;
      const { updated, removed } = pendingChanges(subscription, current.resources.get(typeUrl));
      // The first answer to a wildcard subscription is sent even when empty: Envoy waits for it to
      // finish initializing (go-control-plane respondDeltaSnapshot). It may carry removals then.
      const firstWildcardAnswer = subscription.unanswered && subscription.wildcard;
      if (updated.length === 0 && !firstWildcardAnswer) continue;
      if (subscription.inFlight) break; // later types wait too, or they could arrive before what they use
      if (closed) return;
      respond(subscription, current, updated, updated.length === 0 ? removed : NOTHING_REMOVED);
    }
    if (ordered.some((typeUrl) => subscriptions.get(typeUrl)!.inFlight)) return;
    // Nothing was sent above and nothing is in flight: the diffs are the memoized ones.
    for (const typeUrl of ordered) {
      const subscription = subscriptions.get(typeUrl)!;
      // Nothing to update here (or it would have been sent above): `updated` is the diff's empty list.
      const { updated, removed } = pendingChanges(subscription, current.resources.get(typeUrl));
      if (removed.length > 0 && !closed) respond(subscription, current, updated, removed);
    }
  }

  function respond(subscription: DeltaSubscription, current: ResourceSnapshot, updated: CachedResource[], removed: string[]): void {
    const { typeUrl } = subscription;
    const parts = partsOf(typeUrl, updated);
    const inFlight: InFlightResponse = {
      nonce: nonce(),
      version: current.version,
      updated: parts.versions,
      removed: removedSet(removed),
    };
    const response: DeltaDiscoveryResponse = {
      systemVersionInfo: current.version,
      resources: parts.resources,
      typeUrl,
      removedResources: removed,
      nonce: inFlight.nonce,
    };
    if (options.controlPlaneId) response.controlPlane = { identifier: options.controlPlaneId };
    // Clusters the client holds (nothing of this type is in flight) at another version: changed ones.
    if (typeUrl === CLUSTER_TYPE_URL) oweEndpoints(updated.filter((r) => subscription.held.has(r.name)).map((r) => endpointsOfCluster(r.name)));
    markSent(subscription, inFlight); // before sending: a client may answer before `send` returns
    options.send(response);
    const event: StreamEvent & { kind: 'push' } = {
      kind: 'push',
      typeUrl,
      version: current.version,
      resources: updated.length,
      bytes: parts.bytes,
      removed: removed.length,
    };
    // Timed from the moment this stream saw the snapshot, when the push is caused by a new snapshot
    // (not the first answer to a subscription): it includes any wait for the client's ACK.
    const previous = pushedVersion.get(typeUrl);
    if (previous !== undefined && previous !== current.version) event.latencyMs = now() - snapshotSeenAt;
    pushedVersion.set(typeUrl, current.version);
    onEvent?.(event);
  }

  function oweEndpoints(names: string[]): void {
    if (names.length === 0) return;
    const endpoints = subscriptions.get(ENDPOINT_TYPE_URL);
    if (endpoints) oweResources(endpoints, names);
    else for (const name of names) owedBeforeEndpoints.add(name);
  }

  return {
    onRequest(request) {
      if (closed) return;
      serially(() => handleRequest(request));
    },
    close() {
      if (closed) return;
      closed = true;
      unwatch?.();
      unwatch = undefined;
      onEvent?.({ kind: 'closed' });
    },
    serveProbe(probe) {
      if (!closed && node) serially(() => onSnapshot(probe));
    },
  };
}

const NOTHING_REMOVED: string[] = [];

/**
 * What a response derives from a diff's `updated` list, built once per list: streams sharing a diff
 * share these (read-only) objects, and the codec recognises the shared resource list.
 */
interface ResponseParts {
  typeUrl: TypeUrl;
  resources: DeltaResource[];
  /** Name → version, the in-flight bookkeeping. */
  versions: Map<string, string>;
  bytes: number;
}
const partsByList = new WeakMap<readonly CachedResource[], ResponseParts>();
function partsOf(typeUrl: TypeUrl, updated: readonly CachedResource[]): ResponseParts {
  let parts = partsByList.get(updated);
  if (parts?.typeUrl !== typeUrl) {
    parts = {
      typeUrl,
      resources: updated.map((r) => ({ name: r.name, version: r.version, resource: { typeUrl, value: r.bytes } })),
      versions: new Map(updated.map((r) => [r.name, r.version])),
      bytes: updated.reduce((sum, r) => sum + r.bytes.length, 0),
    };
    partsByList.set(updated, parts);
  }
  return parts;
}
const removedSets = new WeakMap<readonly string[], Set<string>>();
function removedSet(removed: readonly string[]): Set<string> {
  let set = removedSets.get(removed);
  if (!set) removedSets.set(removed, (set = new Set(removed)));
  return set;
}

/** PUSH_ORDER first, then any other requested type by name. */
function pushOrder(typeUrls: TypeUrl[]): TypeUrl[] {
  const rank = (t: TypeUrl) => {
    const i = PUSH_ORDER.indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return typeUrls.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function counterNonce(): () => string {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  return () => `${prefix}-${++n}`;
}
