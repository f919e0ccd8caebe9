/** @portico/xds: IR → Envoy v3 resources (pure), naming, consistency check, encoding and versions. */
export { buildBackendResources, buildXds, type BuildXdsOptions } from './build-xds.js';
export { consistencyProblems, referencedNames, referencesOf, type ReferencedNames } from './snapshot/consistency.js';
/** Whether an IR route's Envoy routes are written straight from the IR (the others are encoded from their JSON): for the wire proof test. */
export { isDirectRoute } from './wire/route-wire.js';
export { encodeResources, redactedConfigDump, type EncodeCache, type EncodedResource, type EncodedResources, type ResourceListKey } from './snapshot/versions.js';
export { createXdsBuildCache, type XdsBuildCache, type XdsBuildCacheOptions } from './build-cache.js';
/** Whether a backend's cluster is written by the direct wire writer (else encoded from its JSON): for the proof tests' counts. */
export { isDirectCluster } from './wire/cluster-wire.js';
export type { NamedResource, XdsResources } from './resources.js';
export { BLACKHOLE_CLUSTER, INVALID_BACKEND_CLUSTER, INVALID_BACKEND_HEADER } from './names.js';
export { gatewayConfigDump, type GatewayConfigDump } from './snapshot/config-dump.js';
export { rateLimitServiceConfig, type RateLimitServiceConfigFile } from './rate-limit-service-config.js';
export { buildProxylessResources, proxylessListenerName, proxylessRouteConfigName, type ProxylessResources } from './proxyless.js';
export {
  buildEnvoyBootstrap,
  DEFAULT_ENVOY_ADMIN_PORT,
  DEFAULT_MAX_DOWNSTREAM_CONNECTIONS,
  DEFAULT_MAX_HEAP_BYTES,
  EnvoyBootstrapError,
  parseHostPort,
  XDS_CLUSTER_NAME,
  type BootstrapTlsFiles,
  type EnvoyBootstrapOptions,
} from './bootstrap.js';
