/**
 * The contracts inside the xDS server, after go-control-plane (pkg/cache/v3, pkg/server): the ADS
 * state machines see the cache only through ConfigWatcher and the wire only through a `send`
 * callback, so they are unit-tested without sockets and without a real cache.
 */

export type TypeUrl = string;

/** One resource as served: encoded once and shared by every stream that sends it. */
export interface CachedResource {
  name: string;
  /** Content hash of `bytes`: equal versions mean equal bytes. */
  version: string;
  bytes: Uint8Array;
  /**
   * Sent to wildcard subscribers. False for resources that exist only when asked for by name: the API
   * listeners of proxyless gRPC clients (`host:port`), which an Envoy subscribing to every listener
   * must not receive.
   */
  wildcard: boolean;
}

/** Everything one gateway's clients are served, by type URL then resource name. */
export interface ResourceSnapshot {
  /** `<boot id>-<sequence>`: never repeats across restarts or replicas. */
  version: string;
  resources: ReadonlyMap<TypeUrl, ReadonlyMap<string, CachedResource>>;
}

/** What a stream sees of the snapshot cache. */
export interface ConfigWatcher {
  /** The current snapshot of a gateway (`namespace/name`), if one was published. */
  snapshot(gateway: string): ResourceSnapshot | undefined;
  /** Calls `onChange` after each new snapshot of the gateway; returns the unsubscribe function. */
  subscribe(gateway: string, onChange: (snapshot: ResourceSnapshot) => void): () => void;
}

/** envoy.config.core.v3.Node, the fields used. */
export interface NodeInfo {
  id?: string;
  cluster?: string;
  userAgentName?: string;
  userAgentVersion?: string;
}

/** google.rpc.Status, as sent by a client that rejects a response (a NACK). */
export interface ErrorDetail {
  code?: number;
  message?: string;
}

/** envoy.service.discovery.v3.DiscoveryRequest, decoded (camelCase, as protobufjs gives it). */
export interface DiscoveryRequest {
  versionInfo?: string;
  node?: NodeInfo;
  resourceNames?: string[];
  typeUrl?: string;
  responseNonce?: string;
  errorDetail?: ErrorDetail | null;
}

export interface AnyResource {
  typeUrl: string;
  value: Uint8Array;
}

export interface DiscoveryResponse {
  versionInfo: string;
  resources: AnyResource[];
  typeUrl: string;
  nonce: string;
  controlPlane?: { identifier: string };
}

/** Where a response goes among those waiting to be written to a slow client (response-outbox.ts). */
export interface ResponsePlacement {
  /**
   * It must reach the client after every response sent before it (SotW endpoints after the clusters
   * that changed): a waiting response of its type is taken out of its place and this one goes last.
   */
  follows?: boolean;
  /**
   * With `follows`: it carries only some of its type's resources (a resend), so it is combined with
   * the waiting response instead of replacing it.
   */
  partial?: boolean;
}

export interface DeltaDiscoveryRequest {
  node?: NodeInfo;
  typeUrl?: string;
  resourceNamesSubscribe?: string[];
  resourceNamesUnsubscribe?: string[];
  initialResourceVersions?: Record<string, string>;
  responseNonce?: string;
  errorDetail?: ErrorDetail | null;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyResource;
}

export interface DeltaDiscoveryResponse {
  systemVersionInfo: string;
  resources: DeltaResource[];
  typeUrl: string;
  removedResources: string[];
  nonce: string;
  controlPlane?: { identifier: string };
}

/**
 * What a stream reports, for /debug/clients and metrics: the client's node, ACKs (the version it
 * runs), NACKs (the version it refused and why; it keeps running the last good one), pushes.
 */
export type StreamEvent =
  | { kind: 'connected'; node: NodeInfo; gateway: string | undefined }
  | { kind: 'ack'; typeUrl: TypeUrl; version: string }
  | { kind: 'nack'; typeUrl: TypeUrl; version: string; message: string }
  | { kind: 'push'; typeUrl: TypeUrl; version: string; resources: number; bytes: number; removed: number; latencyMs?: number }
  | { kind: 'closed' };

/** The gateway a node serves: its `node.cluster` (`namespace/name`, set in the bootstrap). */
export function gatewayOfNode(node: NodeInfo | undefined): string | undefined {
  return node?.cluster || undefined;
}

/**
 * Make-before-break order (go-control-plane ADS docs, Envoy xDS protocol "eventual consistency"):
 * clusters before the endpoints they use, listeners before their routes; removals go last.
 */
export const PUSH_ORDER: readonly TypeUrl[] = [
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
];

/** Types whose empty subscription means "everything" (xDS protocol: LDS and CDS are wildcard by default). */
export const WILDCARD_BY_DEFAULT: ReadonlySet<TypeUrl> = new Set([
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
]);

/** The types this server serves: requests for any other end their stream (ads-service.ts). */
export const SERVED_TYPE_URLS: ReadonlySet<TypeUrl> = new Set(PUSH_ORDER);
