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
  StreamEvent,
  TypeUrl,
} from './types.js';
export { gatewayOfNode, PUSH_ORDER, WILDCARD_BY_DEFAULT } from './types.js';
