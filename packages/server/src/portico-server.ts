/**
 * The composition root of `portico serve`: a provider's snapshots → the reconciler (translate →
 * xDS → snapshot cache) → the ADS gRPC server, with the admin server beside them. The order of
 * start and shutdown is written here and nowhere else.
 */
import { performance } from 'node:perf_hooks';
import type { ProviderSnapshot, ResourceProvider } from '@portico/provider';
import { DEFAULT_CONTROLLER_NAME } from '@portico/translator';
import { createXdsGrpcServer, DEFAULT_XDS_ADDRESS, type GatewayAuthorizationOptions, type StreamEvent, type StreamRef, type XdsTlsOptions } from '@portico/xds-server';
import { Gauge, Registry } from 'prom-client';
import { createAdminServer, DEFAULT_ADMIN_ADDRESS, type Readiness } from './admin-server.js';
import { clientsView, irView, statusView, xdsView, type DebugData } from './debug-views.js';
import { errorFields, silentLogger, type Logger } from './logger.js';
import { createXdsPublisher } from './publish-gateways.js';
import { createReconciler } from './reconciler.js';
import { createServerMetrics } from './server-metrics.js';
import type { KubernetesController } from './kubernetes-controller.js';
import { initialTls, type XdsTlsSource } from './xds-tls-files.js';

export interface PorticoServerOptions {
  provider: ResourceProvider;
  /** Default `0.0.0.0:18000`; port 0 picks a free one. */
  xdsAddress?: string;
  /** Default `127.0.0.1:19000`; port 0 picks a free one. */
  adminAddress?: string;
  /** GatewayClasses with this controllerName are ours (default `portico.dev/gateway-controller`). */
  controllerName?: string;
  logger?: Logger;
  /** Mutual TLS for xDS: PEM texts, or files re-read while serving (xds-tls-files.ts). */
  tls?: XdsTlsOptions | XdsTlsSource;
  /**
   * With `tls`: which client certificates may claim which gateway (@portico/xds-server's
   * xds-identity.ts). Default: only identity certificates, in trust domain `portico`.
   */
  xdsIdentity?: GatewayAuthorizationOptions;
  /**
   * Envoys run beside the server (`portico serve --run-envoy`, envoy-runner.ts): told the gateways
   * served after each reconcile, and stopped first on shutdown, while xDS still answers.
   */
  envoys?: { sync(gateways: Iterable<string>): Promise<void>; stop(): Promise<void> };
  /** How long shutdown waits for xDS connections to close before closing them (default 5 s). */
  shutdownGraceMs?: number;
  /**
   * The cluster side of `--kubernetes` (kubernetes-controller.ts): Gateway addresses for the
   * translator, and after each reconcile the leader's status writes and Envoy workloads.
   */
  cluster?: KubernetesController;
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
  const tlsSource = options.tls && 'initial' in options.tls ? options.tls : undefined;
  const xds = createXdsGrpcServer({
    watcher: publisher.cache,
    address: options.xdsAddress ?? DEFAULT_XDS_ADDRESS,
    metrics: registry,
    onEvent: logStreamEvent,
    ...(options.tls ? { tls: initialTls(options.tls) } : {}),
    ...(options.xdsIdentity ? { identity: options.xdsIdentity } : {}),
    // Names the claimed gateway and the certificate's identity, never key material.
    onDenied: (denial, stream) =>
      logger.warn('xDS stream refused: the client certificate may not serve the gateway it claims', {
        gateway: denial.gateway,
        identity: denial.identity,
        reason: denial.reason,
        peer: stream.peer,
        streamId: stream.streamId,
      }),
  });
  const reconciler = createReconciler({
    publisher,
    metrics,
    logger,
    controllerName,
    sourceErrors: () => provider.sources().filter((s) => s.state === 'error').length,
    ...(options.cluster ? { gatewayAddresses: (gateway: string) => options.cluster!.gatewayAddresses(gateway) } : {}),
  });
  if (options.cluster) registerClusterMetrics(registry, options.cluster);
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
  let stopTlsWatch: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  function readiness(): Readiness {
    const waitingFor = [...(xdsListening ? [] : ['the xDS server to listen']), ...(published ? [] : ['the first snapshot to be translated and published'])];
    return { ready: waitingFor.length === 0 && !stopping, waitingFor: stopping ? ['nothing: shutting down'] : waitingFor };
  }

  function onSnapshot(snapshot: ProviderSnapshot, force = false): void {
    try {
      if (reconciler.reconcile(snapshot, { force }).result !== 'success') return;
      published = true;
      options.cluster?.afterReconcile(reconciler.state()!.result, snapshot);
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
      stopTlsWatch = tlsSource?.watch((tls) => xds.updateTls(tls));
      xdsListening = true;
      providerStarted = true;
      const first = await provider.start();
      options.cluster?.start(() => provider.current(), () => {
        if (!stopping) onSnapshot(provider.current(), true);
      });
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
      stopTlsWatch?.();
      const steps: [string, () => Promise<void>][] = [
        // The Lease first, so another replica takes over the cluster's statuses at once.
        ['cluster controller', () => options.cluster?.stop() ?? Promise.resolve()],
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

/** Leadership and status-write figures of `--kubernetes`, read when Prometheus scrapes. */
function registerClusterMetrics(registry: Registry, cluster: KubernetesController): void {
  new Gauge({
    name: 'portico_leader',
    help: '1 while this replica holds the Lease (writes statuses, manages Envoy workloads)',
    registers: [registry],
    collect() {
      this.set(cluster.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'portico_status_writes',
    help: 'Status writes to the API server since start, by outcome (written, unchanged: skipped as equal, conflicts, notFound, failures)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const f = cluster.figures().statusWrites;
      for (const [outcome, value] of Object.entries({ written: f.writes, unchanged: f.unchanged, conflicts: f.conflicts, notFound: f.notFound, failures: f.failures })) this.set({ outcome }, value);
    },
  });
}
