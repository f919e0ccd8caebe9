import { TYPE_URL_PREFIX } from '@portico/envoy';
import { redactFilterSecrets } from './redact-filter-secrets.js';

const TRACER = `${TYPE_URL_PREFIX}envoy.config.trace.v3.OpenTelemetryConfig`;

describe('redactFilterSecrets: trace export headers', () => {
  test('gRPC initial metadata and HTTP headers keep their names, not their values', () => {
    const listener = {
      tracing: {
        provider: {
          name: 'envoy.tracers.opentelemetry',
          typedConfig: {
            '@type': TRACER,
            grpcService: { envoyGrpc: { clusterName: 'otel' }, initialMetadata: [{ key: 'x-api-key', value: 'collector-secret' }] },
            serviceName: 'edge',
          },
        },
      },
    };
    const http = { '@type': TRACER, httpService: { httpUri: { uri: 'http://otel:4318/v1/traces' }, requestHeadersToAdd: [{ header: { key: 'authorization', value: 'Bearer t0ken' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }] } };
    const redacted = JSON.stringify([redactFilterSecrets(listener), redactFilterSecrets(http)]);
    expect(redacted).not.toContain('collector-secret');
    expect(redacted).not.toContain('t0ken');
    expect(redacted).toContain('"key":"x-api-key","value":"[redacted]"');
    expect(redacted).toContain('"key":"authorization","value":"[redacted]"');
    // The input is never mutated: Envoy still receives the real values.
    expect(JSON.stringify(listener)).toContain('collector-secret');
  });

  test('a config without export headers is returned as it was', () => {
    const plain = { '@type': TRACER, grpcService: { envoyGrpc: { clusterName: 'otel' } } };
    expect(redactFilterSecrets(plain)).toEqual(plain);
  });
});
