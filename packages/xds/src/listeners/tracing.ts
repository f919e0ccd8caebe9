/**
 * A Gateway's tracing (TracingIR, from an XTelemetryPolicy) as the HTTP connection manager's `tracing`:
 * Envoy's OpenTelemetry tracer (`envoy.tracers.opentelemetry`, config/trace/v3/opentelemetry.proto)
 * exporting over OTLP/gRPC (grpc_service) or OTLP/HTTP (http_service, `POST /v1/traces`) to the
 * collector's cluster.
 *
 * Sampling (HttpConnectionManager.Tracing): `random_sampling` is the share of requests that start a
 * trace. Envoy 1.40's OpenTelemetry tracer follows Envoy's own decision, not a sampled `traceparent`
 * (measured by e2e/test/envoy/envoy-telemetry-policy.test.ts; envoyproxy/envoy#45830), which is why
 * the translator refuses parentBasedSampling Enabled. Custom tags carry the policy's attributes: a
 * request header's value (absent header: no tag) or a literal.
 */
import type { Proto3Json } from '@portico/envoy';
import type { TracingIR } from '@portico/ir';
import { typedConfig } from '../typed-config.js';

const OPENTELEMETRY_TRACER = 'envoy.tracers.opentelemetry';
const OPENTELEMETRY_CONFIG_TYPE = 'envoy.config.trace.v3.OpenTelemetryConfig';
/** OTLP/HTTP's path for spans (OTLP specification, "OTLP/HTTP Request"). */
const OTLP_HTTP_TRACES_PATH = '/v1/traces';
/** An export that takes longer is dropped rather than queued behind (Envoy's http_uri timeout is required). */
const OTLP_HTTP_EXPORT_TIMEOUT = '5s';

export function hcmTracing(tracing: TracingIR): Proto3Json {
  return {
    randomSampling: { value: tracing.samplingPercent },
    ...(tracing.attributes.length > 0 ? { customTags: tracing.attributes.map(customTag) } : {}),
    provider: { name: OPENTELEMETRY_TRACER, typedConfig: typedConfig(OPENTELEMETRY_CONFIG_TYPE, openTelemetryConfig(tracing)) },
  };
}

function openTelemetryConfig(tracing: TracingIR): Proto3Json {
  const headers = tracing.exportHeaders ?? [];
  if (tracing.protocol === 'HTTP') {
    return {
      httpService: {
        httpUri: { uri: `http://${tracing.authority}${OTLP_HTTP_TRACES_PATH}`, cluster: tracing.backend, timeout: OTLP_HTTP_EXPORT_TIMEOUT },
        ...(headers.length > 0 ? { requestHeadersToAdd: headers.map((h) => ({ header: { key: h.name, value: h.value }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' })) } : {}),
      },
      serviceName: tracing.serviceName,
    };
  }
  return {
    grpcService: {
      envoyGrpc: { clusterName: tracing.backend, authority: tracing.authority },
      // gRPC metadata keys are lowercase (HTTP/2 header names).
      ...(headers.length > 0 ? { initialMetadata: headers.map((h) => ({ key: h.name.toLowerCase(), value: h.value })) } : {}),
    },
    serviceName: tracing.serviceName,
  };
}

function customTag(attribute: TracingIR['attributes'][number]): Proto3Json {
  return 'header' in attribute ? { tag: attribute.name, requestHeader: { name: attribute.header } } : { tag: attribute.name, literal: { value: attribute.literal } };
}
