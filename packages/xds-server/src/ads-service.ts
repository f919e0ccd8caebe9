/**
 * The AggregatedDiscoveryService (envoy/service/discovery/v3/ads.proto) for @grpc/grpc-js: a service
 * definition made by hand over the protobufjs types of @portico/envoy, and one state machine per call
 * (sotw-stream.ts, delta-stream.ts). The state machines see only decoded requests and a `send`; this
 * file is the wire: decode, encode, and the call's life (end, error, cancel → close()).
 *
 * Encode once: a response carries each resource as an Any whose `value` is the CachedResource's
 * bytes, already encoded by the snapshot; encoding the response only copies them into the frame,
 * once for every stream that gets the same response (sotw-response-codec.ts, delta-response-codec.ts),
 * and each stream queues that one frame body on its HTTP/2 stream with its own nonce after it
 * (streams/message-parts-write.ts) rather than a copy of it.
 */
import { status, type ServerDuplexStream, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { discoveryProtos } from '@portico/envoy';
import type { ClientRegistry } from './client-registry.js';
import { createDeltaDiffCache } from './streams/delta-diff-cache.js';
import { createDeltaResponseCodec, type DeltaResponseCodec } from './delta-response-codec.js';
import { createDeltaStream } from './streams/delta-stream.js';
import { shownClaim, type GatewayAuthorizer } from './identity/gateway-authorization.js';
import type { StreamProtocol, XdsMetrics } from './metrics.js';
import { truncateErrorDetail } from './streams/error-detail.js';
import { writeMessageParts } from './streams/message-parts-write.js';
import { createResponseOutbox, type ResponseOutboxOptions } from './streams/response-outbox.js';
import { createSotwResponseCodec, type SotwResponseCodec } from './sotw-response-codec.js';
import { combineSotwResponses, createSotwStream } from './streams/sotw-stream.js';
import { http2StreamGone, resetWithEnhanceYourCalm } from './streams/stream-reset.js';
import { SERVED_TYPE_URLS } from './types.js';
import type {
  AnyResource,
  ConfigWatcher,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  ResourceSnapshot,
  NodeInfo,
  ResponsePlacement,
  StreamEvent,
} from './types.js';
import { gatewayOfNode } from './types.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** Which stream an event came from. */
export interface StreamRef {
  streamId: string;
  protocol: StreamProtocol;
  peer: string;
}

export interface AdsServiceOptions {
  watcher: ConfigWatcher;
  registry: ClientRegistry;
  metrics: XdsMetrics;
  onEvent?: (event: StreamEvent, stream: StreamRef) => void;
  /** Sent as `control_plane.identifier` in every response. */
  controlPlaneId?: string;
  limits?: Partial<StreamLimits>;
  /** A stream refused or ended by the server for what its client did (for a log line). */
  onStreamRefused?: (refusal: StreamRefusal) => void;
  /**
   * With mutual TLS: may this stream's client certificate serve the gateway its node claims? A refused
   * stream ends with PERMISSION_DENIED before its state machine sees any request. Absent: every claim
   * is accepted (plaintext xDS cannot tell clients apart).
   */
  authorizeGateway?: GatewayAuthorizer;
  /** A stream was refused by `authorizeGateway`. */
  onDenied?: (denial: StreamDenial, stream: StreamRef) => void;
  /**
   * The server's `grpc.max_send_message_length`: a larger response goes through grpc-js, which ends
   * the stream with RESOURCE_EXHAUSTED. Absent: grpc-js' default, no limit.
   */
  maxSendMessageBytes?: number;
}

/** What one client may cost the server. */
export interface StreamLimits {
  /** Streams open at once, all connections together; more are refused with RESOURCE_EXHAUSTED. */
  maxStreams: number;
  /** Streams open at once on one connection (one peer address); more are refused with RESOURCE_EXHAUSTED. */
  maxStreamsPerConnection: number;
  /** A response the client has not read for this long ends its stream (RESOURCE_EXHAUSTED). */
  maxBlockedMs: number;
  /** Bytes of responses waiting for one client past which its stream ends (RESOURCE_EXHAUSTED). */
  maxQueuedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = {
  maxStreams: 10_000,
  maxStreamsPerConnection: 100,
  maxBlockedMs: 30_000,
  maxQueuedBytes: 256 * 1024 * 1024,
};

export type StreamRefusalReason = 'too_many_streams' | 'too_many_streams_on_connection' | 'blocked' | 'unknown_type_url' | 'malformed_request';

export interface StreamRefusal {
  stream: StreamRef;
  reason: StreamRefusalReason;
  /** The gRPC status the client is given. */
  code: status;
  details: string;
}

/** Why a stream was ended with PERMISSION_DENIED. */
export interface StreamDenial {
  /** The gateway its node claimed (`node.cluster`), cut when longer than any gateway key can be. */
  gateway: string;
  /** The identity its certificate carries, as logs show it. */
  identity: string;
  reason: string;
}

export interface AdsService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** Ends every open stream with `code` (after the response being written; those waiting are dropped), e.g. at shutdown. */
  endAll(code: status, details: string): void;
  /** Refuses calls from now on (UNAVAILABLE), for the moment between shutdown and the socket closing. */
  refuseNew(): void;
  openStreams(): number;
  /** Serves one stream a probe snapshot (sotw-stream.ts serveProbe); false when that stream is not open. */
  probe(streamId: string, snapshot: ResourceSnapshot): boolean;
}

interface Codec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

/**
 * google.protobuf.Any is the one message protobufjs keeps in snake_case (`type_url`: it comes from
 * protobufjs' bundled descriptors, not from the .proto files loaded with camelCase names). The
 * adapters rename it on the way out and back; the bytes are not touched.
 */
interface WireAny {
  type_url: string;
  value: Uint8Array;
}

const toWireAny = (any: AnyResource): WireAny => ({ type_url: any.typeUrl, value: any.value });
const fromWireAny = (any: Partial<WireAny>): AnyResource => ({ typeUrl: any.type_url ?? '', value: any.value ?? new Uint8Array() });

function codec<T>(typeName: string, adapt: { toWire?(value: T): object; fromWire?(object: Record<string, unknown>): T } = {}): Codec<T> {
  const type = discoveryProtos().lookupType(typeName);
  const toWire = adapt.toWire ?? ((value: T) => value as object);
  const fromWire = adapt.fromWire ?? ((object: Record<string, unknown>) => object as T);
  return {
    // protobufjs encodes a plain object of the message's shape.
    serialize: (value) => {
      const bytes = type.encode(toWire(value)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    // Plain camelCase objects (types.ts); no defaults, so an absent field reads as undefined.
    deserialize: (bytes) => fromWire(type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: false })),
  };
}

/** The response encoders of one service: its definition's serializers and its streams' writers share their bodies. */
interface ResponseCodecs {
  sotw: SotwResponseCodec;
  delta: DeltaResponseCodec;
}

const responseCodecs = (): ResponseCodecs => ({
  // Encoded once per (version, subscription set) and shared by every stream (sotw-response-codec.ts).
  sotw: createSotwResponseCodec(discoveryProtos().lookupType('envoy.service.discovery.v3.DiscoveryResponse'), toWireAny),
  // Encoded once per shared diff and shared by the streams that got it (delta-response-codec.ts).
  delta: createDeltaResponseCodec(discoveryProtos().lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'), toWireAny),
});

const discoveryResponse = (encoder: SotwResponseCodec): Codec<DiscoveryResponse> => {
  const { deserialize } = codec<DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse', {
    fromWire: (o) => ({ ...o, resources: ((o.resources ?? []) as WireAny[]).map(fromWireAny) }) as DiscoveryResponse,
  });
  return { serialize: (response) => encoder.serialize(response), deserialize };
};

