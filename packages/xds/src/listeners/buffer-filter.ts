/**
 * The buffer HTTP filter of a connection manager, installed only when a route of its table limits
 * its request bodies (routes/buffer-per-route.ts), and disabled: a route without its own
 * BufferPerRoute streams its bodies as before. The filter-level max_request_bytes is required by
 * Envoy and never used (every enabled route carries its own). Not optional: an xDS client that
 * cannot run it would forward bodies the route refuses.
 */
import type { Proto3Json } from '@portico/envoy';
import { BUFFER_FILTER } from '../names.js';
import { BUFFER_TYPE, MAX_BUFFERED_BYTES } from '../routes/buffer-per-route.js';
import { typedConfig } from '../typed-config.js';

export function bufferHttpFilters(perFilter: ReadonlySet<string>): Proto3Json[] {
  if (!perFilter.has(BUFFER_FILTER)) return [];
  return [{ name: BUFFER_FILTER, typedConfig: typedConfig(BUFFER_TYPE, { maxRequestBytes: MAX_BUFFERED_BYTES }), disabled: true }];
}
