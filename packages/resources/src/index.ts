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
} from './meta.js';
export { objectKey } from './meta.js';

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
} from './gateway-api.js';
export { GATEWAY_GROUP } from './gateway-api.js';
export { sameParentRef } from './parent-refs.js';
export type { LocalPolicyTargetReference, RetryConstraint, XBackendTrafficPolicy } from './backend-traffic-policy.js';
export { GATEWAY_X_GROUP } from './backend-traffic-policy.js';
export type {
  BackendCircuitBreaker,
  BackendConsistentHash,
  BackendHealthCheck,
  BackendLoadBalancer,
  BackendLoadBalancerType,
  BackendOutlierDetection,
  BackendPolicy,
} from './backend-policy.js';

export type { ConfigMap, Endpoint, EndpointPort, EndpointSlice, Namespace, Secret, Service, ServicePort } from './core.js';

export type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressServiceBackend,
  IngressTLS,
} from './networking.js';
export { DEFAULT_INGRESS_CLASS_ANNOTATION, LEGACY_INGRESS_CLASS_ANNOTATION } from './networking.js';

export type { Kind, KindInfo, KindMap, Resource } from './kinds.js';
export { ALL_KINDS, KINDS, lookupKind, parseApiVersion } from './kinds.js';

export { ResourceSet } from './resource-set.js';

export type { FieldPathSegment, LoadWarning, ResourceLoadErrorCode, ResourceLoadErrorDetails } from './errors.js';
export { formatFieldPath, ResourceLoadError } from './errors.js';
export type { LoadResult } from './load-result.js';
export type { ResourceParseOptions } from './parse-resources.js';
export { parseJsonResources, parseResources } from './parse-resources.js';
export { formatBytes, MAX_ALIAS_EXPANSION_BYTES, MAX_ANNOTATIONS_BYTES, MAX_OBJECT_BYTES } from './input-limits.js';
export type { LoadOptions } from './load-resources.js';
export { isInsideFolder, loadResources, STDIN_SOURCE } from './load-resources.js';
export type { GatewayApiSchemaFile } from './gateway-api-schemas.js';
export { gatewayApiSchemaFile } from './gateway-api-schemas.js';