const deltaDiscoveryResponse = (encoder: DeltaResponseCodec): Codec<DeltaDiscoveryResponse> => {
  const { deserialize } = codec<DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse', {
    fromWire: (o) =>
      ({
        ...o,
        resources: ((o.resources ?? []) as (Omit<DeltaResource, 'resource'> & { resource?: WireAny })[]).map((d) => ({ ...d, resource: fromWireAny(d.resource ?? {}) })),
        removedResources: o.removedResources ?? [],
      }) as DeltaDiscoveryResponse,
  });
  return { serialize: (response) => encoder.serialize(response), deserialize };
};

/**
 * A request that is not a valid protobuf message. grpc-js answers a deserializer that throws with
 * INTERNAL and never tells the handler; returned instead, it lets the stream end with
 * INVALID_ARGUMENT (the client's fault) and a log line.
 */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

function tolerant<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (error) {
      return new MalformedRequest(truncateErrorDetail((error as Error).message, 256));
    }
  };
}

function bidiMethod<Req, Res>(name: string, request: Codec<Req>, response: Codec<Res>) {
  return {
    path: `/${ADS_SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: tolerant(request.deserialize),
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
    originalName: name[0]!.toLowerCase() + name.slice(1),
  };
}

/** The service definition: both ADS methods, bidirectional streams. */
export function adsServiceDefinition(): ServiceDefinition {
  return definitionWith(responseCodecs());
}

function definitionWith(encoders: ResponseCodecs): ServiceDefinition {
  return {
    StreamAggregatedResources: bidiMethod(
      'StreamAggregatedResources',
      codec<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest'),
      discoveryResponse(encoders.sotw),
    ),
    DeltaAggregatedResources: bidiMethod(
      'DeltaAggregatedResources',
      codec<DeltaDiscoveryRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
      deltaDiscoveryResponse(encoders.delta),
    ),
  } as ServiceDefinition;
}

interface StateMachine<Req> {
  onRequest(request: Req): void;
  close(): void;
  serveProbe(snapshot: ResourceSnapshot): void;
}

/** One open stream, as the service tracks it. */
interface OpenStream {
  /** Ends the stream with a status (or a reset, when the client stopped reading), once. */
  end(code: status, details: string): void;
}

/** What the claim check reads of a call: grpc-js's auth context. */
type AuthenticatedCall = Pick<ServerDuplexStream<unknown, unknown>, 'getAuthContext'>;

/** Both request kinds carry the node the same way; only the first request with one counts. */
interface WithNode {
  node?: NodeInfo;
}

export function createAdsService(options: AdsServiceOptions): AdsService {
  const limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
  const open = new Map<ServerDuplexStream<unknown, unknown>, OpenStream>();
  const perConnection = new Map<string, number>();
  const machines = new Map<string, { serveProbe(snapshot: ResourceSnapshot): void }>();
  // One diff per distinct subscription state and snapshot, whatever the number of delta streams.
  const deltaDiffs = createDeltaDiffCache();
  const encoders = responseCodecs();
  const maxSendMessageBytes = options.maxSendMessageBytes ?? Infinity;
  let refusing = false;
  let nextStream = 0;

  function refuse(call: ServerDuplexStream<unknown, unknown>, ref: StreamRef, reason: StreamRefusalReason, code: status, details: string): void {
    options.metrics.recordRefusal(reason);
    options.onStreamRefused?.({ stream: ref, reason, code, details });
    call.emit('error', { code, details });
  }

  /** The limit a new stream would pass, if any. */
  function overLimit(peer: string): [StreamRefusalReason, string] | undefined {
    if (open.size >= limits.maxStreams) return ['too_many_streams', `the xDS server has ${open.size} streams open, its limit`];
    const onConnection = perConnection.get(peer) ?? 0;
    if (onConnection >= limits.maxStreamsPerConnection) return ['too_many_streams_on_connection', `this connection has ${onConnection} xDS streams open, the limit`];
    return undefined;
  }

  function serve<Req extends WithNode & { typeUrl?: string }, Res extends { typeUrl: string }>(
    untypedCall: ServerDuplexStream<Req, Res>,
    protocol: StreamProtocol,
    create: (send: (response: Res, placement?: ResponsePlacement) => void, onEvent: (event: StreamEvent) => void) => StateMachine<Req>,
    outbox: Pick<ResponseOutboxOptions<Res>, 'supersedeKey' | 'combine' | 'sizeOf'>,
    messageParts: (response: Res) => readonly Uint8Array[],
  ): void {
    const call = untypedCall as ServerDuplexStream<Req, Res> & ServerDuplexStream<unknown, unknown>;
    if (refusing) {
      call.emit('error', { code: status.UNAVAILABLE, details: 'xDS server shutting down' });
      return;
    }
    const peer = call.getPeer();
    const ref: StreamRef = { streamId: `${protocol}-${++nextStream}`, protocol, peer };
    const exceeded = overLimit(peer);
    if (exceeded) return refuse(call, ref, exceeded[0], status.RESOURCE_EXHAUSTED, exceeded[1]);

    const toRegistry = options.registry.open(ref);
    let connected = false;
    const onEvent = (event: StreamEvent) => {
      // A stream closed before its first request was never counted as connected.
      if (event.kind === 'closed' && !connected) return toRegistry(event);
      if (event.kind === 'connected') connected = true;
      toRegistry(event);
      options.metrics.record(event, protocol);
      options.onEvent?.(event, ref);
    };
    let ended = false;
    const gone = () => ended || call.cancelled || call.destroyed || http2StreamGone(call);
    const responses = createResponseOutbox<Res>({
      ...outbox,
      writer: {
        write(response, flushed) {
          const parts = messageParts(response);
          const bytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
          if (bytes > maxSendMessageBytes || !writeMessageParts(call, parts, flushed)) void call.write(response, flushed);
        },
        gone,
      },
      maxBlockedMs: limits.maxBlockedMs,
      maxQueuedBytes: limits.maxQueuedBytes,
      onBlocked: (reason) => endBlocked(reason),
      onDropped: (reason, count) => options.metrics.recordDropped(reason, count),
      onWritten: () => options.metrics.recordWritten(protocol),
    });
    const machine = create((response, placement) => responses.enqueue(response, placement), onEvent);
    const finish = () => {
      if (ended) return;
      ended = true;
      responses.close();
      open.delete(call);
      machines.delete(ref.streamId);
      const left = (perConnection.get(peer) ?? 1) - 1;
      if (left > 0) perConnection.set(peer, left);
      else perConnection.delete(peer);
      machine.close();
    };
    const end = (code: status, details: string) => {
      if (ended) return;
      finish();
      call.emit('error', { code, details });
    };
    /** The client stopped reading: its trailers could not leave either, so the stream is reset. */
    const endBlocked = (reason: string) => {
      if (ended) return;
      const details = `xDS stream ended: ${reason}`;
      options.metrics.recordRefusal('blocked');
      options.onStreamRefused?.({ stream: ref, reason: 'blocked', code: status.RESOURCE_EXHAUSTED, details });
      finish();
      if (!resetWithEnhanceYourCalm(call)) call.emit('error', { code: status.RESOURCE_EXHAUSTED, details });
    };
    const refuseRequest = (reason: StreamRefusalReason, details: string) => {
      options.metrics.recordRefusal(reason);
      options.onStreamRefused?.({ stream: ref, reason, code: status.INVALID_ARGUMENT, details });
      end(status.INVALID_ARGUMENT, details);
    };
    open.set(call, { end });
    machines.set(ref.streamId, machine);
    perConnection.set(peer, (perConnection.get(peer) ?? 0) + 1);

    let claimChecked = options.authorizeGateway === undefined;
    call.on('data', (request: Req | MalformedRequest) => {
      if (gone()) return;
      if (request instanceof MalformedRequest) return refuseRequest('malformed_request', `malformed request: ${request.reason}`);
      // The state machines take the gateway from the first request that carries a node (SotW: the first
      // request; a SotW node arriving later is ignored by it, and checking it too only refuses more).
      if (!claimChecked && request.node) {
        claimChecked = true;
        const denial = checkClaim(call, request.node);
        if (denial) {
          options.onDenied?.(denial, ref);
          return end(status.PERMISSION_DENIED, `xDS client may not serve gateway '${denial.gateway}': ${denial.reason}`);
        }
      }
      // go-control-plane ends a stream whose type its cache does not serve (MuxCache: "effectively
      // terminates the stream"); remembering every type a client names would be unbounded.
      if (request.typeUrl && !SERVED_TYPE_URLS.has(request.typeUrl)) {
        return refuseRequest('unknown_type_url', `unknown type URL '${truncateErrorDetail(request.typeUrl, 256)}': this server serves ${[...SERVED_TYPE_URLS].join(', ')}`);
      }
      try {
        machine.onRequest(request);
      } catch (error) {
        // A bug, not the client's mistake: end this stream (the client reconnects), keep the others.
        end(status.INTERNAL, `xDS stream failed: ${(error as Error).message}`);
      }
    });
    // The client half-closed: it sends no more requests, so the stream is over.
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('cancelled', finish);
    call.on('error', finish);
    call.on('close', finish);
  }

  /** The denial when the stream's certificate may not serve the gateway `node` claims; a node claiming none is served nothing anyway. */
  function checkClaim(call: AuthenticatedCall, node: NodeInfo): StreamDenial | undefined {
    const gateway = gatewayOfNode(node);
    if (gateway === undefined) return undefined;
    const decision = options.authorizeGateway!(gateway, peerCertificateOf(call));
    return decision.allowed ? undefined : { gateway: shownClaim(gateway), identity: decision.identity, reason: decision.reason };
  }

  const implementation: UntypedServiceImplementation = {
    StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) =>
      serve(
        call,
        'sotw',
        (send, onEvent) => createSotwStream({ watcher: options.watcher, send, onEvent, ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}) }),
        // A state-of-the-world response holds every resource of its type: a newer one makes a waiting one
        // useless, but for a resend of some endpoints (partial), which joins the waiting one.
        { supersedeKey: (response) => response.typeUrl, combine: combineSotwResponses, sizeOf: (response) => response.resources.reduce((sum, r) => sum + r.value.byteLength, 0) },
        (response) => encoders.sotw.messageParts(response),
      ),
    DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
      serve(
        call,
        'delta',
        (send, onEvent) => createDeltaStream({ watcher: options.watcher, send, onEvent, diffs: deltaDiffs, ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}) }),
        // A delta response is a diff: none may be dropped. The state machine already waits for the
        // ACK of a type before its next response, so at most one per type waits here.
        { sizeOf: (response) => response.resources.reduce((sum, r) => sum + r.resource.value.byteLength, 0) },
        (response) => encoders.delta.messageParts(response),
      ),
  };

  return {
    definition: definitionWith(encoders),
    implementation,
    endAll(code, details) {
      for (const stream of [...open.values()]) stream.end(code, details);
    },
    refuseNew() {
      refusing = true;
    },
    openStreams: () => open.size,
    probe(streamId, snapshot) {
      const machine = machines.get(streamId);
      machine?.serveProbe(snapshot);
      return machine !== undefined;
    },
  };
}

/**
 * The DER bytes of the client certificate the TLS handshake verified. grpc-js's auth context returns
 * one only for an authorized TLS socket (`getPeer()` gives just the address).
 */
function peerCertificateOf(call: AuthenticatedCall): Buffer | undefined {
  return call.getAuthContext().sslPeerCertificate?.raw ?? undefined;
}
