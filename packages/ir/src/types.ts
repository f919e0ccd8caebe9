/**
 * The intermediate representation: one document per Gateway, the single input of the xDS translator
 * and what `portico translate --to ir` and `/debug/ir` print. Plain JSON data, designed to be read by
 * people: every name is stable and says where it comes from, and nothing is repeated that a reader
 * could not follow (backends are listed once per gateway and referenced by name).
 */

import type { BackendPolicyIR, BackendRouteTimeoutsIR, HashPolicyIR } from './backend-policy-types.js';

/** `Kind/namespace/name`, plus rule and match indexes where they apply. */
export interface SourceRef {
  kind: string;
  namespace: string;
  name: string;
  rule?: number;
  match?: number;
}

export interface GatewayIR {
  /** `namespace/name` of the Gateway (or `ingressclass/<name>` for the synthetic Ingress gateway). */
  name: string;
  gatewayClass: string;
  /** Envoy listeners, one per port and transport, sorted by port then transport. */
  listeners: ListenerIR[];
  /** Every upstream that any route of this gateway sends to, sorted by name. */
  backends: BackendIR[];
  /** From the XTelemetryPolicy that applies to the Gateway: every HTTP request is traced. */
  tracing?: TracingIR;
  /**
   * From AccessLogPolicies: how the Gateway's HTTP connection managers log, replacing the default
   * stdout log. At most one for the whole Gateway (no `listener`) and one per Gateway listener.
   */
  accessLogs?: AccessLogIR[];
  /** Global rate limits (RateLimitPolicy `global`) of its routes are asked of this service. */
  rateLimitService?: RateLimitServiceIR;
}

/** An AccessLogPolicy as applied to one Gateway (or one of its listeners). */
export interface AccessLogIR {
  /** `namespace/name` of the AccessLogPolicy. */
  policy: string;
  /** The Gateway listener (sectionName) it applies to; absent: every HTTP/HTTPS listener without its own. */
  listener?: string;
  format: { type: 'JSON'; fields: { name: string; value: string }[] } | { type: 'Text'; text: string };
  sinks: AccessLogSinkIR[];
  /** Only requests answered with this status or higher are logged. */
  minStatusCode?: number;
}

export type AccessLogSinkIR =
  | { type: 'Stdout' }
  | { type: 'File'; path: string }
  /** OTLP/gRPC logs to `backend` (a BackendIR), under `logName`. */
  | { type: 'OpenTelemetry'; backend: string; authority: string; logName: string };

/**
 * Distributed tracing with Envoy's OpenTelemetry tracer (XTelemetryPolicy `tracing`, mode Enabled):
 * spans are exported over OTLP to `backend`, for the share of new traces `samplingPercent` says.
 */
export interface TracingIR {
  /** `namespace/name` of the XTelemetryPolicy. */
  policy: string;
  /** The BackendIR of the collector: OTLP/gRPC (an HTTP2 backend) or OTLP/HTTP (`POST /v1/traces`). */
  backend: string;
  protocol: 'GRPC' | 'HTTP';
  /**
   * The authority (Host / `:authority`) of the export requests, `<service>.<namespace>:<port>` as a Pod
   * would name the Service: Envoy's default for gRPC is the cluster name, which is no valid authority
   * (a gRPC server resets such a stream).
   */
  authority: string;
  /** The resource's `service.name`. */
  serviceName: string;
  /** Percent (0–100) of requests without a sampling decision that start a trace. */
  samplingPercent: number;
  /** The span name of every request (the route decorator's operation); absent: Envoy's (host + path). */
  spanName?: string;
  /** Span attributes: a request header's value or a literal. */
  attributes: TracingAttributeIR[];
  /** Headers on every export request (e.g. a collector's API key). */
  exportHeaders?: { name: string; value: string }[];
}

export type TracingAttributeIR = { name: string; header: string } | { name: string; literal: string };

export type ListenerIR = HTTPListenerIR | TLSListenerIR | TCPListenerIR | UDPListenerIR;

interface ListenerCommon {
  /** `<transport>-<port>`, e.g. `http-80`, `tls-443`, `tcp-5432`, `udp-53`. */
  name: string;
  address: string;
  port: number;
  /** The Gateway listeners (by `sectionName`) folded into this Envoy listener. */
  sources: string[];
}

