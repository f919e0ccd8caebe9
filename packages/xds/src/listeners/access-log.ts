/**
 * Access logs to Envoy's stdout (`envoy.access_loggers.stdout`), as Contour and Envoy Gateway do by
 * default: the container runtime collects them, and no file has to be rotated inside the pod.
 */
import type { Proto3Json } from '@portico/envoy';
import { typedConfig } from '../typed-config.js';

const STDOUT_ACCESS_LOG = 'envoy.access_loggers.stdout';
const STDOUT_ACCESS_LOG_TYPE = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';

/**
 * One line per TCP connection or UDP session. Envoy's default format is the HTTP one, which prints
 * `-` for every request field of an L4 proxy; this keeps the fields that exist there.
 */
const L4_FORMAT =
  '[%START_TIME%] %DOWNSTREAM_REMOTE_ADDRESS% -> %DOWNSTREAM_LOCAL_ADDRESS% ' +
  'upstream=%UPSTREAM_CLUSTER%/%UPSTREAM_HOST% flags=%RESPONSE_FLAGS% ' +
  'received=%BYTES_RECEIVED% sent=%BYTES_SENT% duration=%DURATION%ms\n';

/** HTTP: Envoy's default format (method, path, status, flags, bytes, durations, upstream host). */
export function httpAccessLog(): Proto3Json {
  return { name: STDOUT_ACCESS_LOG, typedConfig: typedConfig(STDOUT_ACCESS_LOG_TYPE) };
}

/** TCP and UDP proxies. */
export function l4AccessLog(): Proto3Json {
  return {
    name: STDOUT_ACCESS_LOG,
    typedConfig: typedConfig(STDOUT_ACCESS_LOG_TYPE, { logFormat: { textFormatSource: { inlineString: L4_FORMAT } } }),
  };
}
