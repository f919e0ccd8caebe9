/**
 * A protocol-level incremental xDS client for tests: one DeltaAggregatedResources call over a real
 * @grpc/grpc-js connection, with a method definition and a codec of its own (protobufjs types of
 * envoy.service.discovery.v3, from @portico/envoy). It shares nothing with the server's codec, so a
 * mistake on either side shows. It does what an Envoy does on the wire and nothing more: the test
 * says what to subscribe, ACK or NACK, and reads responses in order.
 */
import { Client, credentials, type ChannelCredentials, type ChannelOptions, type ClientDuplexStream } from '@grpc/grpc-js';
import { envoyProtos } from '@portico/envoy';

const METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

export interface DeltaRequest {
  node?: { id?: string; cluster?: string };
  typeUrl: string;
  resourceNamesSubscribe?: string[];
  resourceNamesUnsubscribe?: string[];
  initialResourceVersions?: Record<string, string>;
  responseNonce?: string;
  errorDetail?: { code: number; message: string };
}

export interface DeltaResponse {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: { name: string; version: string; typeUrl: string; value: Uint8Array }[];
  removedResources: string[];
  controlPlane?: { identifier: string };
}

export interface DeltaClientStream {
  send(request: DeltaRequest): void;
  /** ACKs a response (its nonce, no error_detail). */
  ack(response: DeltaResponse): void;
  /** NACKs a response: its nonce with error_detail (google.rpc.Status, INVALID_ARGUMENT). */
  nack(response: DeltaResponse, message: string): void;
  /** The next response; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<DeltaResponse>;
  /** Resolves with the responses that arrive within `ms` (to show that nothing is sent). */
  drain(ms: number): Promise<DeltaResponse[]>;
  /**
   * What the client holds, by type then name: versions from the responses it ACKed, without what
   * they removed (what an Envoy sends back as initial_resource_versions when it reconnects).
   */
  held(): Map<string, Map<string, string>>;
  end(): void;
}

export interface DeltaClient {
  open(): DeltaClientStream;
  close(): void;
}

function codecs() {
  const root = envoyProtos();
  const requestType = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
  const responseType = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  return {
    serialize(request: DeltaRequest): Buffer {
      const bytes = requestType.encode(requestType.fromObject(request)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize(bytes: Buffer): DeltaResponse {
      const o = responseType.toObject(responseType.decode(bytes), { defaults: true, arrays: true, bytes: Uint8Array }) as {
        systemVersionInfo: string;
        typeUrl: string;
        nonce: string;
        removedResources: string[];
        controlPlane?: { identifier: string } | null;
        // google.protobuf.Any keeps protobufjs' bundled snake_case field names.
        resources: { name: string; version: string; resource?: { type_url: string; value: Uint8Array } | null }[];
      };
      return {
        systemVersionInfo: o.systemVersionInfo,
        typeUrl: o.typeUrl,
        nonce: o.nonce,
        removedResources: o.removedResources,
        ...(o.controlPlane ? { controlPlane: o.controlPlane } : {}),
        resources: o.resources.map((r) => ({
          name: r.name,
          version: r.version,
          typeUrl: r.resource?.type_url ?? '',
          value: r.resource?.value ?? new Uint8Array(),
        })),
      };
    },
  };
}

/** Plain text unless given credentials (mTLS: `credentials.createSsl(ca, key, cert)`). */
export function createDeltaClient(address: string, channelCredentials: ChannelCredentials = credentials.createInsecure(), options: ChannelOptions = {}): DeltaClient {
  const client = new Client(address, channelCredentials, options);
  const { serialize, deserialize } = codecs();

  function open(): DeltaClientStream {
    const call: ClientDuplexStream<DeltaRequest, DeltaResponse> = client.makeBidiStreamRequest(METHOD, serialize, deserialize);
    const received: DeltaResponse[] = [];
    const waiting: ((r: DeltaResponse) => void)[] = [];
    const held = new Map<string, Map<string, string>>();
    call.on('data', (response: DeltaResponse) => {
      const waiter = waiting.shift();
      if (waiter) waiter(response);
      else received.push(response);
    });
    call.on('error', () => {}); // the status says why; an unheard error would be thrown

    const answer = (response: DeltaResponse, errorDetail?: DeltaRequest['errorDetail']) => {
      call.write({ typeUrl: response.typeUrl, responseNonce: response.nonce, ...(errorDetail ? { errorDetail } : {}) });
      if (errorDetail) return;
      const versions = held.get(response.typeUrl) ?? new Map<string, string>();
      held.set(response.typeUrl, versions);
      for (const r of response.resources) versions.set(r.name, r.version);
      for (const name of response.removedResources) versions.delete(name);
    };

    return {
      send: (request) => void call.write(request),
      ack: (response) => answer(response),
      nack: (response, message) => answer(response, { code: 3, message }),
      next(timeoutMs = 5_000) {
        const ready = received.shift();
        if (ready) return Promise.resolve(ready);
        return new Promise((resolve, reject) => {
          const waiter = (r: DeltaResponse) => {
            clearTimeout(timer);
            resolve(r);
          };
          const timer = setTimeout(() => {
            waiting.splice(waiting.indexOf(waiter), 1);
            reject(new Error(`no delta response within ${timeoutMs} ms`));
          }, timeoutMs);
          waiting.push(waiter);
        });
      },
      async drain(ms) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return received.splice(0);
      },
      held: () => new Map([...held].map(([t, v]) => [t, new Map(v)])),
      end: () => call.end(),
    };
  }

  return { open, close: () => client.close() };
}
