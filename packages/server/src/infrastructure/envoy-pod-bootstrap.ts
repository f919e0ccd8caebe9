/**
 * The bootstrap an Envoy pod starts with (the ConfigMap's content): `buildEnvoyBootstrap`'s, plus a
 * static listener that lets kubelet probe readiness while the admin API stays on loopback (the admin
 * API can drain and stop Envoy, so it must not be reachable over the pod network). The listener
 * forwards exactly `GET /ready` and `GET /stats/prometheus` to the admin API, the way Envoy Gateway's
 * proxies expose readiness on 19003.
 */
import type { Proto3Json } from '@portico/envoy';
import { buildEnvoyBootstrap } from '@portico/xds';
import type { ResolvedInfrastructureOptions } from './infrastructure-options.js';
import { heapCeilingForMemoryLimit } from './memory-quantity.js';

/** Where the pod mounts the ConfigMap, and the file in it. */
export const BOOTSTRAP_DIR = '/etc/portico/bootstrap';
export const BOOTSTRAP_FILE = 'bootstrap.json';
/** Where the pod mounts the xDS client certificate Secret (`tls.crt`, `tls.key`, `ca.crt`). */
export const XDS_TLS_DIR = '/etc/portico/xds-tls';

export const READINESS_LISTENER = 'portico-readiness';
export const ADMIN_CLUSTER = 'portico-admin';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';

/** The bootstrap of the Envoys of Gateway `namespace/name`. Throws EnvoyBootstrapError on bad options. */
export function envoyPodBootstrap(gateway: string, options: ResolvedInfrastructureOptions): Proto3Json {
  const maxHeapBytes = heapCeilingForMemoryLimit(options.resources.limits?.memory);
  const bootstrap = buildEnvoyBootstrap({
    gateway,
    xdsAddress: options.xdsAddress,
    adminPort: options.adminPort,
    ...(maxHeapBytes ? { maxHeapBytes } : {}),
    ...(options.tlsSecretName
      ? { tls: { caFile: `${XDS_TLS_DIR}/ca.crt`, certFile: `${XDS_TLS_DIR}/tls.crt`, keyFile: `${XDS_TLS_DIR}/tls.key` } }
      : {}),
  });
  const staticResources = bootstrap.staticResources as { clusters: Proto3Json[]; listeners?: Proto3Json[] };
  return {
    ...bootstrap,
    staticResources: {
      listeners: [readinessListener(options.readinessPort)],
      clusters: [...staticResources.clusters, adminCluster(options.adminPort)],
    },
  };
}

function readinessListener(port: number): Proto3Json {
  const toAdmin = (path: string): Proto3Json => ({
    match: { path, headers: [{ name: ':method', stringMatch: { exact: 'GET' } }] },
    route: { cluster: ADMIN_CLUSTER },
  });
  return {
    name: READINESS_LISTENER,
    address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    // Probes must answer when the downstream connection limit is reached, as the admin API does.
    ignoreGlobalConnLimit: true,
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type': `type.googleapis.com/${HCM}`,
              statPrefix: READINESS_LISTENER,
              // `/ready/../quitquitquit` must not reach the admin API under another name.
              normalizePath: true,
              mergeSlashes: true,
              routeConfig: {
                name: READINESS_LISTENER,
                virtualHosts: [{ name: READINESS_LISTENER, domains: ['*'], routes: [toAdmin('/ready'), toAdmin('/stats/prometheus')] }],
              },
              httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': `type.googleapis.com/${ROUTER}` } }],
            },
          },
        ],
      },
    ],
  };
}

function adminCluster(adminPort: number): Proto3Json {
  return {
    name: ADMIN_CLUSTER,
    type: 'STATIC',
    connectTimeout: '1s',
    loadAssignment: {
      clusterName: ADMIN_CLUSTER,
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: adminPort } } } }] }],
    },
  };
}
