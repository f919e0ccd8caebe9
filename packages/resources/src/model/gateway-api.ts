/**
 * Gateway API v1.7.0 types (gateway.networking.k8s.io), experimental channel fields included:
 * a superset of the standard channel, so one model reads both.
 * Field names and optionality follow the Go types (apis/v1/*_types.go).
 */
import type { Condition, KubeObject, LabelSelector, ObjectMeta } from './meta.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

// ---------- shared ----------

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface BackendObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface BackendRef extends BackendObjectReference {
  weight?: number;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface RouteStatus {
  parents: RouteParentStatus[];
}

// ---------- GatewayClass ----------

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: { group: string; kind: string; name: string; namespace?: string };
  description?: string;
}

export interface GatewayClassStatus {
  conditions?: Condition[];
  supportedFeatures?: { name: string }[];
}

export interface GatewayClass extends KubeObject {
  kind: 'GatewayClass';
  metadata: ObjectMeta;
  spec: GatewayClassSpec;
  status?: GatewayClassStatus;
}

// ---------- Gateway ----------

export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | (string & {});
export type TLSModeType = 'Terminate' | 'Passthrough';

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface AllowedRoutes {
  namespaces?: {
    from?: 'All' | 'Same' | 'Selector' | 'None' | (string & {});
    selector?: LabelSelector;
  };
  kinds?: RouteGroupKind[];
}

export interface GatewayTLSConfig {
  mode?: TLSModeType;
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
}

/**
 * `listeners[].filters.requests[]` (v1.7.0, `GatewayListenerFilters`): run in order on every request of
 * an HTTP/HTTPS listener before route matching; they may not change Host/:authority.
 */
export interface ListenerRequestFilter {
  type: 'ExternalAuth' | 'ExtensionRef' | (string & {});
  externalAuth?: HTTPExternalAuthFilter;
  extensionRef?: LocalObjectReference;
}

export interface ListenerFilters {
  requests?: ListenerRequestFilter[];
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: GatewayTLSConfig;
  allowedRoutes?: AllowedRoutes;
  /** v1.7.0; only with protocol HTTP or HTTPS (a CEL rule of the Gateway CRD). */
  filters?: ListenerFilters;
}

/**
 * `addresses[].routability` (v1.7.0, `GatewayAddressRoutability`): empty (the implementation's default),
 * `Cluster`, or a domain-prefixed implementation-specific value.
 */
export type AddressRoutability = '' | 'Cluster' | (string & {});

export interface GatewaySpecAddress {
  type?: 'IPAddress' | 'Hostname' | 'NamedAddress' | (string & {});
  value?: string;
  routability?: AddressRoutability;
}

export interface GatewayStatusAddress {
  type?: string;
  value: string;
  routability?: AddressRoutability;
}

/** Gateway-wide TLS (GEP-91 client certificate validation, GEP-3155 backend client certificate). */
export interface GatewaySpecTLS {
  frontend?: {
    default?: { validation?: { caCertificateRefs?: SecretObjectReference[]; mode?: string } };
    perPort?: { port: number; tls: { validation?: { caCertificateRefs?: SecretObjectReference[]; mode?: string } } }[];
  };
  backend?: { clientCertificateRef?: SecretObjectReference };
}

/** Which ListenerSets may attach to a Gateway (GEP-1713); none when absent or `from: None`. */
export interface AllowedListeners {
  namespaces?: {
    from?: 'All' | 'Same' | 'Selector' | 'None' | (string & {});
    selector?: LabelSelector;
  };
}

export interface GatewaySpec {
  gatewayClassName: string;
  tls?: GatewaySpecTLS;
  listeners: Listener[];
  allowedListeners?: AllowedListeners;
  addresses?: GatewaySpecAddress[];
  infrastructure?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    parametersRef?: LocalObjectReference;
  };
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayStatus {
  addresses?: GatewayStatusAddress[];
  /** How many ListenerSets are attached and Accepted (GEP-1713). */
  attachedListenerSets?: number;
  conditions?: Condition[];
  listeners?: ListenerStatus[];
}

export interface Gateway extends KubeObject {
  kind: 'Gateway';
  spec: GatewaySpec;
  status?: GatewayStatus;
}

// ---------- ListenerSet (GEP-1713) ----------

/** ListenerSet `spec.parentRef`: a Gateway, its namespace defaulting to the ListenerSet's. */
export interface ParentGatewayReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface ListenerSetSpec {
  parentRef: ParentGatewayReference;
  /** Same shape as a Gateway's listeners (ListenerEntry is a copy of Listener). */
  listeners: Listener[];
}

export interface ListenerSetStatus {
  conditions?: Condition[];
  listeners?: ListenerStatus[];
}

export interface ListenerSet extends KubeObject {
  kind: 'ListenerSet';
  spec: ListenerSetSpec;
  status?: ListenerSetStatus;
}

// ---------- HTTPRoute ----------

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type HeaderMatchType = 'Exact' | 'RegularExpression';

export interface HTTPPathMatch {
  type?: PathMatchType;
  value?: string;
}

export interface HTTPHeaderMatch {
  type?: HeaderMatchType;
  name: string;
  value: string;
}

