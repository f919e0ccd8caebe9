/**
 * @grpc/grpc-js-xds's own code, run on our resources without a network: its resource validators
 * (what it ACKs or NACKs), its LDS name for a target, its virtual host choice and its route
 * matchers. Test-only: the xds package itself never depends on a gRPC client.
 */
import { encodeMessage, TYPE_URLS, type Proto3Json, type ResourceKind } from '@portico/envoy';
import { Metadata } from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { parseUri } from '@grpc/grpc-js/build/src/uri-parser.js';
import { getListenerResourceName } from '@grpc/grpc-js-xds/build/src/resolver-xds.js';
import { getPredicateForMatcher } from '@grpc/grpc-js-xds/build/src/route.js';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap.js';
import { findVirtualHostForDomain } from '@grpc/grpc-js-xds/build/src/xds-dependency-manager.js';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js';
import type { XdsDecodeContext } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type.js';

// What an application does before making xDS channels: registers the resolver, the load-balancing
// policies and the HTTP filters (the router among them) that the validators look up.
register();

const BOOTSTRAP = validateBootstrapConfig({
  xds_servers: [{ server_uri: 'localhost:18000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: { id: 'test', cluster: 'default/eg', locality: {} },
});

const CONTEXT: XdsDecodeContext = { bootstrap: BOOTSTRAP, server: BOOTSTRAP.xdsServers[0]! };

const RESOURCE_TYPE = {
  listener: ListenerResourceType.get(),
  route: RouteConfigurationResourceType.get(),
  cluster: ClusterResourceType.get(),
  endpoint: EndpointResourceType.get(),
};

export interface GrpcDecoded {
  name: string;
  /** The decoded message (snake_case, as grpc-js-xds holds it) when accepted. */
  value?: Record<string, unknown>;
  /** grpc-js-xds's NACK text when rejected. */
  error?: string;
}

/** Encodes the resource as our server would and decodes it with grpc-js-xds, which validates it. */
export function grpcDecode(kind: Exclude<ResourceKind, 'secret'>, json: Proto3Json): GrpcDecoded {
  const bytes = Buffer.from(encodeMessage(TYPE_URLS[kind].slice('type.googleapis.com/'.length), json));
  return RESOURCE_TYPE[kind].decode(CONTEXT, { type_url: TYPE_URLS[kind], value: bytes }) as GrpcDecoded;
}

/** The LDS resource name grpc-js-xds subscribes to for a channel target such as `xds:///host:443`. */
export function grpcListenerName(target: string): string {
  return getListenerResourceName(BOOTSTRAP, parseUri(target)!);
}

interface DecodedRoute {
  name: string;
  match: Parameters<typeof getPredicateForMatcher>[0];
  route: { cluster_specifier: string; cluster?: string; weighted_clusters?: { clusters: { name: string; weight: { value: number } | null }[] } };
}

/**
 * What a gRPC call to `authority` (the channel's target path) with `methodPath` and `headers`
 * is routed to, as grpc-js-xds's resolver decides it: the virtual host for the authority, then the
 * first route whose matcher applies. Returns the route name and its clusters (`name=weight`), or
 * undefined when no virtual host or route matches (the call fails with UNAVAILABLE).
 */
export function grpcRoutes(routeConfig: Record<string, unknown>, authority: string, methodPath: string, headers: Record<string, string> = {}): { route: string; clusters: string[] } | undefined {
  const virtualHosts = routeConfig.virtual_hosts as { domains: string[]; routes: DecodedRoute[] }[];
  const vh = findVirtualHostForDomain(virtualHosts, authority);
  if (!vh) return undefined;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  const route = vh.routes.find((r) => getPredicateForMatcher(r.match).apply(methodPath, metadata));
  if (!route) return undefined;
  const action = route.route;
  const clusters =
    action.cluster_specifier === 'cluster'
      ? [action.cluster!]
      : action.weighted_clusters!.clusters.map((c) => `${c.name}=${c.weight?.value ?? 0}`);
  return { route: route.name, clusters };
}
