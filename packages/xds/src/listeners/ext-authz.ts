/**
 * The ext_authz HTTP filters (envoy.extensions.filters.http.ext_authz.v3.ExtAuthz) of a connection
 * manager: one per distinct external auth service of its routes (names.ts extAuthzFilterName),
 * installed `disabled`, so a route without an ExternalAuth filter never calls a service, and enabled
 * by the routes that name it in typed_per_filter_config (route-filters.ts). Envoy's ExtAuthzPerRoute
 * in the API we compile cannot name another service per route, hence one filter per service, as
 * Envoy Gateway does.
 *
 * Fail closed (HTTPExternalAuthFilter: "If there is any problem communicating with the external
 * service, this filter MUST fail closed"): failure_mode_allow stays false unless a SecurityPolicy
 * asks for failOpen, so an unreachable,
 * erroring or timed-out service answers the client 403 (Envoy's status_on_error default) and the
 * request never reaches the backend.
 */
import type { Proto3Json } from '@portico/envoy';
import type { ExternalAuthIR, VirtualHostIR } from '@portico/ir';
import { extAuthzFilterName } from '../names.js';
import { durationFromMs } from '../proto-duration.js';
import { typedConfig } from '../typed-config.js';

const EXT_AUTHZ_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
/** Envoy's default is 200 ms, which a cold auth service misses; Envoy Gateway uses 10 s too. */
const CHECK_TIMEOUT = '10s';

/**
 * An authorization answer's headers that must never be copied into the request to the backend when
 * the filter copies "all" (an empty allowedResponseHeaders). The spec excludes Host/Authority: with
 * decoder_header_mutation_rules set, Envoy's default rules already refuse host, :authority, :scheme
 * and :method (HeaderMutationRules.allow_all_routing false). The auth response's own entity and
 * connection headers describe its empty body, not the client's request: copying its
 * `content-length: 0` or `content-type` would corrupt a request with a body. Envoy keeps header
 * names lowercase, so no `(?i)`; the expression stays under Envoy's default RE2 program size (100).
 */
const NEVER_COPIED_FROM_AUTH_RESPONSE =
  '^(content-.*|transfer-encoding|connection|keep-alive|upgrade|date|server)$';

/** The distinct external auth services the routes of these virtual hosts use, by filter name, in name order. */
export function externalAuthServices(virtualHosts: readonly VirtualHostIR[]): Map<string, ExternalAuthIR> {
  const found = new Map<string, ExternalAuthIR>();
  for (const host of virtualHosts) {
    for (const route of host.routes) if (route.externalAuth) found.set(extAuthzFilterName(route.externalAuth), route.externalAuth);
  }
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The HttpFilter, disabled until a route's typed_per_filter_config enables it. */
export function extAuthzHttpFilter(name: string, auth: ExternalAuthIR): Proto3Json {
  return { name, typedConfig: typedConfig(EXT_AUTHZ_TYPE, extAuthz(auth)), disabled: true };
}

function extAuthz(auth: ExternalAuthIR): Proto3Json {
  // failOpen (a SecurityPolicy's choice): an unreachable, erroring or timed-out service lets the request through.
  const config: Proto3Json = { transportApiVersion: 'V3', failureModeAllow: auth.failOpen === true };
  const cluster = auth.backend;
  const timeout = auth.timeoutMs === undefined ? CHECK_TIMEOUT : durationFromMs(auth.timeoutMs);
  if (auth.protocol === 'GRPC') {
    config.grpcService = { envoyGrpc: { clusterName: cluster, authority: serviceAuthority(auth.backend) }, timeout };
  } else {
    const copied = auth.allowedResponseHeaders;
    const httpService: Proto3Json = {
      serverUri: { uri: `http://${serviceAuthority(auth.backend)}`, cluster, timeout },
      // An empty list copies nothing: Envoy adds no auth response header when allowed_upstream_headers is unset.
      authorizationResponse: copied?.length === 0 ? {} : { allowedUpstreamHeaders: copied ? exactNames(copied) : { patterns: [{ safeRegex: { regex: '.*' } }] } },
    };
    if (auth.pathPrefix) httpService.pathPrefix = auth.pathPrefix;
    if (auth.pathOverride) httpService.pathOverride = auth.pathOverride;
    if (auth.clientResponseHeaders?.length) (httpService.authorizationResponse as Proto3Json).allowedClientHeadersOnSuccess = exactNames(auth.clientResponseHeaders);
    config.httpService = httpService;
    if (!auth.allowedResponseHeaders) config.decoderHeaderMutationRules = { disallowExpression: { regex: NEVER_COPIED_FROM_AUTH_RESPONSE } };
  }
  // GRPC: absent sends every header (the spec's "empty list: all"); HTTP: absent sends only Host,
  // Method, Path, Content-Length and Authorization, which Envoy always adds (the spec's list).
  if (auth.allowedRequestHeaders) config.allowedHeaders = exactNames(auth.allowedRequestHeaders);
  else if (auth.allRequestHeaders) {
    // ingress-nginx's auth subrequest carries every client header but no body: framing headers stay out.
    config.allowedHeaders = { patterns: [{ safeRegex: { regex: '.*' } }] };
    config.disallowedHeaders = exactNames(['transfer-encoding', 'expect', 'te', 'upgrade', 'connection', 'keep-alive']);
  }
  // A body over maxSize is refused with 413 rather than sent truncated (allow_partial_message false):
  // HTTPExternalAuthFilter.ForwardBody: "Bodies over that size must be rejected with a 4xx series error".
  if (auth.forwardBodyMaxBytes) config.withRequestBody = { maxRequestBytes: auth.forwardBodyMaxBytes, allowPartialMessage: false };
  return config;
}

/** Header names match case-insensitively (HTTP field names). */
function exactNames(names: readonly string[]): Proto3Json {
  return { patterns: names.map((name) => ({ exact: name, ignoreCase: true })) };
}

/** `<service>.<namespace>:<port>` from the backend's name `<namespace>/<service>/<port>/<protocol>` (BackendIR.name). */
function serviceAuthority(backend: string): string {
  const [namespace, service, port] = backend.split('/');
  return `${service}.${namespace}:${port}`;
}
