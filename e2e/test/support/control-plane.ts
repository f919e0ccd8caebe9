/**
 * The control plane, wired in-process the way the composition root will wire it: Gateway API YAML →
 * translate → per gateway IR → Envoy resources (buildXds) + proxyless gRPC resources
 * (buildProxylessResources) → encoded once (encodeResources) → the snapshot cache, behind the ADS
 * gRPC server. The consistency gate is @portico/xds `consistencyProblems` over the same resources.
 */
import { TYPE_URLS } from '@portico/envoy';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildProxylessResources, buildXds, consistencyProblems, encodeResources, type EncodedResources, type XdsResources } from '@portico/xds';
import {
  cachedResourcesFrom,
  createSnapshotCache,
  createXdsGrpcServer,
  type CachedResource,
  type SnapshotCache,
  type StreamEvent,
  type StreamRef,
  type TypeUrl,
  type XdsGrpcServer,
} from '@portico/xds-server';

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;
const TYPE_URL_OF: Record<(typeof KINDS)[number], TypeUrl> = {
  listeners: TYPE_URLS.listener,
  routes: TYPE_URLS.route,
  clusters: TYPE_URLS.cluster,
  endpoints: TYPE_URLS.endpoint,
  secrets: TYPE_URLS.secret,
};

export interface PublishResult {
  gateway: string;
  published: boolean;
  problems: string[];
  version?: string;
}

export interface ControlPlane {
  cache: SnapshotCache;
  server: XdsGrpcServer;
  port: number;
  /** Translates the YAML and publishes a snapshot for every gateway in it. */
  publish(yaml: string): PublishResult[];
  /** Every stream event so far, in order. */
  events: { event: StreamEvent; stream: StreamRef }[];
  close(): Promise<void>;
}

/** Starts the xDS server on 127.0.0.1 (a free port) over a fresh snapshot cache. */
export async function startControlPlane(): Promise<ControlPlane> {
  // The cache checks a candidate through this hook; the problems are those of the XdsResources
  // the candidate was made from, computed just before setSnapshot (this package may import @portico/xds).
  const pendingProblems = new Map<string, string[]>();
  const cache = createSnapshotCache({ checkConsistency: (_snapshot, gateway) => pendingProblems.get(gateway) ?? [] });
  const events: ControlPlane['events'] = [];
  const server = createXdsGrpcServer({ watcher: cache, address: '127.0.0.1:0', onEvent: (event, stream) => events.push({ event, stream }) });
  const port = await server.start();

  function publishGateway(gateway: string, envoy: XdsResources, proxyless: Pick<XdsResources, 'listeners' | 'routes'>): PublishResult {
    const merged: XdsResources = {
      ...envoy,
      listeners: [...envoy.listeners, ...proxyless.listeners],
      routes: [...envoy.routes, ...proxyless.routes],
    };
    const encodedEnvoy = encodeResources(envoy);
    const encodedProxyless = encodeResources({ listeners: proxyless.listeners, routes: proxyless.routes, clusters: [], endpoints: [], secrets: [] });
    pendingProblems.set(gateway, consistencyProblems(merged));
    try {
      const result = cache.setSnapshot(gateway, snapshotResources(cache, gateway, encodedEnvoy, encodedProxyless));
      return { gateway, ...result };
    } finally {
      pendingProblems.delete(gateway);
    }
  }

  return {
    cache,
    server,
    port,
    events,
    publish(yaml) {
      const { objects } = parseResources(yaml, 'e2e.yaml');
      const { gateways } = translate(ResourceSet.from(objects));
      return [...gateways].map(([gateway, ir]) => publishGateway(gateway, buildXds(ir), buildProxylessResources(ir)));
    },
    close: () => server.shutdown(2_000),
  };
}

/**
 * Envoy's resources go to wildcard subscribers; the proxyless API listeners and their route tables
 * only to clients naming them (an Envoy asking for every listener must not get `host:port` ones).
 */
function snapshotResources(cache: SnapshotCache, gateway: string, envoy: EncodedResources, proxyless: EncodedResources): Map<TypeUrl, CachedResource[]> {
  const current = cache.snapshot(gateway);
  const byType = new Map<TypeUrl, CachedResource[]>();
  for (const kind of KINDS) {
    const typeUrl = TYPE_URL_OF[kind];
    const previous = current?.resources.get(typeUrl);
    byType.set(typeUrl, [...cachedResourcesFrom(envoy[kind], true, previous), ...cachedResourcesFrom(proxyless[kind], false, previous)]);
  }
  return byType;
}
