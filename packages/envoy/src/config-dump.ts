/**
 * The five sections of Envoy's `/config_dump` (envoy.admin.v3.*ConfigDump) in proto3 JSON: the shape
 * `portico translate --to xds` and `/debug/xds` print, so a dump from Portico reads like one from Envoy.
 * Resources are given in proto3 JSON without "@type"; the dump adds it.
 */
import type { Proto3Json } from './codec.js';
import { TYPE_URL_PREFIX, TYPE_URLS } from './type-urls.js';

/** One xDS resource as served: its name, version and body. */
export interface VersionedResource {
  name: string;
  version: string;
  resource: Proto3Json;
}

export interface ResourceSnapshot {
  listeners: VersionedResource[];
  routes: VersionedResource[];
  clusters: VersionedResource[];
  endpoints: VersionedResource[];
  secrets: VersionedResource[];
}

const ADMIN = `${TYPE_URL_PREFIX}envoy.admin.v3.`;

export interface ConfigDumpSections {
  listeners: Proto3Json;
  routes: Proto3Json;
  clusters: Proto3Json;
  endpoints: Proto3Json;
  secrets: Proto3Json;
}

export function configDump(snapshot: ResourceSnapshot): ConfigDumpSections {
  return {
    listeners: {
      '@type': `${ADMIN}ListenersConfigDump`,
      dynamicListeners: snapshot.listeners.map((r) => ({
        name: r.name,
        activeState: { versionInfo: r.version, listener: { '@type': TYPE_URLS.listener, ...r.resource } },
      })),
    },
    routes: {
      '@type': `${ADMIN}RoutesConfigDump`,
      dynamicRouteConfigs: snapshot.routes.map((r) => ({ versionInfo: r.version, routeConfig: { '@type': TYPE_URLS.route, ...r.resource } })),
    },
    clusters: {
      '@type': `${ADMIN}ClustersConfigDump`,
      dynamicActiveClusters: snapshot.clusters.map((r) => ({ versionInfo: r.version, cluster: { '@type': TYPE_URLS.cluster, ...r.resource } })),
    },
    endpoints: {
      '@type': `${ADMIN}EndpointsConfigDump`,
      dynamicEndpointConfigs: snapshot.endpoints.map((r) => ({ versionInfo: r.version, endpointConfig: { '@type': TYPE_URLS.endpoint, ...r.resource } })),
    },
    secrets: {
      '@type': `${ADMIN}SecretsConfigDump`,
      dynamicActiveSecrets: snapshot.secrets.map((r) => ({ name: r.name, versionInfo: r.version, secret: { '@type': TYPE_URLS.secret, ...r.resource } })),
    },
  };
}
