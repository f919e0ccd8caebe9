/**
 * @portico/resources: Kubernetes types for the kinds Portico watches, loading them from YAML with the
 * API server's validation and defaults, and the ResourceSet index every provider fills.
 */
export type {
  Condition,
  KubeObject,
  LabelSelector,
  LabelSelectorRequirement,
  ObjectMeta,
  OwnerReference,
} from './model/meta.js';
export { objectKey } from './model/meta.js';

export type {
  AddressRoutability,
  AllowedListeners,
  AllowedRoutes,
  BackendObjectReference,
  BackendRef,
  BackendTLSPolicy,
  BackendTLSPolicyValidation,
  Gateway,
  GatewayClass,
  GatewayClassSpec,
  GatewayClassStatus,
  GatewaySpec,
  GatewaySpecAddress,
  GatewaySpecTLS,
  GatewayStatus,
  GatewayStatusAddress,
  GatewayTLSConfig,
  GRPCBackendRef,
  GRPCHeaderMatch,
  GRPCMethodMatch,
  GRPCRoute,
  GRPCRouteFilter,
  GRPCRouteMatch,
  GRPCRouteRule,
  HeaderMatchType,
  HTTPBackendRef,
  HTTPCORSFilter,
  HTTPExternalAuthFilter,
  HTTPHeader,
  HTTPHeaderFilter,
  HTTPHeaderMatch,
  HTTPPathMatch,
  HTTPPathModifier,
  HTTPQueryParamMatch,
  HTTPRequestMirrorFilter,
  HTTPRequestRedirectFilter,
  HTTPRoute,
  HTTPRouteFilter,
  HTTPRouteMatch,
  HTTPRouteRetry,
  HTTPRouteRule,
  HTTPRouteSpec,
  HTTPRouteTimeouts,
  HTTPURLRewriteFilter,
  L4RouteRule,
  Listener,
  ListenerFilters,
  ListenerRequestFilter,
  ListenerSet,
  ListenerSetSpec,
  ListenerSetStatus,
  ListenerStatus,
  LocalObjectReference,
  LocalPolicyTargetReferenceWithSectionName,
  ParentGatewayReference,
  ParentReference,
  PathMatchType,
  PolicyAncestorStatus,
  ProtocolType,
  ReferenceGrant,
  Route,
  RouteGroupKind,
  RouteKind,
  RouteParentStatus,
  RouteStatus,
  SecretObjectReference,
  SessionPersistence,
  TCPRoute,
  TLSModeType,
  TLSRoute,
  UDPRoute,
} from './model/gateway-api.js';
export { GATEWAY_GROUP } from './model/gateway-api.js';
export { sameParentRef } from './model/parent-refs.js';
export type { LocalPolicyTargetReference, RetryConstraint, XBackendTrafficPolicy } from './model/backend-traffic-policy.js';
export { GATEWAY_X_GROUP } from './model/backend-traffic-policy.js';
export type { APIKeyAuth, BasicAuth, ExtAuth, ExtAuthBackendRef, IPAccess, JWTProvider, PolicyTargetReferenceWithSectionName, SecurityPolicy } from './model/security-policy.js';
export { API_KEYS_SECRET_TYPE, HTPASSWD_KEY, JWKS_KEY, PORTICO_GROUP } from './model/security-policy.js';
export type { GlobalRateLimitRule, GlobalRateLimitUnit, LocalRateLimitRule, RateLimitPolicy, RateLimitUnit } from './model/rate-limit-policy.js';
export type {
  BackendCircuitBreaker,
  BackendConsistentHash,
  BackendHealthCheck,
  BackendLoadBalancer,
  BackendLoadBalancerType,
  BackendOutlierDetection,
  BackendPolicy,
  BackendTimeouts,
} from './model/backend-policy.js';
export type { TelemetryAttribute, TelemetryFraction, TelemetryMode, TelemetryProvider, TelemetryTracing, XTelemetryPolicy } from './model/telemetry-policy.js';
export type { AccessLogFormat, AccessLogPolicy, AccessLogSink, AccessLogTargetReference } from './model/access-log-policy.js';

export type { ConfigMap, Endpoint, EndpointPort, EndpointSlice, Namespace, Secret, Service, ServicePort } from './model/core.js';

export type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressServiceBackend,
  IngressTLS,
} from './model/networking.js';
export { DEFAULT_INGRESS_CLASS_ANNOTATION, LEGACY_INGRESS_CLASS_ANNOTATION } from './model/networking.js';

export type { Kind, KindInfo, KindMap, Resource } from './model/kinds.js';
export { ALL_KINDS, KINDS, lookupKind, parseApiVersion } from './model/kinds.js';

export { ResourceSet } from './loading/resource-set.js';

export type { FieldPathSegment, LoadWarning, ResourceLoadErrorCode, ResourceLoadErrorDetails } from './loading/errors.js';
export { formatFieldPath, ResourceLoadError } from './loading/errors.js';
export type { LoadResult } from './loading/load-result.js';
export type { ResourceParseOptions } from './loading/parse-resources.js';
export { parseJsonResources, parseResources } from './loading/parse-resources.js';
export { formatBytes, MAX_ALIAS_EXPANSION_BYTES, MAX_ANNOTATIONS_BYTES, MAX_OBJECT_BYTES } from './validation/input-limits.js';
export type { LoadOptions } from './loading/load-resources.js';
export { isInsideFolder, loadResources, STDIN_SOURCE } from './loading/load-resources.js';
export type { GatewayApiSchemaFile } from './validation/gateway-api-schemas.js';
export { gatewayApiSchemaFile } from './validation/gateway-api-schemas.js';
