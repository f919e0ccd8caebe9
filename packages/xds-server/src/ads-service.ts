/**
 * The AggregatedDiscoveryService (envoy/service/discovery/v3/ads.proto) for @grpc/grpc-js: a service
 * definition made by hand over the protobufjs types of @portico/envoy, and one state machine per call
 * (sotw-stream.ts, delta-stream.ts). The state machines see only decoded requests and a `send`; this
 * file is the wire: decode, encode, and the call's life (end, error, cancel → close()).
 *
 * Encode once: a response carries each resource as an Any whose `value` is the CachedResource's
 * bytes, already encoded by the snapshot; encoding the response only copies them into the frame.
 */
import { status, type ServerDuplexStream, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { envoyProtos } from '@portico/envoy';
import type { ClientRegistry } from './client-registry.js';
import { createDeltaStream } from './delta-stream.js';
import { shownClaim, type GatewayAuthorizer } from './gateway-authorization.js';
import type { StreamProtocol, XdsMetrics } from './metrics.js';
import { createSotwStream } from './sotw-stream.js';
import type {
  AnyResource,
  ConfigWatcher,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  NodeInfo,
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
  /**
   * With mutual TLS: may this stream's client certificate serve the gateway its node claims? A refused
   * stream ends with PERMISSION_DENIED before its state machine sees any request. Absent: every claim
   * is accepted (plaintext xDS cannot tell clients apart).
   */
  authorizeGateway?: GatewayAuthorizer;
  /** A stream was refused by `authorizeGateway`. */
  onDenied?: (denial: StreamDenial, stream: StreamRef) => void;
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
  /** Ends every open stream with `code` (after the responses already queued), e.g. at shutdown. */
  endAll(code: status, details: string): void;
  /** Refuses calls from now on (UNAVAILABLE), for the moment between shutdown and the socket closing. */
  refuseNew(): void;
  openStreams(): number;
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
  const type = envoyProtos().lookupType(typeName);
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

const discoveryResponse = () =>
  codec<DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse', {
  toWire: (r) => ({ ...r, resources: r.resources.map(toWireAny) }),
  fromWire: (o) => ({ ...o, resources: ((o.resources ?? []) as WireAny[]).map(fromWireAny) }) as DiscoveryResponse,
});

const deltaDiscoveryResponse = () =>
  codec<DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse', {
  toWire: (r) => ({ ...r, resources: r.resources.map((d) => ({ ...d, resource: toWireAny(d.resource) })) }),
  fromWire: (o) =>
    ({
      ...o,
      resources: ((o.resources ?? []) as (Omit<DeltaResource, 'resource'> & { resource?: WireAny })[]).map((d) => ({ ...d, resource: fromWireAny(d.resource ?? {}) })),
      removedResources: o.removedResources ?? [],
    }) as DeltaDiscoveryResponse,
});

function bidiMethod<Req, Res>(name: string, request: Codec<Req>, response: Codec<Res>) {
  return {
    path: `/${ADS_SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: request.deserialize,
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
    originalName: name[0]!.toLowerCase() + name.slice(1),
  };
}

/** The service definition: both ADS methods, bidirectional streams. */
export function adsServiceDefinition(): ServiceDefinition {
  return {
    StreamAggregatedResources: bidiMethod(
      'StreamAggregatedResources',
      codec<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest'),
      discoveryResponse(),
    ),
    DeltaAggregatedResources: bidiMethod(
      'DeltaAggregatedResources',
      codec<DeltaDiscoveryRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
      deltaDiscoveryResponse(),
    ),
  } as ServiceDefinition;
}

interface StateMachine<Req> {
  onRequest(request: Req): void;
  close(): void;
}

/** What the claim check reads of a call: grpc-js's auth context. */
type AuthenticatedCall = Pick<ServerDuplexStream<unknown, unknown>, 'getAuthContext'>;

/** Both request kinds carry the node the same way; only the first request with one counts. */
interface WithNode {
  node?: NodeInfo;
}

export function createAdsService(options: AdsServiceOptions): AdsService {
  const open = new Set<ServerDuplexStream<unknown, unknown>>();
  let refusing = false;
  let nextStream = 0;

  function serve<Req extends WithNode, Res>(
    call: ServerDuplexStream<Req, Res>,
    protocol: StreamProtocol,
    create: (send: (response: Res) => void, onEvent: (event: StreamEvent) => void) => StateMachine<Req>,
  ): void {
    if (refusing) {
      call.emit('error', { code: status.UNAVAILABLE, details: 'xDS server shutting down' });
      return;
    }
    const ref: StreamRef = { streamId: `${protocol}-${++nextStream}`, protocol, peer: call.getPeer() };
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
    const send = (response: Res) => {
      if (!ended) call.write(response);
    };
    const machine = create(send, onEvent);
    const finish = () => {
      if (ended) return;
      ended = true;
      open.delete(call as ServerDuplexStream<unknown, unknown>);
      machine.close();
    };
    open.add(call as ServerDuplexStream<unknown, unknown>);
    let claimChecked = options.authorizeGateway === undefined;
    call.on('data', (request: Req) => {
      if (ended) return;
      // The state machines take the gateway from the first request that carries a node (SotW: the first
      // request; a SotW node arriving later is ignored by it, and checking it too only refuses more).
      if (!claimChecked && request.node) {
        claimChecked = true;
        const denial = checkClaim(call, request.node);
        if (denial) {
          finish();
          options.onDenied?.(denial, ref);
          call.emit('error', { code: status.PERMISSION_DENIED, details: `xDS client may not serve gateway '${denial.gateway}': ${denial.reason}` });
          return;
        }
      }
      try {
        machine.onRequest(request);
      } catch (error) {
        // A bug, not the client's mistake: end this stream (the client reconnects), keep the others.
        finish();
        call.emit('error', { code: status.INTERNAL, details: `xDS stream failed: ${(error as Error).message}` });
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
      serve(call, 'sotw', (send, onEvent) =>
        createSotwStream({ watcher: options.watcher, send, onEvent, ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}) }),
      ),
    DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
      serve(call, 'delta', (send, onEvent) =>
        createDeltaStream({ watcher: options.watcher, send, onEvent, ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}) }),
      ),
  };

  return {
    definition: adsServiceDefinition(),
    implementation,
    endAll(code, details) {
      for (const call of [...open]) call.emit('error', { code, details });
    },
    refuseNew() {
      refusing = true;
    },
    openStreams: () => open.size,
  };
}

/**
 * The DER bytes of the client certificate the TLS handshake verified. grpc-js's auth context returns
 * one only for an authorized TLS socket (`getPeer()` gives just the address).
 */
function peerCertificateOf(call: AuthenticatedCall): Buffer | undefined {
  return call.getAuthContext().sslPeerCertificate?.raw ?? undefined;
}
