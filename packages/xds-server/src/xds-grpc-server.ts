/**
 * The xDS gRPC server: the ADS service (ads-service.ts) on a @grpc/grpc-js Server, with the
 * transport settings an operator of Envoy expects: a large message limit (a big gateway's RDS
 * response exceeds gRPC's 4 MiB default), keepalive, optional mutual TLS 1.3, graceful shutdown.
 */
import { Server, ServerCredentials, status, type ChannelOptions } from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import type { SecureServerOptions } from 'node:http2';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { createAdsService, type StreamDenial, type StreamLimits, type StreamRef, type StreamRefusal } from './ads-service.js';
import { createGatewayAuthorizer, type GatewayAuthorizationOptions } from './identity/gateway-authorization.js';
import { createClientRegistry, type ClientInfo, type ClientRegistry } from './client-registry.js';
import { createXdsMetrics, type XdsMetrics } from './metrics.js';
import type { ConfigWatcher, ResourceSnapshot, StreamEvent } from './types.js';

/** Loopback unless told otherwise (issue 12): xDS hands out every gateway's config, keys included. */
export const DEFAULT_XDS_ADDRESS = '127.0.0.1:18000';
/** 64 MiB each way (the issue asks ≥ 32 MiB; gRPC's default receive limit is 4 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** PEM texts (not paths) of the server's certificate chain and key, and the CA that signs clients. */
export interface XdsTlsOptions {
  cert: string;
  key: string;
  ca: string;
}

export interface XdsKeepaliveOptions {
  /** How often the server pings an idle connection (default 30 s). */
  timeMs?: number;
  /** How long it waits for the ping's answer before closing the connection (default 10 s). */
  timeoutMs?: number;
}

export interface XdsGrpcServerOptions {
  watcher: ConfigWatcher;
  /** `host:port`; port 0 picks a free one (start() returns it). Default `127.0.0.1:18000`. */
  address?: string;
  /**
   * Mutual TLS: the server presents `cert`, and every client must present one signed by `ca` (TLS 1.3
   * only) whose identity covers the gateway it claims (xds-identity.ts), or the stream is refused.
   */
  tls?: XdsTlsOptions;
  /** With `tls`: the trust domain of identities, and the compatibility mode for the old shared certificate. */
  identity?: GatewayAuthorizationOptions;
  /** A stream refused because its certificate may not serve the gateway it claimed. */
  onDenied?: (denial: StreamDenial, stream: StreamRef) => void;
  /** Largest request and response, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  keepalive?: XdsKeepaliveOptions;
  /** Where the metrics are registered; a new Registry by default (never prom-client's global one). */
  metrics?: Registry;
  /** Every event of every stream, after the client registry and the metrics have seen it. */
  onEvent?: (event: StreamEvent, stream: StreamRef) => void;
  /** Sent as `control_plane.identifier` in every response (e.g. `portico-<pod name>`). */
  controlPlaneId?: string;
  /** Stream limits (DEFAULT_STREAM_LIMITS for any left out). */
  limits?: Partial<StreamLimits>;
  /** A stream refused or ended because of its client: over a limit, not reading, a bad request. */
  onStreamRefused?: (refusal: StreamRefusal) => void;
}

export interface XdsGrpcServer {
  /** Binds and starts serving; resolves to the bound port. */
  start(): Promise<number>;
  /**
   * Stops accepting connections and calls, ends every ADS stream with UNAVAILABLE once the response
   * being written has left (waiting ones are dropped) (clients reconnect, to another replica if there is one), waits up to
   * `graceMs` for connections to close, then closes what is left.
   */
  shutdown(graceMs?: number): Promise<void>;
  /**
   * Swaps the server's certificate, key and client CA (a rotated Secret): new connections use them,
   * open streams keep the session they have. Throws, changing nothing, if the server was created
   * without `tls` or the new material is unusable (unparsable PEM, a key that does not match).
   */
  updateTls(tls: XdsTlsOptions): void;
  /** The connected streams (for /debug/clients). */
  clients(): ClientInfo[];
  /** Serves one stream a snapshot of its own (a NACK containment probe); false when the stream is gone. */
  probe(streamId: string, snapshot: ResourceSnapshot): boolean;
  readonly metrics: XdsMetrics;
  readonly registry: ClientRegistry;
}

