/**
 * The state-of-the-world ADS state machine (StreamAggregatedResources), one per gRPC stream, every type
 * multiplexed on it; after go-control-plane pkg/server/sotw/v3 and the xDS protocol ("xDS REST and gRPC
 * protocol"). It sees the cache only as a ConfigWatcher and the wire only as `send`, so it is tested
 * without sockets.
 *
 * Choices the protocol leaves open:
 * - `versionInfo` is the version of the snapshot the response was built from (`<boot id>-<sequence>`),
 *   so it never repeats across restarts and says which snapshot a client runs. A type that a new
 *   snapshot leaves unchanged is not resent and keeps its older, still accurate, version.
 * - Every response of a type carries all the subscribed resources of that type (what Listener and
 *   Cluster require, and harmless for the others), sorted by name, but for the endpoints resent after
 *   a cluster change (below); a type is sent only when that
 *   content (names and versions) differs from what this stream last sent for it, or when the client
 *   changed its subscription. A new snapshot does not wait for the previous response to be ACKed: the
 *   client's late ACK then carries a stale nonce, which the protocol allows for.
 * - A CDS response that changes clusters the client had is followed by an EDS response carrying only
 *   the endpoints of those clusters, even unchanged: Envoy warms a changed cluster until they arrive
 *   (cluster-warming.ts). It is skipped when a full EDS response follows anyway.
 * - A request with a stale nonce is never answered and changes no subscription, but its ACK or NACK is
 *   still reported for the version it answers (events only), so the registry knows what the client runs.
 * - A request whose nonce we did not send (none sent yet for that type on this stream, e.g. a client
 *   reconnecting with a nonce from its previous stream) is treated as a fresh request, as
 *   go-control-plane does; only a nonce older than the latest one we sent is stale.
 * - Requests without a type URL are ignored (ADS requires it; go-control-plane ends the stream).
 * - Snapshots are pushed from inside the cache's notification (synchronous), so `latencyMs` is the time
 *   this stream took to get to a type, counted from when it was notified. Should `send` provoke a
 *   request synchronously, the state is already updated and each push decides again.
 */
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, endpointsOfChangedClusters } from './cluster-warming.js';
import { truncateErrorDetail } from './error-detail.js';
import { orderPushes } from './push-order.js';
import { contentChange, nextSubscription, sameSubscription, selectResources, type Subscription } from './subscription.js';
import {
  gatewayOfNode,
  type AnyResource,
  type CachedResource,
  type ConfigWatcher,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type ResourceSnapshot,
  type ResponsePlacement,
  type StreamEvent,
  type TypeUrl,
} from '../types.js';

export interface SotwStreamOptions {
  watcher: ConfigWatcher;
  /** Writes one response on the stream; `placement` says how it must be ordered if it has to wait. */
  send(response: DiscoveryResponse, placement?: ResponsePlacement): void;
  onEvent?(event: StreamEvent): void;
  /** A fresh nonce for each response; a per-stream counter by default (nonces are per stream). */
  nonce?(): string;
  /** Milliseconds, for push latency; `performance.now()` by default. */
  now?(): number;
  /** Sent as `control_plane.identifier` in every response. */
  controlPlaneId?: string;
}

export interface SotwStream {
  /** Handles one DiscoveryRequest read from the stream. */
  onRequest(request: DiscoveryRequest): void;
  /** The stream ended: stop watching; nothing is sent afterwards. */
  close(): void;
  /**
   * Serves this stream alone a snapshot that is not the cache's (a NACK containment probe), as if it
   * had been published; the next published snapshot replaces it as usual.
   */
  serveProbe(snapshot: ResourceSnapshot): void;
}

/** A response due for one type: its resources, how many it removes, and the nonce it follows. */
interface Due {
  resources: CachedResource[];
  removed: number;
  after: string | undefined;
}

/** One type's sub-stream. */
interface TypeState {
  subscription: Subscription;
  /** A request (first one, or a subscription change) waits for an answer whatever the content. */
  mustAnswer: boolean;
  /** The latest nonce sent for this type; any other non-empty nonce is stale. */
  nonce?: string;
  /** The resources sent with `nonce`: what the client should have. */
  sent?: CachedResource[];
  /**
   * The snapshot versions of responses sent and not yet ACKed or NACKed, by nonce, oldest first (each
   * is reported once). Only versions: a client that stops answering must not keep old snapshots'
   * resources alive; the one response whose content matters on a NACK, the latest, is `sent`.
   */
  unsettled: Map<string, string>;
  /** Content the client NACKed: never sent again as such (it is what `sent` holds until the next send). */
  rejected?: CachedResource[];
  /** EDS only: names of `sent` to send again though unchanged, their clusters having changed since. */
  owed?: Set<string>;
}

