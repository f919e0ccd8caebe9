/**
 * The DeltaDiscoveryResponse encoder, the delta twin of sotw-response-codec.ts: streams in the same
 * subscription state get the same diff (streams/delta-diff-cache.ts), hence the same response but for
 * its nonce, so everything else (system version, type, the resources with their Any wrappings, the
 * removed names, the control plane id) is encoded once and shared; each stream's frame is that body
 * followed by its own nonce field. Protobuf fields may come in any order on the wire (and parsers must
 * accept that), so the result decodes to exactly the response given.
 *
 * The body is cached by the identity of the response's resource list, which delta-stream.ts builds
 * once per diff and shares between the streams that got that diff; a frame is that body with the nonce
 * written after it in place (shared-frame.ts), not a copy of it.
 *
 * A frame `serialize` returns is valid until its next call (grpc-js copies it at once, shared-frame.ts).
 */
import { SharedFrame } from './shared-frame.js';
import type { MessageEncoder } from './sotw-response-codec.js';
import type { AnyResource, DeltaDiscoveryResponse } from './types.js';

interface Body {
  /** Everything but the lists that the bytes encode, to tell a reuse of the resource list apart. */
  key: string;
  removed: readonly string[];
  frame: SharedFrame;
}

export interface DeltaResponseCodec {
  /** The response's bytes, valid until the next call (copy them to keep them). */
  serialize(response: DeltaDiscoveryResponse): Buffer;
  /**
   * The same bytes in two parts: the shared body (never written again, shared-frame.ts) and this
   * response's nonce field, for a writer that sends them one after the other.
   */
  messageParts(response: DeltaDiscoveryResponse): [body: Buffer, nonce: Uint8Array];
  /** Bodies encoded (not taken from the cache) since creation: what the fan-out test counts. */
  bodiesEncoded(): number;
}

export function createDeltaResponseCodec(type: MessageEncoder, toWireAny: (any: AnyResource) => object): DeltaResponseCodec {
  const bodies = new WeakMap<readonly object[], Body>();
  let encoded = 0;
  /** The shared body of the response (everything but its nonce), encoded on first use. */
  function frameOf(response: DeltaDiscoveryResponse): SharedFrame {
    const key = JSON.stringify([response.systemVersionInfo, response.typeUrl, response.controlPlane?.identifier ?? null]);
    let body = bodies.get(response.resources);
    if (body?.key !== key || !sameNames(body.removed, response.removedResources)) {
      const { nonce: _nonce, ...shared } = response;
      const resources = response.resources.map((d) => ({ ...d, resource: toWireAny(d.resource) }));
      body = { key, removed: response.removedResources, frame: new SharedFrame(type.encode({ ...shared, resources }).finish()) };
      bodies.set(response.resources, body);
      encoded++;
    }
    return body.frame;
  }
  // An empty nonce is proto3's default: encoded as nothing, as a whole-message encode would.
  const nonceField = (response: DeltaDiscoveryResponse) => type.encode({ nonce: response.nonce }).finish();
  return {
    serialize: (response) => frameOf(response).withTail(nonceField(response)),
    messageParts: (response) => [frameOf(response).body(), nonceField(response)],
    bodiesEncoded: () => encoded,
  };
}

/** The same list: shared (the usual case, O(1)) or equal name by name. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
