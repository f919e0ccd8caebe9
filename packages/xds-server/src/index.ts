/** @portico/xds-server: the ADS gRPC service (state-of-the-world and delta) over a snapshot cache. */
export type {
  AnyResource,
  CachedResource,
  ConfigWatcher,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  ErrorDetail,
  NodeInfo,
  ResourceSnapshot,
  ResponsePlacement,
  StreamEvent,
  TypeUrl,
} from './types.js';
export { gatewayOfNode, PUSH_ORDER, SERVED_TYPE_URLS, WILDCARD_BY_DEFAULT } from './types.js';
export { createXdsGrpcServer, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_XDS_ADDRESS, mutualTls13Credentials } from './xds-grpc-server.js';
export type { XdsGrpcServer, XdsGrpcServerOptions, XdsKeepaliveOptions, XdsTlsOptions } from './xds-grpc-server.js';
export {
  ADS_SERVICE,
  adsServiceDefinition,
  createAdsService,
  DEFAULT_STREAM_LIMITS,
  MalformedRequest,
  type AdsService,
  type AdsServiceOptions,
  type StreamLimits,
  type StreamDenial,
  type StreamRef,
  type StreamRefusal,
  type StreamRefusalReason,
} from './ads-service.js';
export { MAX_ERROR_DETAIL_BYTES, truncateErrorDetail } from './streams/error-detail.js';
export { createResponseOutbox, type DropReason, type ResponseOutbox, type ResponseOutboxOptions, type ResponseWriter } from './streams/response-outbox.js';
export {
  createGatewayAuthorizer,
  type GatewayAuthorization,
  type GatewayAuthorizationOptions,
  type GatewayAuthorizer,
} from './identity/gateway-authorization.js';
export {
  DEFAULT_TRUST_DOMAIN,
  describeIdentity,
  gatewayIdentityUri,
  gatewayIdentityUriOf,
  identityAllows,
  identityOfCertificate,
  namespaceIdentityUri,
  parseIdentityUri,
  type IdentityResult,
  type XdsIdentity,
} from './identity/xds-identity.js';
export { createClientRegistry, type ClientInfo, type ClientRegistry, type NackInfo, type ClientTypeState } from './client-registry.js';
export { createXdsMetrics, type StreamProtocol, type XdsMetrics } from './metrics.js';
export { cachedResourcesFrom, createSnapshotCache, type EncodedResourceLike, type SetSnapshotResult, type SnapshotCache, type SnapshotCacheOptions } from './snapshot-cache.js';
export { createSotwStream, type SotwStream, type SotwStreamOptions } from './streams/sotw-stream.js';
export { orderPushes, type PendingPush } from './streams/push-order.js';
export { createDeltaStream, type DeltaStream, type DeltaStreamOptions } from './streams/delta-stream.js';