export interface HTTPQueryParamMatch {
  type?: HeaderMatchType;
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}

export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}

export interface HTTPRequestMirrorFilter {
  backendRef: BackendObjectReference;
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}

/** `ExternalAuth` (GEP-1494): HTTPRoute filter, and since v1.7.0 a listener request filter. */
export interface HTTPExternalAuthFilter {
  protocol: 'HTTP' | 'GRPC';
  backendRef: BackendObjectReference;
  grpc?: { allowedHeaders?: string[] };
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  forwardBody?: { maxSize?: number };
}

export interface HTTPCORSFilter {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export interface HTTPRouteFilter {
  type:
    | 'RequestHeaderModifier'
    | 'ResponseHeaderModifier'
    | 'RequestRedirect'
    | 'URLRewrite'
    | 'RequestMirror'
    | 'CORS'
    | 'ExternalAuth'
    | 'ExtensionRef'
    | (string & {});
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  cors?: HTTPCORSFilter;
  externalAuth?: HTTPExternalAuthFilter;
  extensionRef?: LocalObjectReference;
}

export interface HTTPBackendRef extends BackendRef {
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteTimeouts {
  request?: string;
  backendRequest?: string;
}

export interface HTTPRouteRetry {
  codes?: number[];
  /** Retries after the first request; the CRD defaults it to 1 (v1.7.0), and 0 disables retries. */
  attempts?: number;
  backoff?: string;
}

/**
 * Session persistence (GEP-1619), v1.7.0 shape: the name moved from `sessionName` into `cookie.name` /
 * `header.name`, and `cookieConfig` became `cookie` (with `path`, which the CRD defaults to "/").
 * Deprecated in v1.7.0 in favour of the Backend resource (GEP-4894), still served.
 */
export interface SessionPersistence {
  absoluteTimeout?: string;
  idleTimeout?: string;
  type?: 'Cookie' | 'Header';
  /** Required when type is Cookie (the default), forbidden otherwise (CEL rules of the CRD). */
  cookie?: { name?: string; path?: string; lifetimeType?: 'Permanent' | 'Session' };
  /** Required when type is Header, forbidden otherwise. */
  header?: { name: string };
  /**
   * v1.6.1's fields, gone from the v1.7.0 CRDs: a cluster that still has v1.6.1 CRDs (Helm never
   * upgrades `crds/`) serves them, so the translator reads them when the v1.7.0 ones are absent.
   */
  sessionName?: string;
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: HTTPRouteTimeouts;
  retry?: HTTPRouteRetry;
  sessionPersistence?: SessionPersistence;
}

export interface HTTPRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}

export interface HTTPRoute extends KubeObject {
  kind: 'HTTPRoute';
  spec: HTTPRouteSpec;
  status?: RouteStatus;
}

// ---------- GRPCRoute ----------

export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression';
  service?: string;
  method?: string;
}

export interface GRPCHeaderMatch {
  type?: HeaderMatchType;
  name: string;
  value: string;
}

export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: GRPCHeaderMatch[];
}

export interface GRPCRouteFilter {
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestMirror' | 'ExtensionRef' | (string & {});
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  extensionRef?: LocalObjectReference;
}

export interface GRPCBackendRef extends BackendRef {
  filters?: GRPCRouteFilter[];
}

export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: GRPCRouteFilter[];
  backendRefs?: GRPCBackendRef[];
  sessionPersistence?: SessionPersistence;
}

export interface GRPCRoute extends KubeObject {
  kind: 'GRPCRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
  status?: RouteStatus;
}

// ---------- TLSRoute / TCPRoute / UDPRoute ----------

export interface L4RouteRule {
  name?: string;
  backendRefs?: BackendRef[];
}

export interface TLSRoute extends KubeObject {
  kind: 'TLSRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules: L4RouteRule[] };
  status?: RouteStatus;
}

export interface TCPRoute extends KubeObject {
  kind: 'TCPRoute';
  spec: { parentRefs?: ParentReference[]; rules: L4RouteRule[] };
  status?: RouteStatus;
}

export interface UDPRoute extends KubeObject {
  kind: 'UDPRoute';
  spec: { parentRefs?: ParentReference[]; rules: L4RouteRule[] };
  status?: RouteStatus;
}

export type Route = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute;
export type RouteKind = Route['kind'];

// ---------- ReferenceGrant ----------

export interface ReferenceGrant extends KubeObject {
  kind: 'ReferenceGrant';
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string }[];
  };
}

// ---------- BackendTLSPolicy ----------

export interface LocalPolicyTargetReferenceWithSectionName {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

export interface BackendTLSPolicyValidation {
  caCertificateRefs?: LocalObjectReference[];
  wellKnownCACertificates?: 'System' | (string & {});
  hostname: string;
  subjectAltNames?: { type: 'Hostname' | 'URI'; hostname?: string; uri?: string }[];
}

export interface PolicyAncestorStatus {
  ancestorRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface BackendTLSPolicy extends KubeObject {
  kind: 'BackendTLSPolicy';
  spec: {
    targetRefs: LocalPolicyTargetReferenceWithSectionName[];
    validation: BackendTLSPolicyValidation;
    options?: Record<string, string>;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
