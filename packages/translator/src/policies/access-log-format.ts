/**
 * AccessLogPolicy formats: the default JSON field set, and the check that a format uses only Envoy
 * command operators Envoy knows. Envoy refuses a whole listener whose access log names an unknown
 * operator, which would take every route of the port down; an unknown one makes the policy Invalid
 * instead, so it never reaches Envoy.
 */

/** The JSON fields of a policy that picks none (README "AccessLogPolicy"). */
export const DEFAULT_JSON_FIELDS: readonly { name: string; value: string }[] = [
  { name: 'start_time', value: '%START_TIME%' },
  { name: 'method', value: '%REQ(:METHOD)%' },
  { name: 'path', value: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%' },
  { name: 'protocol', value: '%PROTOCOL%' },
  { name: 'response_code', value: '%RESPONSE_CODE%' },
  { name: 'response_flags', value: '%RESPONSE_FLAGS%' },
  { name: 'bytes_received', value: '%BYTES_RECEIVED%' },
  { name: 'bytes_sent', value: '%BYTES_SENT%' },
  { name: 'duration', value: '%DURATION%' },
  { name: 'upstream_host', value: '%UPSTREAM_HOST%' },
  { name: 'x_request_id', value: '%REQ(X-REQUEST-ID)%' },
  { name: 'user_agent', value: '%REQ(USER-AGENT)%' },
  { name: 'route_name', value: '%ROUTE_NAME%' },
];

/** Operators without arguments (Envoy "Access logging" → Command operators, HTTP). */
const PLAIN_OPERATORS = new Set([
  'START_TIME', 'START_TIME_LOCAL', 'EMIT_TIME', 'REQUEST_HEADERS_BYTES', 'BYTES_RECEIVED', 'BYTES_RETRANSMITTED',
  'PACKETS_RETRANSMITTED', 'UPSTREAM_WIRE_BYTES_RECEIVED', 'UPSTREAM_HEADER_BYTES_RECEIVED', 'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_HEADER_BYTES_RECEIVED', 'PROTOCOL', 'UPSTREAM_PROTOCOL', 'RESPONSE_CODE', 'RESPONSE_CODE_DETAILS',
  'CONNECTION_TERMINATION_DETAILS', 'RESPONSE_HEADERS_BYTES', 'RESPONSE_TRAILERS_BYTES', 'BYTES_SENT',
  'UPSTREAM_WIRE_BYTES_SENT', 'UPSTREAM_HEADER_BYTES_SENT', 'DOWNSTREAM_WIRE_BYTES_SENT', 'DOWNSTREAM_HEADER_BYTES_SENT',
  'DURATION', 'REQUEST_DURATION', 'REQUEST_TX_DURATION', 'RESPONSE_DURATION', 'RESPONSE_TX_DURATION',
  'DOWNSTREAM_HANDSHAKE_DURATION', 'ROUNDTRIP_DURATION', 'RESPONSE_FLAGS', 'RESPONSE_FLAGS_LONG', 'UPSTREAM_HOST',
  'UPSTREAM_HOST_NAME', 'UPSTREAM_HOST_NAME_WITHOUT_PORT', 'UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW',
  'UPSTREAM_LOCAL_ADDRESS', 'UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'UPSTREAM_LOCAL_PORT', 'UPSTREAM_REMOTE_ADDRESS',
  'UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'UPSTREAM_REMOTE_PORT', 'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_TRANSPORT_FAILURE_REASON', 'UPSTREAM_CONNECTION_ID', 'DOWNSTREAM_TRANSPORT_FAILURE_REASON',
  'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_REMOTE_PORT',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_DIRECT_REMOTE_PORT',
  'DOWNSTREAM_LOCAL_ADDRESS', 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_LOCAL_PORT',
  'DOWNSTREAM_DIRECT_LOCAL_ADDRESS', 'DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_DIRECT_LOCAL_PORT',
  'CONNECTION_ID', 'REQUESTED_SERVER_NAME', 'ROUTE_NAME', 'VIRTUAL_CLUSTER_NAME', 'HOSTNAME', 'UNIQUE_ID',
  'STREAM_ID', 'DOWNSTREAM_PEER_URI_SAN', 'DOWNSTREAM_LOCAL_URI_SAN', 'DOWNSTREAM_PEER_SUBJECT',
  'DOWNSTREAM_LOCAL_SUBJECT', 'DOWNSTREAM_PEER_ISSUER', 'DOWNSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_VERSION', 'DOWNSTREAM_PEER_FINGERPRINT_256', 'DOWNSTREAM_PEER_FINGERPRINT_1', 'DOWNSTREAM_PEER_SERIAL',
  'DOWNSTREAM_PEER_CERT_V_START', 'DOWNSTREAM_PEER_CERT_V_END', 'UPSTREAM_PEER_SUBJECT', 'UPSTREAM_PEER_ISSUER',
  'UPSTREAM_TLS_SESSION_ID', 'UPSTREAM_TLS_CIPHER', 'UPSTREAM_TLS_VERSION', 'TRACE_ID', 'ACCESS_LOG_TYPE',
]);

/** Operators that take an argument in parentheses (headers, metadata, …); `START_TIME(...)` formats the time. */
const ARGUMENT_OPERATORS = new Set([
  'REQ', 'RESP', 'TRAILER', 'START_TIME', 'START_TIME_LOCAL', 'EMIT_TIME', 'DYNAMIC_METADATA', 'CLUSTER_METADATA',
  'UPSTREAM_METADATA', 'FILTER_STATE', 'UPSTREAM_FILTER_STATE', 'ENVIRONMENT', 'REQUEST_HEADER', 'RESPONSE_HEADER',
  'RESPONSE_TRAILER', 'COMMON_DURATION',
]);

/** `%NAME%`, `%NAME(arg)%`, `%NAME(arg):Z%` (Z truncates to that length). */
const OPERATOR = /%([A-Z0-9_]+)(\(([^()%]*)\))?(:[0-9]+)?%/g;

/** The problems of one format string (Envoy's substitution format), or none. */
export function formatProblems(where: string, format: string): string[] {
  const problems: string[] = [];
  for (const m of format.matchAll(OPERATOR)) {
    const [, name, withArgument, argument] = m;
    const known = withArgument === undefined ? PLAIN_OPERATORS.has(name!) : ARGUMENT_OPERATORS.has(name!) && argument !== '';
    if (!known) problems.push(`${where}: ${m[0]} is not an Envoy command operator Portico accepts`);
  }
  // A '%' left outside every operator is one Envoy would try to read as the start of one.
  if (format.replace(OPERATOR, '').includes('%')) problems.push(`${where}: a '%' that starts no command operator`);
  return problems;
}
