/**
 * The DiscoveryResponse encoder: every stream subscribed to the same resources of one version gets the
 * same response but for its nonce, so the bytes of everything else (version, type, the resources' Any
 * wrappings, the control plane id) are encoded once per (version, subscription set) and shared; each
 * stream's frame is that body followed by its own nonce field. Protobuf fields may come in any order
 * on the wire (and parsers must accept that), so the result decodes to exactly the response given.
 *
 * The body is cached by the identity of the response's Any list, which sotw-stream.ts shares between
 * every stream with the same selection of the same snapshot (subscription.ts `selectResources`), so
 * 1,000 proxies of a gateway cost one encoding of its route table per change, not 1,000; and a frame
 * is that body with the nonce written after it in place (shared-frame.ts), not a copy of it.
 *
 * A frame `serialize` returns is valid until its next call (grpc-js copies it at once, shared-frame.ts).
 */
import { SharedFrame } from './shared-frame.js';
import type { AnyResource, DiscoveryResponse } from './types.js';

/** The protobufjs message type of DiscoveryResponse (from @portico/envoy), as far as encoding goes. */
export interface MessageEncoder {
  encode(message: object): { finish(): Uint8Array };
}

interface Body {
  /** Everything but the resources that the bytes encode, to tell a reuse of the list apart. */
  key: string;
  frame: SharedFrame;
}

export interface SotwResponseCodec {
  /** The response's bytes, valid until the next call (copy them to keep them). */
  serialize(response: DiscoveryResponse): Buffer;
  /**
   * The same bytes in two parts: the shared body (never written again, shared-frame.ts) and this
   * response's nonce field, for a writer that sends them one after the other.
   */
  messageParts(response: DiscoveryResponse): [body: Buffer, nonce: Uint8Array];
  /** Bodies encoded (not taken from the cache) since creation: what the fan-out test counts. */
  bodiesEncoded(): number;
}

export function createSotwResponseCodec(type: MessageEncoder, toWireAny: (any: AnyResource) => object): SotwResponseCodec {
  const bodies = new WeakMap<readonly AnyResource[], Body>();
  let encoded = 0;
  /** The shared body of the response (everything but its nonce), encoded on first use. */
  function frameOf(response: DiscoveryResponse): SharedFrame {
    const key = `${response.versionInfo}\u0000${response.typeUrl}\u0000${response.controlPlane?.identifier ?? ''}`;
    let body = bodies.get(response.resources);
    if (body?.key !== key) {
      const { nonce: _nonce, ...shared } = response;
      body = { key, frame: new SharedFrame(type.encode({ ...shared, resources: response.resources.map(toWireAny) }).finish()) };
      bodies.set(response.resources, body);
      encoded++;
    }
    return body.frame;
  }
  // An empty nonce is proto3's default: encoded as nothing, as a whole-message encode would.
  const nonceField = (response: DiscoveryResponse) => type.encode({ nonce: response.nonce }).finish();
  return {
    serialize: (response) => frameOf(response).withTail(nonceField(response)),
    messageParts: (response) => [frameOf(response).body(), nonceField(response)],
    bodiesEncoded: () => encoded,
  };
}
