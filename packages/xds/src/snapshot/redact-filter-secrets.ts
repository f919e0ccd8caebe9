/**
 * Credentials that SecurityPolicy filters carry inline (Envoy marks them `udpa.annotations.sensitive`
 * and redacts them from its own /config_dump): the htpasswd users of basic_auth and the keys of
 * api_key_auth — and the headers of every trace export (XTelemetryPolicy provider.headers, where
 * collectors take their API keys). Portico's dumps (`translate --to xds`, /debug/xds, the dashboard) replace them the
 * same way, so a dump can be shared; Envoy itself still receives them.
 */
import { TYPE_URL_PREFIX } from '@portico/envoy';

const REDACTED = '[redacted]';
const BASIC_AUTH_TYPES = new Set(['BasicAuth', 'BasicAuthPerRoute'].map((t) => `${TYPE_URL_PREFIX}envoy.extensions.filters.http.basic_auth.v3.${t}`));
const API_KEY_TYPES = new Set(['ApiKeyAuth', 'ApiKeyAuthPerRoute'].map((t) => `${TYPE_URL_PREFIX}envoy.extensions.filters.http.api_key_auth.v3.${t}`));
const OPEN_TELEMETRY_TRACER = `${TYPE_URL_PREFIX}envoy.config.trace.v3.OpenTelemetryConfig`;

/** A copy of `value` with those credentials replaced; the parts without any are shared, never mutated. */
export function redactFilterSecrets<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const r = redact(item);
      if (r !== item) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const type = record['@type'];
  if (typeof type === 'string' && BASIC_AUTH_TYPES.has(type) && record.users !== undefined) return { ...record, users: { inlineString: REDACTED } };
  if (typeof type === 'string' && API_KEY_TYPES.has(type) && Array.isArray(record.credentials)) {
    return { ...record, credentials: (record.credentials as Record<string, unknown>[]).map((c) => ({ ...c, key: REDACTED })) };
  }
  if (type === OPEN_TELEMETRY_TRACER) return redactExportHeaders(record);
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(record)) {
    const r = redact(v);
    if (r !== v) (copy ??= { ...record })[k] = r;
  }
  return copy ?? value;
}

/** The tracer's export headers: gRPC initial metadata or HTTP headers to add, values replaced. */
function redactExportHeaders(config: Record<string, unknown>): Record<string, unknown> {
  const grpc = config.grpcService as { initialMetadata?: Record<string, unknown>[] } | undefined;
  const http = config.httpService as { requestHeadersToAdd?: { header?: Record<string, unknown> }[] } | undefined;
  return {
    ...config,
    ...(grpc?.initialMetadata ? { grpcService: { ...grpc, initialMetadata: grpc.initialMetadata.map((m) => ({ ...m, value: REDACTED })) } } : {}),
    ...(http?.requestHeadersToAdd
      ? { httpService: { ...http, requestHeadersToAdd: http.requestHeadersToAdd.map((h) => ({ ...h, header: { ...h.header, value: REDACTED } })) } }
      : {}),
  };
}
