/**
 * The composition root of `portico serve`: a provider's snapshots → the reconciler (translate →
 * xDS → snapshot cache) → the ADS gRPC server, with the admin server beside them. The order of
 * start and shutdown is written here and nowhere else.
 */
import { performance } from 'node:perf_hooks';
import type { ProviderSnapshot, ResourceProvider } from '@portico/provider';
import { DEFAULT_CONTROLLER_NAME } from '@portico/translator';
import { createXdsGrpcServer, DEFAULT_XDS_ADDRESS, type StreamEvent, type StreamRef, type XdsTlsOptions } from '@portico/xds-server';
import { Registry } from 'prom-client';
import { createAdminServer, DEFAULT_ADMIN_ADDRESS, type Readiness } from './admin-server.js';
import { clientsView, irView, statusView, xdsView, type DebugData } from './debug-views.js';
import { errorFields, silentLogger, type Logger } from './logger.js';
import { createXdsPublisher } from './publish-gateways.js';
import { createReconciler } from './reconciler.js';
import { createServerMetrics } from './server-metrics.js';

export interface PorticoServerOptions {
  provider: ResourceProvider;
  /** Default `0.0.0.0:18000`; port 0 picks a free one. */
  xdsAddress?: string;
  /** Default `127.0.0.1:19000`; port 0 picks a free one. */
  adminAddress?: string;
  /** GatewayClasses with this controllerName are ours (default `portico.dev/gateway-controller`). */
  controllerName?: string;
  logger?: Logger;
  /** Mutual TLS for xDS (PEM texts). */
  tls?: XdsTlsOptions;
  /**
   * Envoys run beside the server (`portico serve --run-envoy`, envoy-runner.ts): told the gateways
   * served after each reconcile, and stopped first on shutdown, while xDS still answers.
   */
  envoys?: { sync(gateways: Iterable<string>): Promise<void>; stop(): Promise<void> };
  /** How long shutdown waits for xDS connections to close before closing them (default 5 s). */
  shutdownGraceMs?: number;
}

export interface StartedServer {
  xdsPort: number;
  adminPort: number;
  /** From start() to ready, in milliseconds. */
  startupMs: number;
}

export interface PorticoServer {
  /** Binds both servers, loads the first snapshot, publishes it; resolves once ready. Rejects (after cleaning up) if any step fails. */
  start(): Promise<StartedServer>;
  /** Stops the provider, ends xDS streams gracefully, closes the admin server. Idempotent. */
  shutdown(): Promise<void>;
  readiness(): Readiness;
}

export function createPorticoServer(options: PorticoServerOptions): PorticoServer {
  const { provider } = options;
  const logger = options.logger ?? silentLogger();
  const controllerName = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const registry = new Registry();
  const metrics = createServerMetrics(registry);
  const publisher = createXdsPublisher({
    onSubscriberError: (error, gateway) => logger.error('an xDS stream failed on a snapshot update', { gateway, ...errorFields(error) }),
  });
  const xds = createXdsGrpcServer({
    watcher: publisher.cache,
    address: options.xdsAddress ?? DEFAULT_XDS_ADDRESS,
    metrics: registry,
    onEvent: logStreamEvent,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const reconciler = createReconciler({
    publisher,
    metrics,
    logger,
    controllerName,
    sourceErrors: () => provider.sources().filter((s) => s.state === 'error').length,
  });
  const data: DebugData = {
    state: () => reconciler.state(),
    served: () => reconciler.served(),
    servedVersion: (gateway) => publisher.cache.snapshot(gateway)?.version,
    sources: () => provider.sources(),
    clients: () => xds.clients(),
    controllerName,
  };
  const admin = createAdminServer({
    address: options.adminAddress ?? DEFAULT_ADMIN_ADDRESS,
    logger,
    handlers: {
      readiness,
      metrics: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
      views: {
        '/debug/ir': (gateway) => irView(data, gateway),
        '/debug/xds': (gateway) => xdsView(data, gateway),
        '/debug/status': (gateway) => statusView(data, gateway),
        '/debug/clients': (gateway) => clientsView(data, gateway),
      },
    },
  });
  let xdsListening = false;
  let published = false;
  let providerStarted = false;
  let unsubscribe: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  function readiness(): Readiness {
    const waitingFor = [...(xdsListening ? [] : ['the xDS server to listen']), ...(published ? [] : ['the first snapshot to be translated and published'])];
    return { ready: waitingFor.length === 0 && !stopping, waitingFor: stopping ? ['nothing: shutting down'] : waitingFor };
  }

  function onSnapshot(snapshot: ProviderSnapshot): void {
    try {
      if (reconciler.reconcile(snapshot).result !== 'success') return;
      published = true;
      options.envoys?.sync(publisher.cache.gateways()).catch((error: unknown) => logger.error('starting or stopping Envoys failed', errorFields(error)));
    } catch (error) {
      // The reconciler catches translation and per-gateway failures; anything left is a bug of ours,
      // and the server keeps serving the last good config rather than going down with it.
      logger.error('reconcile failed: this is a bug in Portico; the last good config is still served', { generation: snapshot.generation, ...errorFields(error) });
    }
  }

  function logStreamEvent(event: StreamEvent, stream: StreamRef): void {
    const fields = { stream: stream.streamId, protocol: stream.protocol };
    if (event.kind === 'connected') logger.info('xDS client connected', { ...fields, node: event.node.id, gateway: event.gateway });
    else if (event.kind === 'closed') logger.info('xDS client disconnected', fields);
    else if (event.kind === 'nack') logger.warn('xDS client rejected a config (NACK); it keeps its last good one', { ...fields, typeUrl: event.typeUrl, version: event.version, detail: event.message });
    else if (event.kind === 'push') logger.debug('xDS push', { ...fields, typeUrl: event.typeUrl, version: event.version, resources: event.resources, bytes: event.bytes });
  }

  async function start(): Promise<StartedServer> {
    const started = performance.now();
    try {
      // Admin first: /healthz answers and /readyz says what is missing while the rest starts.
      const adminPort = await admin.start();
      const xdsPort = await xds.start();
      xdsListening = true;
      providerStarted = true;
      const first = await provider.start();
      onSnapshot(first);
      unsubscribe = provider.onChange(onSnapshot);
      // A change published between the first snapshot and the subscription is not lost.
      if (provider.current().generation !== first.generation) onSnapshot(provider.current());
      const startupMs = Math.round(performance.now() - started);
      logger.info('serving', { xds: xdsPort, admin: adminPort, startupMs, ready: readiness().ready });
      return { xdsPort, adminPort, startupMs };
    } catch (error) {
      await shutdown().catch(() => undefined);
      throw error;
    }
  }

  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      unsubscribe?.();
      const steps: [string, () => Promise<void>][] = [
        ['Envoys', () => options.envoys?.stop() ?? Promise.resolve()],
        ['provider', () => (providerStarted ? provider.stop() : Promise.resolve())],
        ['xDS server', () => xds.shutdown(options.shutdownGraceMs ?? 5_000)],
        ['admin server', () => admin.close()],
      ];
      // Each step runs even if an earlier one failed: a half-stopped server would keep the process alive.
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (error) {
          logger.error(`stopping the ${what} failed`, errorFields(error));
        }
      }
      logger.info('stopped');
    })();
    return stopping;
  }

  return { start, shutdown, readiness };
}