/** Cleartext HTTP: every HTTP Gateway listener on the port shares one route table. */
export interface HTTPListenerIR extends ListenerCommon {
  type: 'HTTP';
  virtualHosts: VirtualHostIR[];
}

/**
 * A TCP port that dispatches on the TLS SNI: HTTPS listeners (terminate, then HTTP routing) and TLS
 * listeners (terminate or passthrough, then a TCP proxy) may share it.
 */
export interface TLSListenerIR extends ListenerCommon {
  type: 'TLS';
  /** Sorted most specific SNI first; an empty `serverNames` is the catch-all. */
  servers: TLSServerIR[];
  /**
   * The one route table of every HTTPS server of the port (Gateway listeners, whose hosts are
   * partitioned among them: each host belongs to the listener with the most specific matching
   * hostname). Present, it replaces the servers' own `virtualHosts`, which are then empty; absent
   * (Ingress), each HTTPS server routes with its own. One table per port keeps the size linear in
   * the number of listeners, where per-server tables would each need every other listener's hosts.
   */
  virtualHosts?: VirtualHostIR[];
}

export type TLSServerIR = HTTPSServerIR | TLSTerminateServerIR | TLSPassthroughServerIR;

interface TLSServerCommon {
  /** Stable name: `<listener sectionName>` plus the SNI for passthrough routes. */
  name: string;
  /** The Gateway listener this server comes from. */
  source: string;
  /** SNI values, exact or `*.` wildcards; empty means any. */
  serverNames: string[];
}

export interface HTTPSServerIR extends TLSServerCommon {
  mode: 'HTTPS';
  certificates: CertificateIR[];
  /** Client certificates are asked for and checked (Gateway `spec.tls.frontend`). */
  clientValidation?: ClientValidationIR;
  /** ALPN offered to clients, in preference order. */
  alpn: string[];
  /** Empty when the listener has a shared table (TLSListenerIR.virtualHosts). */
  virtualHosts: VirtualHostIR[];
}

export interface TLSTerminateServerIR extends TLSServerCommon {
  mode: 'Terminate';
  certificates: CertificateIR[];
  clientValidation?: ClientValidationIR;
  /** Absent when no route is attached: connections are closed. */
  route?: L4RouteIR;
}

export interface TLSPassthroughServerIR extends TLSServerCommon {
  mode: 'Passthrough';
  route: L4RouteIR;
}

/** A server certificate from a Secret. `privateKey` is never printed (see dump.ts). */
export interface CertificateIR {
  /** `namespace/name` of the Secret. */
  secret: string;
  certificateChain: string;
  privateKey: string;
  /** DNS names of the leaf certificate, for readers and for overlap checks. */
  dnsNames: string[];
  notAfter: string;
}

/** Client certificate validation of a TLS server (GEP-91 FrontendTLSValidation). */
export interface ClientValidationIR {
  /**
   * AllowValidOnly: a connection needs a client certificate that chains to `caCertificates`.
   * AllowInsecureFallback: one without a certificate, or with one that does not verify, is let in too.
   */
  mode: 'AllowValidOnly' | 'AllowInsecureFallback';
  /** `Kind/namespace/name` of each CA reference that resolved, in spec order. */
  caSources: string[];
  /** PEM bundle of the trusted CA certificates. */
  caCertificates: string;
}

export interface TCPListenerIR extends ListenerCommon {
  type: 'TCP';
  /** Absent when no route is attached: connections are closed. */
  route?: L4RouteIR;
}

export interface UDPListenerIR extends ListenerCommon {
  type: 'UDP';
  route?: L4RouteIR;
}

/** The route carrying an L4 listener's traffic (the oldest when several attach). */
export interface L4RouteIR {
  name: string;
  source: SourceRef;
  destination: DestinationIR;
}

export interface VirtualHostIR {
  /** The domain itself (`example.com`, `*.example.com`, `*`). */
  name: string;
  /** Host header values matched; a port-qualified form is matched by the xDS layer. */
  domains: string[];
  /** In precedence order: the first that matches a request wins. */
  routes: HTTPRouteIR[];
  /**
   * Only in a TLS port's shared HTTPS route table (TLSListenerIR.virtualHosts): the HTTPS server (by
   * name) whose connections these hosts belong to. The same host asked for on a connection whose SNI
   * chose another server of the port is answered 421 Misdirected Request, so the client retries on a
   * new connection (RFC 9110 §15.5.20, gateway_types.go Listener.Hostname). Absent: every connection of
   * the port is served (a host of a TLS listener, which answers 404 on HTTPS connections).
   */
  server?: string;
}

