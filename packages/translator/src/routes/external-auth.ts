/**
 * The `ExternalAuth` HTTPRoute filter (GEP-1494, httproute_types.go HTTPExternalAuthFilter) into the
 * route's ExternalAuthIR. The auth service is a backendRef like any other (ReferenceGrant across
 * namespaces, ResolvedRefs reasons); anything that keeps us from checking requests with it as
 * written makes the caller fail the rule closed ("this filter MUST fail closed"): a rule that
 * should be authorized is never served without the check.
 */
import type { ExternalAuthIR } from '@portico/ir';
import type { HTTPExternalAuthFilter } from '@portico/resources';
import { resolveBackendRef, type ReferrerRef } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';
import type { DestinationSink, Problem } from '../backends/destinations.js';

export function externalAuth(
  ctx: TranslationContext,
  from: ReferrerRef,
  filter: HTTPExternalAuthFilter | undefined,
  sink: DestinationSink,
): { auth: ExternalAuthIR } | { problem: Problem } {
  if (!filter?.backendRef) return { problem: { reason: 'UnsupportedValue', message: 'external auth: externalAuth.backendRef is required' } };
  const protocol = filter.protocol;
  if (protocol !== 'HTTP' && protocol !== 'GRPC') {
    return { problem: { reason: 'UnsupportedValue', message: `external auth: protocol ${JSON.stringify(protocol)} is not supported (supported: HTTP, GRPC)` } };
  }
  const resolution = resolveBackendRef(ctx, from, filter.backendRef, protocol);
  if (!resolution.ok) return { problem: { reason: resolution.reason, message: `external auth: ${resolution.message}` } };
  const { backend } = resolution;
  sink.servicePorts.push({ namespace: backend.service.namespace, service: backend.service.name, port: backend.service.port });
  // An invalid BackendTLSPolicy: no check in plaintext to a service that wants TLS (its status says why).
  if (resolution.invalidTLS) return { problem: { reason: 'UnsupportedValue', message: `external auth: ${resolution.invalidTLS}` } };
  const auth: ExternalAuthIR = { protocol, backend: backend.name };
  const settings = protocol === 'HTTP' ? filter.http : filter.grpc;
  if (settings?.allowedHeaders?.length) auth.allowedRequestHeaders = [...settings.allowedHeaders];
  if (protocol === 'HTTP') {
    if (filter.http?.path) auth.pathPrefix = filter.http.path;
    if (filter.http?.allowedResponseHeaders?.length) auth.allowedResponseHeaders = [...filter.http.allowedResponseHeaders];
  }
  // maxSize 0 or unset: no body (HTTPExternalAuthFilter.ForwardBody).
  if (filter.forwardBody?.maxSize) auth.forwardBodyMaxBytes = filter.forwardBody.maxSize;
  return { auth };
}
