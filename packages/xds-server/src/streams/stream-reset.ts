/**
 * Ending a stream whose client stopped reading. A gRPC status travels in trailers, which HTTP/2 sends
 * only after every DATA frame before them: with the client's flow-control window full they never
 * leave. The one way to end such a stream at once is RST_STREAM, and the gRPC HTTP/2 mapping
 * (doc/PROTOCOL-HTTP2.md, "Errors") gives ENHANCE_YOUR_CALM the meaning RESOURCE_EXHAUSTED, which
 * grpc-js ("Bandwidth exhausted or memory limit exceeded"), gRPC C++ and Envoy report as such.
 *
 * @grpc/grpc-js has no public handle on a call's HTTP/2 stream: with no server interceptors
 * configured (we configure none) the call's `call` is its BaseServerInterceptingCall, whose `stream`
 * is the http2 ServerHttp2Stream. Everything is checked before use; if the shape ever differs, the
 * caller falls back to a status and the stream ends when the connection does.
 */
import { constants, type ServerHttp2Stream } from 'node:http2';

interface WithHttp2Stream {
  call?: { stream?: Partial<ServerHttp2Stream> };
}

/**
 * True when the call's HTTP/2 stream is already reset or closed, which nghttp2 knows before grpc-js
 * emits 'cancelled' (grpc-js' own checkCancelled() reads the same fields for the same reason).
 */
export function http2StreamGone(call: object): boolean {
  const stream = (call as WithHttp2Stream).call?.stream;
  return stream?.destroyed === true || stream?.closed === true;
}

/** Resets the call's HTTP/2 stream with ENHANCE_YOUR_CALM; false when the stream cannot be reached. */
export function resetWithEnhanceYourCalm(call: object): boolean {
  const stream = (call as WithHttp2Stream).call?.stream;
  if (!stream || typeof stream.close !== 'function') return false;
  if (stream.destroyed || stream.closed) return true;
  stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  return true;
}
