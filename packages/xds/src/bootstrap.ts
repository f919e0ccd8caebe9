/**
 * The Envoy bootstrap for the proxies of one Gateway (Envoy v3 `Bootstrap`, proto3 JSON): who the
 * proxy is (`node.cluster` names the gateway, DESIGN.md §1.5), where it fetches everything else (one
 * ADS stream, delta by default, to the static `portico-xds` cluster), an admin listener on
 * loopback, and overload-manager limits so a flood degrades Envoy instead of killing it.
 * Pure: it reads no files (TLS paths are handed to Envoy as they are) and resolves no names.
 */
import { isIP } from 'node:net';
import type { Proto3Json } from '@portico/envoy';
import { adsConfigSource } from './config-source.js';
import { typedConfig } from './typed-config.js';

/** The static cluster the ADS stream uses: the one cluster Envoy knows before it talks to Portico. */
export const XDS_CLUSTER_NAME = 'portico-xds';
/** Envoy's admin port unless told: next to Portico's own admin (19000), so both run on one host. */
export const DEFAULT_ENVOY_ADMIN_PORT = 19001;
/** Envoy's heap ceiling for the overload manager unless told: 1 GiB. */
export const DEFAULT_MAX_HEAP_BYTES = 1024 * 1024 * 1024;
/** Open downstream connections across all listeners unless told (Envoy Gateway's default too). */
export const DEFAULT_MAX_DOWNSTREAM_CONNECTIONS = 50_000;

/** Files for mTLS to the xDS server (Envoy reads them at start-up). */
export interface BootstrapTlsFiles {
  /** CA bundle that signed the xDS server's certificate. */
  caFile: string;
  /** Envoy's client certificate (chain) and its key: the server requires one. */
  certFile: string;
  keyFile: string;
}

export interface EnvoyBootstrapOptions {
  /** The Gateway this Envoy serves, `namespace/name`; becomes `node.cluster`. */
  gateway: string;
  /** Portico's xDS server, `host:port` (`[v6]:port` for IPv6); a DNS name or an IP. */
  xdsAddress: string;
  /** `node.id`; default `envoy-<namespace>-<name>`. Envoy's `--service-node` overrides it per process. */
  nodeId?: string;
  /** Admin listener host; default 127.0.0.1: the admin API can stop Envoy and dumps its config. */
  adminHost?: string;
  /** Admin listener port; default 19001. */
  adminPort?: number;
  /** mTLS to the xDS server (TLS 1.3, client certificate), as Portico's server expects it. */
  tls?: BootstrapTlsFiles;
  /** Incremental (delta) xDS; default true. False: state-of-the-world. */
  delta?: boolean;
  /** Overload manager heap ceiling in bytes; default 1 GiB. */
  maxHeapBytes?: number;
  /** Global limit of open downstream connections; default 50,000. */
  maxDownstreamConnections?: number;
}

/** Options that cannot make a valid bootstrap: a user mistake, with a message saying which. */
export class EnvoyBootstrapError extends Error {
  override readonly name = 'EnvoyBootstrapError';
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const UPSTREAM_TLS_CONTEXT = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const FIXED_HEAP_MONITOR = 'envoy.resource_monitors.fixed_heap';
const CONNECTIONS_MONITOR = 'envoy.resource_monitors.global_downstream_max_connections';

/** Builds the bootstrap; throws EnvoyBootstrapError on an invalid gateway, address, port or limit. */
export function buildEnvoyBootstrap(options: EnvoyBootstrapOptions): Proto3Json {
  const [namespace, name] = parseGateway(options.gateway);
  const xds = parseHostPort(options.xdsAddress, 'xDS address');
  const adminPort = checkPort(options.adminPort ?? DEFAULT_ENVOY_ADMIN_PORT, 'admin port');
  const adminHost = options.adminHost ?? '127.0.0.1';
  if (!isIpLiteral(adminHost)) throw new EnvoyBootstrapError(`admin host '${adminHost}' must be an IP address (Envoy binds it as is)`);
  return {
    node: { id: options.nodeId ?? `envoy-${namespace}-${name}`, cluster: `${namespace}/${name}` },
    dynamicResources: dynamicResources(options.delta ?? true),
    staticResources: { clusters: [xdsCluster(xds, options.tls)] },
    admin: {
      address: { socketAddress: { address: adminHost, portValue: adminPort } },
      // The admin API must answer even when the connection limit below is reached.
      ignoreGlobalConnLimit: true,
    },
    overloadManager: overloadManager(
      positive(options.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES, 'max heap bytes'),
      positive(options.maxDownstreamConnections ?? DEFAULT_MAX_DOWNSTREAM_CONNECTIONS, 'max downstream connections'),
    ),
    layeredRuntime: layeredRuntime(),
  };
}

/**
 * Listeners and clusters come over ADS; routes, endpoints and secrets follow through the config
 * sources those resources name (also ADS). `setNodeOnFirstMessageOnly`: the node is sent once per
 * stream, which is all the xDS server reads (a node per request only costs bytes).
 */
function dynamicResources(delta: boolean): Proto3Json {
  return {
    adsConfig: {
      apiType: delta ? 'DELTA_GRPC' : 'GRPC',
      transportApiVersion: 'V3',
      grpcServices: [{ envoyGrpc: { clusterName: XDS_CLUSTER_NAME } }],
      setNodeOnFirstMessageOnly: true,
    },
    ldsConfig: adsConfigSource(),
    cdsConfig: adsConfigSource(),
  };
}

/**
 * STRICT_DNS takes a DNS name (`portico` in docker-compose, a Service name in Kubernetes) as well as
 * an IP literal, and re-resolves it, so a restarted control plane with a new address is found again.
 * gRPC needs HTTP/2; its keepalive pings notice a control plane that vanished without a FIN (Envoy
 * then reconnects and keeps serving the last config meanwhile).
 */
function xdsCluster(xds: HostPort, tls: BootstrapTlsFiles | undefined): Proto3Json {
  const cluster: Proto3Json = {
    name: XDS_CLUSTER_NAME,
    type: 'STRICT_DNS',
    connectTimeout: '5s',
    // Container networks are usually IPv4 only; AUTO would ask for AAAA first on every resolution.
    dnsLookupFamily: 'V4_PREFERRED',
    typedExtensionProtocolOptions: {
      [HTTP_PROTOCOL_OPTIONS]: typedConfig(HTTP_PROTOCOL_OPTIONS, {
        explicitHttpConfig: { http2ProtocolOptions: { connectionKeepalive: { interval: '30s', timeout: '5s' } } },
      }),
    },
    loadAssignment: {
      clusterName: XDS_CLUSTER_NAME,
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: xds.host, portValue: xds.port } } } }] }],
    },
  };
  if (tls) cluster.transportSocket = xdsTransportSocket(tls, xds.host);
  return cluster;
}

