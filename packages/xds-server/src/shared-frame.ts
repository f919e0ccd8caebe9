/**
 * The bytes of one response that many streams send but for its nonce: the body, encoded once, with
 * room after it for one stream's nonce field, which is written in place for each stream. A stream's
 * frame is then a view of that one buffer, not a copy of the body: with a 337 KB route table and
 * 1,000 streams, a copy each was 337 MB allocated and written per update, before grpc-js copied it
 * once more into its own length-prefixed frame.
 *
 * A `withTail` view stays valid until the next call: the response codecs hand it to grpc-js, which
 * copies it into its frame synchronously (BaseServerInterceptingCall.serializeMessage: allocUnsafe,
 * then `messageBuffer.copy(output, 5)`) and keeps nothing of it. Whoever else keeps a frame must copy
 * it. `body()` is never written again: ads-service.ts queues it on every stream as it is
 * (streams/message-parts-write.ts), which spares even grpc-js' copy.
 */

/** Room for a nonce field after the body: a SotW counter or a delta `<8 hex>-<counter>` nonce fits. */
const TAIL_ROOM = 64;

export class SharedFrame {
  private buffer: Buffer;
  readonly bodyLength: number;

  constructor(body: Uint8Array) {
    this.bodyLength = body.byteLength;
    this.buffer = Buffer.allocUnsafe(body.byteLength + TAIL_ROOM);
    this.buffer.set(body, 0);
  }

  /**
   * The body alone, for a writer that sends the tail from a buffer of its own: never written again,
   * so it may be queued on every stream at once.
   */
  body(): Buffer {
    return this.buffer.subarray(0, this.bodyLength);
  }

  /** The body followed by `tail` (one stream's nonce field), in place: valid until the next call. */
  withTail(tail: Uint8Array): Buffer {
    const length = this.bodyLength + tail.byteLength;
    if (length > this.buffer.byteLength) {
      // A longer nonce than ever: a bigger buffer, once.
      const bigger = Buffer.allocUnsafe(length + TAIL_ROOM);
      this.buffer.copy(bigger, 0, 0, this.bodyLength);
      this.buffer = bigger;
    }
    this.buffer.set(tail, this.bodyLength);
    return this.buffer.subarray(0, length);
  }
}
