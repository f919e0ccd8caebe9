/**
 * Access logs to Envoy's stdout (`envoy.access_loggers.stdout`), as Contour and Envoy Gateway do by
 * default: the container runtime collects them, and no file has to be rotated inside the pod. An
 * AccessLogPolicy replaces the default on the connection managers it applies to.
 */
import type { Proto3Json } from '@portico/envoy';
import type { AccessLogIR, AccessLogSinkIR, GatewayIR } from '@portico/ir';
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

const FILE_ACCESS_LOG = 'envoy.access_loggers.file';
const FILE_ACCESS_LOG_TYPE = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
const OTEL_ACCESS_LOG = 'envoy.access_loggers.open_telemetry';
const OTEL_ACCESS_LOG_TYPE = 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig';
/** RuntimeUInt32 requires a key; nobody sets it, so the policy's status code is what applies. */
const MIN_STATUS_RUNTIME_KEY = 'portico.access_log.min_status_code';

/**
 * An AccessLogPolicy's loggers (access_log.proto AccessLog): one per sink, each with the policy's
 * format and status filter. JSON lines are Envoy's json_format (one object per line, the keys the
 * policy names); text lines end with a newline.
 */
export function policyAccessLogs(log: AccessLogIR, gateway: string): Proto3Json[] {
  const filter = log.minStatusCode !== undefined ? { filter: { statusCodeFilter: { comparison: { op: 'GE', value: { defaultValue: log.minStatusCode, runtimeKey: MIN_STATUS_RUNTIME_KEY } } } } } : {};
  return log.sinks.map((sink) => ({ name: loggerName(sink), ...filter, typedConfig: loggerConfig(log, sink, gateway) }));
}

function loggerName(sink: AccessLogSinkIR): string {
  return sink.type === 'Stdout' ? STDOUT_ACCESS_LOG : sink.type === 'File' ? FILE_ACCESS_LOG : OTEL_ACCESS_LOG;
}

function substitutionFormat(format: AccessLogIR['format']): Proto3Json {
  if (format.type === 'Text') return { textFormatSource: { inlineString: format.text.endsWith('\n') ? format.text : `${format.text}\n` } };
  return { jsonFormat: Object.fromEntries(format.fields.map((f) => [f.name, f.value])) };
}

function loggerConfig(log: AccessLogIR, sink: AccessLogSinkIR, gateway: string): Proto3Json {
  switch (sink.type) {
    case 'Stdout':
      return typedConfig(STDOUT_ACCESS_LOG_TYPE, { logFormat: substitutionFormat(log.format) });
    case 'File':
      return typedConfig(FILE_ACCESS_LOG_TYPE, { path: sink.path, logFormat: substitutionFormat(log.format) });
    case 'OpenTelemetry':
      // OTLP log records: text is the record's body; JSON fields are its attributes, one per field.
      return typedConfig(OTEL_ACCESS_LOG_TYPE, {
        // Not the deprecated common_config (Envoy 1.37+): the collector and log name are the logger's own fields.
        logName: sink.logName || gateway,
        grpcService: { envoyGrpc: { clusterName: sink.backend, authority: sink.authority } },
        ...(log.format.type === 'Text'
          ? { body: { stringValue: log.format.text } }
          : { attributes: { values: log.format.fields.map((f) => ({ key: f.name, value: { stringValue: f.value } })) } }),
      });
  }
}

/**
 * The AccessLogPolicy of a connection manager serving these Gateway listeners (`sources`): the one
 * naming one of them (the translator allows that only for a listener with its own connection manager),
 * else the Gateway-wide one, else none (the default log).
 */
export function accessLogPolicyFor(gateway: GatewayIR, sources: readonly string[]): { accessLogPolicy?: { log: AccessLogIR; gateway: string } } {
  const logs = gateway.accessLogs ?? [];
  const log = logs.find((l) => l.listener !== undefined && sources.includes(l.listener)) ?? logs.find((l) => l.listener === undefined);
  return log ? { accessLogPolicy: { log, gateway: gateway.name } } : {};
}