export function createXdsGrpcServer(options: XdsGrpcServerOptions): XdsGrpcServer {
  const address = options.address ?? DEFAULT_XDS_ADDRESS;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const metrics = createXdsMetrics(options.metrics);
  const registry = createClientRegistry();
  const service = createAdsService({
    watcher: options.watcher,
    registry,
    metrics,
    maxSendMessageBytes: maxMessageBytes,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onStreamRefused ? { onStreamRefused: options.onStreamRefused } : {}),
    // Plaintext cannot tell clients apart: the check exists only where certificates do.
    ...(options.tls ? { authorizeGateway: createGatewayAuthorizer(options.identity), onDenied: deniedStreams(metrics, options.onDenied) } : {}),
  });
  const server = new Server(serverOptions(maxMessageBytes, options.keepalive));
  server.addService(service.definition, service.implementation);
  const tlsCredentials = options.tls ? new MutualTls13Credentials(options.tls) : undefined;
  let started: Promise<number> | undefined;
  let stopping: Promise<void> | undefined;

  return {
    metrics,
    registry,
    start() {
      started ??= new Promise<number>((resolve, reject) => {
        const credentials = tlsCredentials ?? ServerCredentials.createInsecure();
        server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
      });
      return started;
    },
    shutdown(graceMs = 5_000) {
      stopping ??= (async () => {
        service.refuseNew();
        const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        service.endAll(status.UNAVAILABLE, 'xDS server shutting down');
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
        const outcome = await Promise.race([drained, expired]);
        clearTimeout(timer);
        if (outcome === 'expired') server.forceShutdown();
      })();
      return stopping;
    },
    updateTls(tls) {
      if (!tlsCredentials) throw new Error('the xDS server was started without TLS: certificates cannot be swapped in');
      tlsCredentials.update(tls);
    },
    clients: () => registry.clients(),
    probe: (streamId, snapshot) => service.probe(streamId, snapshot),
  };
}

/**
 * Counts refused streams (by protocol only: the claimed gateway comes from the client, and a label
 * of it would let any client grow the metrics without bound), then tells `onDenied`.
 */
function deniedStreams(metrics: XdsMetrics, onDenied: XdsGrpcServerOptions['onDenied']): NonNullable<XdsGrpcServerOptions['onDenied']> {
  const denied = new Counter({
    name: 'portico_xds_streams_denied_total',
    help: 'xDS streams ended with PERMISSION_DENIED: the client certificate may not serve the gateway its node claims',
    labelNames: ['protocol'],
    registers: [metrics.registry],
  });
  return (denial, stream) => {
    denied.inc({ protocol: stream.protocol });
    onDenied?.(denial, stream);
  };
}

/**
 * @grpc/grpc-js server options. The server reads only keepalive_time_ms / keepalive_timeout_ms of
 * the keepalive settings: it has no ping policing (no min_ping_interval / ping strikes, no
 * too_many_pings GOAWAY), so clients' keepalive pings, with or without calls, are always accepted.
 * `grpc.keepalive_permit_without_calls` and `grpc.http2.min_ping_interval_without_data_ms` are
 * client-side options in grpc-js and would be ignored here.
 */
function serverOptions(maxMessageBytes: number, keepalive: XdsKeepaliveOptions = {}): ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.keepalive_time_ms': keepalive.timeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs ?? 10_000,
  };
}

/**
 * `ServerCredentials.createSsl(ca, [pair], true)` requires a client certificate but has no way to
 * set the TLS version (it passes only requestCert and ciphers to http2.createSecureServer). These
 * credentials pass the same options plus `minVersion: 'TLSv1.3'` and an explicit
 * `rejectUnauthorized`, through the constructor grpc-js gives ServerCredentials subclasses.
 */
class MutualTls13Credentials extends ServerCredentials {
  constructor(tls: XdsTlsOptions) {
    const server: SecureServerOptions = { requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' };
    super(server, secureContextOptions(tls));
  }

  /**
   * grpc-js passes new context options to every http2 server bound with these credentials
   * (`setSecureContext`: later handshakes only). They are checked first: grpc-js answers a context
   * it cannot build by refusing every new connection, which must not be what a bad rotation does.
   * requestCert and rejectUnauthorized are server options and stay; the TLS 1.3 floor must be in the
   * context options too, because Node's setSecureContext resets every field it is not given.
   */
  update(tls: XdsTlsOptions): void {
    const options = secureContextOptions(tls);
    createSecureContext(options);
    this.updateSecureContextOptions(options);
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

function secureContextOptions(tls: XdsTlsOptions): SecureContextOptions {
  return { ca: Buffer.from(tls.ca), cert: Buffer.from(tls.cert), key: Buffer.from(tls.key), minVersion: 'TLSv1.3' };
}

export function mutualTls13Credentials(tls: XdsTlsOptions): ServerCredentials {
  return new MutualTls13Credentials(tls);
}