/**
 * mTLS as Portico's xDS server requires it: TLS 1.3 only, a client certificate, and the server's
 * chain verified against the given CA. The CA is expected to be the control plane's own (it signs
 * Portico's and the proxies' certificates), so the chain is the check; the server's name is not
 * pinned, because the same certificate is reached as `portico`, a Service DNS name or an IP.
 */
function xdsTransportSocket(tls: BootstrapTlsFiles, host: string): Proto3Json {
  for (const [what, file] of [['CA', tls.caFile], ['certificate', tls.certFile], ['key', tls.keyFile]] as const) {
    if (!file) throw new EnvoyBootstrapError(`TLS ${what} file must not be empty`);
  }
  const context: Proto3Json = {
    commonTlsContext: {
      tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_3', tlsMaximumProtocolVersion: 'TLSv1_3' },
      tlsCertificates: [{ certificateChain: { filename: tls.certFile }, privateKey: { filename: tls.keyFile } }],
      validationContext: { trustedCa: { filename: tls.caFile } },
      alpnProtocols: ['h2'],
    },
  };
  // SNI only for a name: RFC 6066 forbids IP literals in server_name.
  if (!isIpLiteral(host)) context.sni = host;
  return { name: 'envoy.transport_sockets.tls', typedConfig: typedConfig(UPSTREAM_TLS_CONTEXT, context) };
}

/**
 * Envoy's overload manager (configuration/operations/overload_manager): near the heap ceiling it
 * first returns free memory to the OS (shrink_heap at 95%), then answers new requests with 503
 * (98%) rather than being OOM-killed with every connection. The connection monitor is "proactive":
 * it needs no trigger; Envoy refuses connections beyond the limit (and warns at start-up without one).
 */
function overloadManager(maxHeapBytes: number, maxConnections: number): Proto3Json {
  const heapTrigger = (value: number) => [{ name: FIXED_HEAP_MONITOR, threshold: { value } }];
  return {
    refreshInterval: '0.250s',
    resourceMonitors: [
      {
        name: FIXED_HEAP_MONITOR,
        typedConfig: typedConfig('envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', {
          maxHeapSizeBytes: String(maxHeapBytes),
        }),
      },
      {
        name: CONNECTIONS_MONITOR,
        typedConfig: typedConfig('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', {
          maxActiveDownstreamConnections: String(maxConnections),
        }),
      },
    ],
    actions: [
      { name: 'envoy.overload_actions.shrink_heap', triggers: heapTrigger(0.95) },
      { name: 'envoy.overload_actions.stop_accepting_requests', triggers: heapTrigger(0.98) },
    ],
  };
}

/**
 * Envoy still enforces a RE2 "program size" of 100 through the runtime (envoyproxy/envoy#18633),
 * which rejects ordinary Gateway API RegularExpression matches; Contour and Kuma raise it the same
 * way. The admin layer must be listed explicitly once any layer is, or `/runtime_modify` stops working.
 */
function layeredRuntime(): Proto3Json {
  return {
    layers: [
      { name: 'static', staticLayer: { 're2.max_program_size.error_level': 1_048_576, 're2.max_program_size.warn_level': 1_000 } },
      { name: 'admin', adminLayer: {} },
    ],
  };
}

interface HostPort {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port` → its parts; the host may be a DNS name or an IP literal. */
export function parseHostPort(address: string, what: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+)):(\d+)$/.exec(address);
  if (!match) throw new EnvoyBootstrapError(`invalid ${what} '${address}': expected host:port (IPv6 as [addr]:port)`);
  return { host: match[1] ?? match[2]!, port: checkPort(Number(match[3]), what) };
}

function parseGateway(gateway: string): [string, string] {
  // DNS-1123 labels and subdomains, as Kubernetes namespaces and Gateway names are.
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(gateway);
  if (!match) throw new EnvoyBootstrapError(`invalid gateway '${gateway}': expected namespace/name (e.g. default/demo)`);
  return [match[1]!, match[3]!];
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EnvoyBootstrapError(`invalid ${what} ${port}: expected 1-65535`);
  return port;
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new EnvoyBootstrapError(`invalid ${what} ${value}: expected a positive integer`);
  return value;
}

function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}