export function createSotwStream(options: SotwStreamOptions): SotwStream {
  const { watcher, send, controlPlaneId } = options;
  const emit = options.onEvent ?? (() => {});
  let counter = 0;
  const nextNonce = options.nonce ?? (() => String(++counter));
  const now = options.now ?? (() => performance.now());
  const types = new Map<TypeUrl, TypeState>();
  let started = false;
  let closed = false;
  let gateway: string | undefined;
  let unsubscribe: (() => void) | undefined;
  /** A probe served to this stream alone: what requests are answered from until the next published snapshot. */
  let probe: ResourceSnapshot | undefined;

  /** What the client should now be sent for a type, or undefined when nothing is due. */
  function due(typeUrl: TypeUrl, state: TypeState, snapshot: ResourceSnapshot): Due | undefined {
    const resources = selectResources(state.subscription, snapshot.resources.get(typeUrl));
    // A NACKed response is not sent again, even to answer a subscription change: the client keeps its
    // last good config until a snapshot brings something else.
    if (state.rejected && contentChange(state.rejected, resources).same) return undefined;
    const change = state.sent ? contentChange(state.sent, resources) : { same: false, removed: 0 };
    if (!state.mustAnswer && change.same) return undefined;
    return { resources, removed: change.removed, after: state.nonce };
  }

  function push(typeUrl: TypeUrl, state: TypeState, snapshot: ResourceSnapshot, notifiedAt?: number, planned?: Due): void {
    // A plan made before other sends holds unless a response provoked a request in between.
    const next = planned && planned.after === state.nonce ? planned : due(typeUrl, state, snapshot);
    if (!next || closed) return;
    const previous = state.sent;
    state.sent = next.resources;
    state.rejected = undefined;
    // A full EDS response carries whatever was owed, and must then reach the client after the
    // clusters that changed, even if an older one waits ahead of them for a slow client.
    const follows = typeUrl === ENDPOINT_TYPE_URL && state.owed !== undefined;
    if (typeUrl === ENDPOINT_TYPE_URL) state.owed = undefined;
    if (typeUrl === CLUSTER_TYPE_URL) oweEndpoints(endpointsOfChangedClusters(previous, next.resources));
    respond(typeUrl, state, snapshot, next.resources, next.removed, notifiedAt, follows ? { follows } : undefined);
  }

  function oweEndpoints(names: readonly string[]): void {
    const endpoints = types.get(ENDPOINT_TYPE_URL);
    // Without an EDS subscription yet, its first request is answered in full anyway.
    if (!endpoints || names.length === 0) return;
    endpoints.owed ??= new Set();
    for (const name of names) endpoints.owed.add(name);
  }

  /**
   * The owed endpoints alone, as the client last got them (`sent`, which stays what it should have):
   * the ones it no longer subscribes to are dropped.
   */
  function resendOwed(snapshot: ResourceSnapshot, notifiedAt?: number): void {
    const state = types.get(ENDPOINT_TYPE_URL);
    const owed = state?.owed;
    if (!state || !owed || closed) return;
    state.owed = undefined;
    const resources = (state.sent ?? []).filter((r) => owed.has(r.name));
    // A full EDS response still waiting to be written is not replaced by this part of it: both go,
    // combined, after the clusters.
    if (resources.length > 0) respond(ENDPOINT_TYPE_URL, state, snapshot, resources, 0, notifiedAt, { follows: true, partial: true });
  }

  /** Writes one response of `resources` and records its nonce. */
  function respond(
    typeUrl: TypeUrl,
    state: TypeState,
    snapshot: ResourceSnapshot,
    resources: CachedResource[],
    removed: number,
    notifiedAt?: number,
    placement?: ResponsePlacement,
  ): void {
    const nonce = nextNonce();
    state.nonce = nonce;
    state.mustAnswer = false;
    state.unsettled.set(nonce, snapshot.version);
    if (state.unsettled.size > MAX_UNSETTLED) state.unsettled.delete(state.unsettled.keys().next().value!);
    const response: DiscoveryResponse = {
      versionInfo: snapshot.version,
      resources: anysOf(typeUrl, resources),
      typeUrl,
      nonce,
      ...(controlPlaneId ? { controlPlane: { identifier: controlPlaneId } } : {}),
    };
    if (placement) send(response, placement);
    else send(response);
    const bytes = resources.reduce((sum, r) => sum + r.bytes.byteLength, 0);
    const latency = notifiedAt === undefined ? {} : { latencyMs: now() - notifiedAt };
    emit({ kind: 'push', typeUrl, version: snapshot.version, resources: resources.length, bytes, removed, ...latency });
  }

  function onSnapshot(snapshot: ResourceSnapshot, isProbe = false): void {
    if (closed) return;
    probe = isProbe ? snapshot : undefined;
    const notifiedAt = now();
    const pending: { typeUrl: TypeUrl; removes: boolean; planned: Due }[] = [];
    for (const [typeUrl, state] of types) {
      const planned = due(typeUrl, state, snapshot);
      if (planned) pending.push({ typeUrl, removes: planned.removed > 0, planned });
    }
    const ordered = orderPushes(pending);
    ordered.forEach(({ typeUrl, planned }, i) => {
      push(typeUrl, types.get(typeUrl)!, snapshot, notifiedAt, planned);
      // The endpoints of changed clusters go right after them, unless a full EDS response follows.
      if (typeUrl === CLUSTER_TYPE_URL && !ordered.slice(i + 1).some((p) => p.typeUrl === ENDPOINT_TYPE_URL)) resendOwed(snapshot, notifiedAt);
    });
    // A planned full EDS response that was not sent after all (a request answered it in between)
    // leaves the endpoints owed.
    resendOwed(snapshot, notifiedAt);
  }

  function start(request: DiscoveryRequest): void {
    started = true;
    // xDS protocol: "Only the first request on a stream is guaranteed to carry the node identifier."
    const node = request.node ?? {};
    gateway = gatewayOfNode(request.node);
    emit({ kind: 'connected', node, gateway });
    if (gateway) unsubscribe = watcher.subscribe(gateway, (snapshot) => onSnapshot(snapshot));
  }

  /**
   * Reports the ACK or NACK of the response sent with `nonce` (xDS protocol "ACK and NACK semantics"),
   * even when a newer response has made that nonce stale: the client did accept (or refuse) that
   * version, and /debug/clients should say so. Only a NACK of the latest response changes what is sent.
   */
  function settle(typeUrl: TypeUrl, state: TypeState, nonce: string, request: DiscoveryRequest): void {
    const version = state.unsettled.get(nonce);
    if (version === undefined) return;
    // The client answers responses in order: older ones still unsettled will never be answered.
    for (const key of state.unsettled.keys()) {
      state.unsettled.delete(key);
      if (key === nonce) break;
    }
    // "NACK signifies unsuccessful configuration and is indicated by the presence of the error_detail field."
    if (request.errorDetail) {
      if (nonce === state.nonce) state.rejected = state.sent;
      emit({ kind: 'nack', typeUrl, version, message: truncateErrorDetail(request.errorDetail.message ?? '') });
    } else {
      emit({ kind: 'ack', typeUrl, version });
    }
  }

  return {
    onRequest(request) {
      if (closed) return;
      if (!started) start(request);
      const typeUrl = request.typeUrl;
      if (!typeUrl) return;
      let state = types.get(typeUrl);
      const nonce = request.responseNonce ?? '';
      if (nonce && state) settle(typeUrl, state, nonce, request);
      // "The management server should not send a DiscoveryResponse for any DiscoveryRequest that has a
      // stale nonce. A nonce becomes stale following a newer nonce being presented to Envoy."
      if (nonce && state?.nonce !== undefined && nonce !== state.nonce) return;

      const subscription = nextSubscription(typeUrl, state?.subscription, request.resourceNames ?? []);
      if (!state) types.set(typeUrl, (state = { subscription, mustAnswer: true, unsettled: new Map() }));
      else {
        // "When the client sends a new request that changes the set of resources being requested, the
        // server must resend any newly requested resources."
        if (!sameSubscription(state.subscription, subscription)) state.mustAnswer = true;
        state.subscription = subscription;
      }
      // Without a snapshot the request is held: the first snapshot published answers it.
      const snapshot = gateway === undefined ? undefined : (probe ?? watcher.snapshot(gateway));
      if (!snapshot) return;
      push(typeUrl, state, snapshot);
      resendOwed(snapshot);
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      emit({ kind: 'closed' });
    },
    serveProbe: (snapshot) => onSnapshot(snapshot, true),
  };
}