export interface StringMatchIR {
  type: 'Exact' | 'RegularExpression';
  value: string;
}

export interface PathMatchIR {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface HeaderMatchIR extends StringMatchIR {
  name: string;
}

export interface RouteMatchIR {
  path?: PathMatchIR;
  headers?: HeaderMatchIR[];
  queryParams?: HeaderMatchIR[];
  method?: string;
  /** gRPC service/method; the xDS layer turns it into a `:path` match. */
  grpc?: { type: 'Exact' | 'RegularExpression'; service?: string; method?: string };
}

export interface HeaderModifierIR {
  set?: { name: string; value: string }[];
  add?: { name: string; value: string }[];
  remove?: string[];
}

export interface PathModifierIR {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  value: string;
}

export interface RedirectIR {
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
  path?: PathModifierIR;
  statusCode: number;
  /** Drop the request's query string from the Location (an ingress-nginx `permanent-redirect` URL is used as written). */
  stripQuery?: boolean;
}

export interface RewriteIR {
  hostname?: string;
  path?: PathModifierIR;
  /**
   * An RE2 `regex_rewrite` of the path (without query): each match of `pattern` is replaced by
   * `substitution` (`\1` names a group). For ingress-nginx `rewrite-target`; exclusive with `path`.
   */
  regexPath?: { pattern: string; substitution: string };
}

export interface MirrorIR {
  backend: string;
  /** 0–100, fractional allowed. */
  percent: number;
}

export interface CORSIR {
  allowOrigins: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

/**
 * An `ExternalAuth` filter (GEP-1494), or the `extAuth` of the SecurityPolicy that applies to the
 * route: every request of the route is first checked by this authorization service, and only a
 * request it allows reaches the destination. Fail closed unless `failOpen`: an unreachable service denies.
 */
export interface ExternalAuthIR {
  /** GRPC: Envoy's envoy.service.auth.v3.Authorization/Check; HTTP: a copy of the request, 200 allows. */
  protocol: 'HTTP' | 'GRPC';
  /** The BackendIR the checks go to (an HTTP2 backend for GRPC). */
  backend: string;
  /** HTTP only: prefixed to the request's path in the check. */
  pathPrefix?: string;
  /** HTTP only: the check's whole path, instead of the request's (an ingress-nginx auth-url); never with pathPrefix. */
  pathOverride?: string;
  /** Client request headers sent in the check; absent: all (GRPC) or only the always-sent ones (HTTP). */
  allowedRequestHeaders?: string[];
  /** HTTP only: every client request header is sent in the check (an ingress-nginx auth-url's subrequest). */
  allRequestHeaders?: boolean;
  /** HTTP only: auth response headers copied into the request to the backend; absent: all but Host; empty: none. */
  allowedResponseHeaders?: string[];
  /** HTTP only: headers of an allowing auth answer added to the client's response (an ingress-nginx auth-url's Set-Cookie). */
  clientResponseHeaders?: string[];
  /** Bytes of the request body buffered and sent in the check; absent: no body. */
  forwardBodyMaxBytes?: number;
  /** A SecurityPolicy's `failOpen: true`: an unreachable, erroring or timed-out service lets the request through. */
  failOpen?: boolean;
  /** How long a check may take; absent: 10 s. */
  timeoutMs?: number;
}

/**
 * The SecurityPolicy (gateway.portico.dev) enforced on a route: the most specific one that applies
 * (route rule > route > listener > Gateway), whole. Every feature present must pass. `htpasswd` and
 * `apiKey` values are secrets: dumps redact them (dump.ts).
 */
export interface SecurityIR {
  /** `namespace/name` of the SecurityPolicy. */
  policy: string;
  /** CIDRs; a client in `deny` is refused, and with `allow` non-empty so is every client outside it. */
  ipAccess?: { allow?: string[]; deny?: string[] };
  basicAuth?: BasicAuthIR;
  apiKeyAuth?: APIKeyAuthIR;
  jwt?: JWTAuthIR;
}

/**
 * The RateLimitPolicy (gateway.portico.dev) on a route: the most specific one that applies (route
 * rule > route > listener > Gateway), whole. Envoy local rate limit: each Envoy process counts on its
 * own (its workers share the buckets), each route its own buckets.
 */
export interface RateLimitIR {
  /** `namespace/name` of the RateLimitPolicy. */
  policy: string;
  /** Local rules, in spec order; at most one without `header`. Empty when the policy has only global rules. */
  rules: RateLimitRuleIR[];
  /** x-ratelimit-* headers on responses. */
  responseHeaders: boolean;
  /** The status of a refused request when not 429 (an ingress-nginx limit-rps/-rpm answers 503). */
  status?: number;
  /** Global rules (the envoyproxy/ratelimit service), in spec order; the Gateway's `rateLimitService` counts them. */
  global?: GlobalRateLimitRuleIR[];
}

/**
 * One global rule: the request's descriptor is `[(rule, descriptor)]`, plus `(header, <value>)` or
 * `(remote_address, <client IP>)` for a selector, and the ratelimit service's configuration
 * (rateLimitServiceConfig in @portico/xds) holds the limit under the same keys.
 */
export interface GlobalRateLimitRuleIR {
  /** `<namespace>/<policy>/<rule index>`: unique per policy rule, the counter's name in the service. */
  descriptor: string;
  requests: number;
  unit: 'second' | 'minute' | 'hour' | 'day';
  /** As RateLimitRuleIR's: with `value` one counter for that value; without, a counter per value. */
  header?: { name: string; value?: string };
  /** A counter per client address. */
  sourceIP?: true;
}

/**
 * The envoyproxy/ratelimit service the Gateway's Envoys ask for global rate limits (`portico serve
 * --rate-limit-service`): present when a route of the Gateway has global rules.
 */
export interface RateLimitServiceIR {
  /** DNS name or IP address of its gRPC endpoint. */
  host: string;
  port: number;
  /** The service's domain for this Gateway: `portico/<namespace>/<name>`. */
  domain: string;
  /** Let requests pass when the service cannot answer (Envoy's failure_mode_deny false). */
  failOpen: boolean;
  /** How long Envoy waits for the service's answer. */
  timeoutMs: number;
}

export interface RateLimitRuleIR {
  /** Requests admitted per window: the bucket's size, refilled at `requests` per window (Envoy adds them continuously). */
  requests: number;
  windowSeconds: number;
  /** The bucket's size when larger than `requests` (an ingress-nginx burst); refilled at `requests` per window all the same. */
  burst?: number;
  /**
   * Only requests carrying header `name` (lower case) count against this rule: with `value`, those
   * with exactly that value, in one bucket; without, a bucket per distinct value.
   */
  header?: { name: string; value?: string };
  /** A bucket per client address (as the connection manager's XFF settings give it). */
  sourceIP?: true;
}

export interface BasicAuthIR {
  /** `namespace/name` of the Secret. */
  secret: string;
  /** The htpasswd file (`user:{SHA}hash` lines). */
  htpasswd: string;
  forwardUsernameHeader?: string;
}

export interface APIKeyAuthIR {
  /** `namespace/name` of each Secret, in spec order. */
  secrets: string[];
  /** Sorted by client id. */
  clients: { client: string; apiKey: string }[];
  /** Where the key is read, first match wins. */
  sources: ({ header: string } | { queryParam: string })[];
  forwardClientIDHeader?: string;
  hideCredentials: boolean;
}

export interface JWTAuthIR {
  /** A token any one of them verifies is accepted. */
  providers: JWTProviderIR[];
}

export interface JWTProviderIR {
  /** `<namespace>/<policy>/<provider>`: unique per gateway. */
  name: string;
  issuer?: string;
  audiences?: string[];
  /** A JWKS of public keys (private members are refused at translation). */
  localJWKS?: string;
  remoteJWKS?: { uri: string; backend: string; cacheDurationMs: number };
  claimToHeaders?: { claim: string; header: string }[];
  forwardToken: boolean;
}

export interface RetryIR {
  attempts: number;
  codes?: number[];
  backoffMs?: number;
}

export interface SessionPersistenceIR {
  type: 'Cookie' | 'Header';
  name: string;
  absoluteTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Cookie only: `Session` cookies carry no Max-Age. */
  lifetime?: 'Permanent' | 'Session';
  /** Cookie only: the cookie's Path attribute (v1.7.0 `cookie.path`, `/` when not given). */
  cookiePath?: string;
}

export interface HTTPRouteIR {
  /** Stable: `<kind>/<namespace>/<name>/rule/<i>/match/<j>`. */
  name: string;
  source: SourceRef;
  match: RouteMatchIR;
  requestHeaders?: HeaderModifierIR;
  responseHeaders?: HeaderModifierIR;
  rewrite?: RewriteIR;
  mirrors?: MirrorIR[];
  cors?: CORSIR;
  externalAuth?: ExternalAuthIR;
  security?: SecurityIR;
  rateLimit?: RateLimitIR;
  /** `idleMs`: Envoy's route idle_timeout (an ingress-nginx proxy-read/send-timeout: time between two reads or writes). */
  timeouts?: { requestMs?: number; backendRequestMs?: number; idleMs?: number };
  retry?: RetryIR;
  sessionPersistence?: SessionPersistenceIR;
  /** Requests with a larger body are refused with 413 (the body is buffered whole first; an ingress-nginx proxy-body-size). */
  maxRequestBytes?: number;
  /** Exactly one of redirect, directResponse, destination. */
  redirect?: RedirectIR;
  directResponse?: { status: number; body?: string };
  destination?: DestinationIR;
}

/** Weighted split over backends; an `invalid` share answers with `status` (500) for its weight. */
export interface DestinationIR {
  backends: WeightedBackendIR[];
  /** The consistent-hash key, from the BackendPolicy of the first backend that balances by RingHash or Maglev. */
  hashPolicy?: HashPolicyIR;
  /** The route timeouts of the first backend's BackendPolicy that sets any, in rule order (defaults the route's own replace). */
  backendTimeouts?: BackendRouteTimeoutsIR;
}

export type WeightedBackendIR =
  | {
      weight: number;
      backend: string;
      requestHeaders?: HeaderModifierIR;
      responseHeaders?: HeaderModifierIR;
      /** The Host sent to this backend only (a backendRef URLRewrite hostname); wins over the route's. */
      rewriteHostname?: string;
    }
  | { weight: number; invalid: { status: number; reason: string } };

export type UpstreamProtocol = 'HTTP' | 'HTTP2' | 'TCP' | 'UDP';

/** One Service port spoken in one protocol: an Envoy cluster and its endpoints. */
export interface BackendIR {
  /**
   * `<namespace>/<service>/<port>/<protocol lowercase>`; a TCP backend with `tls` (a TLSRoute on a
   * Terminate listener re-encrypting under a BackendTLSPolicy) is `<namespace>/<service>/<port>/tls`.
   */
  name: string;
  service: { namespace: string; name: string; port: number };
  protocol: UpstreamProtocol;
  /** Endpoints that should take traffic; empty means the Service has none (HTTP answers 503). */
  endpoints: EndpointIR[];
  tls?: UpstreamTLSIR;
  /**
   * The DNS name of an ExternalName Service (`spec.externalName`, without a trailing dot): Envoy
   * resolves it itself and connects to it on `service.port`, as a Pod would through the Service's CNAME.
   * `endpoints` is then empty (an ExternalName Service has none).
   */
  externalName?: string;
  /** From an XBackendTrafficPolicy `retryConstraint` (HTTP backends only). */
  retryBudget?: RetryBudgetIR;
  /** From the BackendPolicy targeting the Service (or this port of it). */
  policy?: BackendPolicyIR;
}

/**
 * Envoy's retry budget for a cluster: retries active at once may be at most `budgetPercent` of the
 * requests active at once, and `minRetryConcurrency` retries are always allowed.
 */
export interface RetryBudgetIR {
  /** `namespace/name` of the XBackendTrafficPolicy. */
  policy: string;
  budgetPercent: number;
  minRetryConcurrency: number;
}

export interface EndpointIR {
  address: string;
  port: number;
  /** Serving but terminating: used only because no ready endpoint exists (kube-proxy's fallback). */
  terminating?: boolean;
  zone?: string;
}

/** From a BackendTLSPolicy. */
export interface UpstreamTLSIR {
  /** `namespace/name` of the policy. */
  policy: string;
  sni: string;
  /** PEM bundle from the referenced ConfigMaps/Secrets; absent with `wellKnownCACertificates: System`. */
  caCertificates?: string;
  useSystemCAs?: boolean;
  subjectAltNames: { type: 'Hostname' | 'URI'; value: string }[];
  /**
   * The certificate Envoy presents to the backend: the Gateway's `spec.tls.backend.clientCertificateRef`
   * (GEP-3155), for this gateway's backends only. `privateKey` is never printed (see dump.ts).
   */
  clientCertificate?: CertificateIR;
}
