/**
 * Writing one response as a gRPC message (doc/PROTOCOL-HTTP2.md: Length-Prefixed-Message = a 0
 * compressed-flag byte, the 4-byte big-endian length, the message) straight onto the call's HTTP/2
 * stream, in parts: the 5-byte prefix and the nonce field are this stream's, the body between them
 * is the one buffer every stream of the same response queues (shared-frame.ts). HTTP/2 streams do
 * not copy what they are given, so a 337 KB route table pushed to 1,000 streams is 337 KB of memory,
 * not the 337 MB that `call.write` costs: grpc-js' serializeMessage allocates and fills a frame of
 * its own for every write (BaseServerInterceptingCall.serializeMessage).
 *
 * What grpc-js' sendMessage does around its write is done here too: the response headers first
 * (`sendMetadata`, a no-op once they went), nothing once the stream is closed, the write's callback
 * only on success (a failed write ends the stream, which grpc-js reports as cancelled). Left out:
 * channelz' count of messages sent. Its size limit (`grpc.max_send_message_length`) is the caller's
 * to apply (ads-service.ts sends a larger message through `call.write`, which refuses it as grpc-js
 * would).
 *
 * @grpc/grpc-js has no public handle on a call's HTTP/2 stream: as in stream-reset.ts, with no server
 * interceptors configured (we configure none) the call's `call` is its BaseServerInterceptingCall,
 * whose `stream` is the http2 ServerHttp2Stream. Everything is checked before use; if the shape ever
 * differs, this returns false and the caller writes through grpc-js.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ServerHttp2Stream } from 'node:http2';

/** The call as far as this writer goes: grpc-js' ServerDuplexStream and its internal call. */
interface PartsWritableCall {
  sendMetadata(metadata: Metadata): void;
  call?: { stream?: Partial<ServerHttp2Stream> };
}

/** The response headers: none of our own, grpc-js adds the gRPC ones. Read, never changed. */
const NO_METADATA = new Metadata();

/** Bytes of the length prefix of a gRPC message. */
const PREFIX_BYTES = 5;

/**
 * Writes the message made of `parts` (in order) on the call's HTTP/2 stream and calls `flushed` once
 * it has left; false, writing nothing, when the stream cannot be reached (the caller writes through
 * grpc-js instead). A stream already closed or ended takes nothing and reports true: nothing is to be written.
 */
export function writeMessageParts(call: object, parts: readonly Uint8Array[], flushed: () => void): boolean {
  const writable = call as PartsWritableCall;
  const stream = writable.call?.stream;
  if (!stream || typeof stream.write !== 'function' || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return false;
  if (stream.destroyed || stream.closed || stream.writableEnded) return true;
  writable.sendMetadata(NO_METADATA);
  const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  prefix.writeUInt8(0, 0); // not compressed: grpc-js compresses no response either
  prefix.writeUInt32BE(length, 1);
  const chunks = [prefix, ...parts.filter((part) => part.byteLength > 0)];
  // One writev of the parts; the callback of the last says the whole message has left.
  stream.cork();
  chunks.forEach((chunk, i) => {
    if (i < chunks.length - 1) stream.write!(chunk);
    else stream.write!(chunk, (error) => error || flushed());
  });
  stream.uncork();
  return true;
}
