/**
 * The invariants of a gateway's tracing (XTelemetryPolicy) and access logs (AccessLogPolicy): every
 * collector they export to is one of the gateway's backends (an Envoy cluster), over HTTP/2 for gRPC;
 * sampling is a percentage; at most one access log per listener and one for the whole gateway.
 */
import type { AccessLogIR, BackendIR, TracingIR } from './types.js';

type Report = (path: string, problem: string) => void;

export function validateTracing(tracing: TracingIR | undefined, backends: Map<string, BackendIR>, report: Report): void {
  if (!tracing) return;
  const backend = backends.get(tracing.backend);
  if (!backend) report('tracing.backend', `"${tracing.backend}" is not a backend of the gateway`);
  else if (tracing.protocol === 'GRPC' && backend.protocol !== 'HTTP2') report('tracing.backend', `OTLP/gRPC needs an HTTP2 backend, "${tracing.backend}" is ${backend.protocol}`);
  if (!(tracing.samplingPercent >= 0 && tracing.samplingPercent <= 100)) report('tracing.samplingPercent', `${tracing.samplingPercent} is not between 0 and 100`);
  if (!tracing.serviceName) report('tracing.serviceName', 'must not be empty');
  if (!tracing.authority) report('tracing.authority', 'must not be empty');
}

export function validateAccessLogs(logs: AccessLogIR[] | undefined, backends: Map<string, BackendIR>, report: Report): void {
  const seen = new Set<string>();
  (logs ?? []).forEach((log, i) => {
    const scope = log.listener ?? '';
    if (seen.has(scope)) report(`accessLogs[${i}].listener`, `a second access log for ${scope ? `listener ${scope}` : 'the whole gateway'}`);
    seen.add(scope);
    if (log.sinks.length === 0) report(`accessLogs[${i}].sinks`, 'must not be empty');
    log.sinks.forEach((sink, j) => {
      if (sink.type === 'File' && !sink.path.startsWith('/')) report(`accessLogs[${i}].sinks[${j}].path`, `"${sink.path}" is not absolute`);
      if (sink.type === 'OpenTelemetry') {
        const backend = backends.get(sink.backend);
        if (!backend) report(`accessLogs[${i}].sinks[${j}].backend`, `"${sink.backend}" is not a backend of the gateway`);
        else if (backend.protocol !== 'HTTP2') report(`accessLogs[${i}].sinks[${j}].backend`, `OTLP/gRPC needs an HTTP2 backend, "${sink.backend}" is ${backend.protocol}`);
      }
    });
    if (log.minStatusCode !== undefined && !(log.minStatusCode >= 100 && log.minStatusCode <= 599)) report(`accessLogs[${i}].minStatusCode`, `${log.minStatusCode} is not an HTTP status code`);
  });
}
