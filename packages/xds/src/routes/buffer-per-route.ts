/**
 * A route's request body limit (HTTPRouteIR.maxRequestBytes, an ingress-nginx proxy-body-size) as
 * Envoy's buffer filter: the route's BufferPerRoute buffers the whole request body, up to
 * max_request_bytes, before it is sent to the backend, and a larger body is answered 413 Payload Too
 * Large — what nginx does with client_max_body_size (it reads the whole body before proxying, as
 * proxy_request_buffering does by default). Envoy holds the body in memory where nginx spools a large
 * one to a temporary file: a limit costs up to that much memory per concurrent upload.
 * The connection manager installs the filter disabled (listeners/buffer-filter.ts); the per-route
 * config enables it on these routes only.
 */
import type { Proto3Json } from '@portico/envoy';
import { BUFFER_FILTER } from '../names.js';
import { typedConfig } from '../typed-config.js';

export const BUFFER_TYPE = 'envoy.extensions.filters.http.buffer.v3.Buffer';
/** Envoy's max_request_bytes is a uint32. */
export const MAX_BUFFERED_BYTES = 4_294_967_295;

export function bufferPerFilterConfig(maxRequestBytes: number | undefined): Proto3Json {
  if (maxRequestBytes === undefined) return {};
  return { [BUFFER_FILTER]: typedConfig('envoy.extensions.filters.http.buffer.v3.BufferPerRoute', { buffer: { maxRequestBytes: Math.min(maxRequestBytes, MAX_BUFFERED_BYTES) } }) };
}
