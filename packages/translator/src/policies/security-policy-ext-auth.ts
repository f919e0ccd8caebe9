/**
 * A SecurityPolicy's `extAuth` → the ExternalAuthIR its targets' routes carry (HTTPRouteIR.externalAuth),
 * the same IR and Envoy path as the HTTPRoute `ExternalAuth` filter (routes/external-auth.ts): the
 * policy's settings are read as that filter's, so both resolve the service (ReferenceGrant across
 * namespaces, BackendTLSPolicy) and build the check alike. Only what the filter has no field for is
 * added here: failOpen, the timeout, a fixed check path, every request header, no answer header copied,
 * answer headers for the client.
 *
 * Every problem (a Service that does not exist, a missing ReferenceGrant, a bad timeout) is collected
 * as a message: the policy is then invalid and its targets fail closed with 500, whatever `failOpen`
 * says — failOpen is about an unreachable service, never about a policy that cannot be built.
 */
import type { ExternalAuthIR } from '@portico/ir';
import { PORTICO_GROUP, type ExtAuth, type HTTPExternalAuthFilter } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { DestinationSink } from '../backends/destinations.js';
import { externalAuth } from '../routes/external-auth.js';
import { parseDuration } from '../routes/durations.js';

/** The CRD's `timeout` default: the IR leaves it out (ExternalAuthIR.timeoutMs absent means 10 s). */
const DEFAULT_TIMEOUT_MS = 10_000;

/** The ExternalAuthIR of `extAuth`, or undefined with the reasons in `problems`. */
export function policyExternalAuth(ctx: TranslationContext, namespace: string, extAuth: ExtAuth, problems: string[]): ExternalAuthIR | undefined {
  const before = problems.length;
  if (Boolean(extAuth.http) === Boolean(extAuth.grpc)) problems.push('extAuth: exactly one of http and grpc must be set');
  if (extAuth.http?.path && extAuth.http.pathOverride) problems.push('extAuth.http: path and pathOverride cannot both be set');
  if (extAuth.http?.allRequestHeaders && extAuth.headersToExtAuth?.length) problems.push('extAuth: headersToExtAuth and http.allRequestHeaders cannot both be set');
  let timeoutMs: number | undefined;
  if (extAuth.timeout !== undefined) {
    timeoutMs = parseDuration(extAuth.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) problems.push(`extAuth.timeout ${JSON.stringify(extAuth.timeout)} is not a positive duration`);
  }
  if (problems.length > before) return undefined;
  const where = extAuth.http ? 'extAuth.http' : 'extAuth.grpc';
  const filter = asExternalAuthFilter(extAuth);
  // The policy's Service is not a route's backend: BackendPolicy ancestors are not recorded for it (as for a remote JWKS).
  const sink: DestinationSink = { unresolved: [], servicePorts: [], failedClosed: [] };
  const from = { group: PORTICO_GROUP, kind: 'SecurityPolicy', namespace };
  const result = externalAuth(ctx, from, filter, sink);
  if ('problem' in result) {
    // external-auth.ts says "external auth: <why>"; the policy's own field path says where instead.
    problems.push(`${where}.backendRef: ${result.problem.message.replace(/^external auth: /, '')} (${result.problem.reason})`);
    return undefined;
  }
  const auth = result.auth;
  // What the Gateway API filter has no field for (an ingress-nginx auth-url converted by `portico convert` needs them).
  if (extAuth.http?.pathOverride) auth.pathOverride = extAuth.http.pathOverride;
  if (extAuth.http?.allRequestHeaders === true) auth.allRequestHeaders = true;
  if (extAuth.http?.headersToBackend?.length === 0) auth.allowedResponseHeaders = [];
  if (extAuth.http?.headersToClient?.length) auth.clientResponseHeaders = extAuth.http.headersToClient.map((h) => h.toLowerCase());
  if (extAuth.failOpen === true) auth.failOpen = true;
  // The default (absent in the IR) is Envoy's check timeout of ext-authz.ts: 10 s.
  if (timeoutMs !== undefined && timeoutMs !== DEFAULT_TIMEOUT_MS) auth.timeoutMs = timeoutMs;
  return auth;
}

/** The policy's settings in the shape of the Gateway API filter (HTTPExternalAuthFilter). */
function asExternalAuthFilter(extAuth: ExtAuth): HTTPExternalAuthFilter {
  const headers = extAuth.headersToExtAuth?.length ? { allowedHeaders: [...extAuth.headersToExtAuth] } : {};
  const body = extAuth.bodyToExtAuth ? { forwardBody: { maxSize: extAuth.bodyToExtAuth.maxRequestBytes } } : {};
  if (extAuth.http) {
    const http = extAuth.http;
    return {
      protocol: 'HTTP',
      backendRef: { ...http.backendRef },
      http: { ...(http.path ? { path: http.path } : {}), ...headers, ...(http.headersToBackend?.length ? { allowedResponseHeaders: [...http.headersToBackend] } : {}) },
      ...body,
    };
  }
  return { protocol: 'GRPC', backendRef: { ...extAuth.grpc!.backendRef }, grpc: headers, ...body };
}