/** Responses remembered per type for a late ACK or NACK; a client that never answers loses the oldest. */
const MAX_UNSETTLED = 8;

// The Any wrappings of a cached resource and of a (shared) selection, made once for every stream and
// response that sends them: responses are read-only.
const anys = new WeakMap<CachedResource, AnyResource>();
const anyLists = new WeakMap<readonly CachedResource[], AnyResource[]>();
/** The resource name of each Any made here, for combining responses. */
const anyNames = new WeakMap<AnyResource, string>();

/**
 * One response for a waiting response of a type and a resend of some of its resources that follows
 * it (ResponsePlacement `partial`): the resources of both, by name, the resend's where both have one
 * (it comes from what the stream last sent), with the resend's nonce and version.
 */
export function combineSotwResponses(waiting: DiscoveryResponse, newer: DiscoveryResponse): DiscoveryResponse {
  const byName = new Map<string | AnyResource, AnyResource>();
  for (const any of [...waiting.resources, ...newer.resources]) byName.set(anyNames.get(any) ?? any, any);
  return { ...newer, resources: [...byName.values()] };
}

function anysOf(typeUrl: TypeUrl, resources: readonly CachedResource[]): AnyResource[] {
  let list = anyLists.get(resources);
  if (!list || list[0]?.typeUrl !== typeUrl) anyLists.set(resources, (list = resources.map((r) => anyOf(typeUrl, r))));
  return list;
}

function anyOf(typeUrl: TypeUrl, resource: CachedResource): AnyResource {
  let any = anys.get(resource);
  if (!any || any.typeUrl !== typeUrl) {
    anys.set(resource, (any = { typeUrl, value: resource.bytes }));
    anyNames.set(any, resource.name);
  }
  return any;
}
