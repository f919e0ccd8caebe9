/** Type URLs of the five xDS resource types Portico serves (Envoy v3). */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export const RESOURCE_TYPES = {
  listener: 'envoy.config.listener.v3.Listener',
  route: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  endpoint: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceKind = keyof typeof RESOURCE_TYPES;

export const TYPE_URLS: Readonly<Record<ResourceKind, string>> = {
  listener: TYPE_URL_PREFIX + RESOURCE_TYPES.listener,
  route: TYPE_URL_PREFIX + RESOURCE_TYPES.route,
  cluster: TYPE_URL_PREFIX + RESOURCE_TYPES.cluster,
  endpoint: TYPE_URL_PREFIX + RESOURCE_TYPES.endpoint,
  secret: TYPE_URL_PREFIX + RESOURCE_TYPES.secret,
};

/** `type.googleapis.com/envoy.config.route.v3.RouteConfiguration` → `envoy.config.route.v3.RouteConfiguration`. */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
