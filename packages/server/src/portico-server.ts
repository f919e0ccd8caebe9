/**
 * The composition root of `portico serve`: a provider's snapshots → the reconciler (translate →
 * xDS → snapshot cache) → the ADS gRPC server, with the admin server beside them. The order of
 * start and shutdown is written here and nowhere else.
 */
import { performance } from 'node:perf_hooks';
import type { ProviderSnapshot, ResourceProvider } from '@portico/provider';
import { DEFAULT_CONTROLLER_NAME, type ExternalNameServices, type RateLimitServiceOptions } from '@portico/translator';
import { createRateLimitConfigWriter } from './rate-limit-config-writer.js';
import { loadUiAssets } from '@portico/ui';
import { createXdsGrpcServer, DEFAULT_XDS_ADDRESS, type GatewayAuthorizationOptions, type StreamEvent, type StreamLimits, type StreamRef, type XdsTlsOptions } from '@portico/xds-server';
import { Gauge, Registry } from 'prom-client';
import { createAdminServer, DEFAULT_ADMIN_ADDRESS, type Readiness } from './admin/admin-server.js';
import { debugViews, type DebugData } from './admin/debug-views.js';
import { errorFields, silentLogger, type Logger } from './logger.js';
import type { RecentLogs } from './recent-logs.js';
import { createContainmentMetrics } from './isolation/containment-metrics.js';
import { createEventLoopMetrics } from './reconcile/event-loop-metrics.js';
import { createNackContainment } from './isolation/nack-containment.js';
import type { XdsPublisherOptions } from './reconcile/publish-gateways.js';
import { createQuarantine } from './isolation/quarantine.js';
import { createServePipeline } from './reconcile/serve-pipeline.js';
import { createRefusalLog } from './isolation/refusal-log.js';
import { createServerMetrics } from './reconcile/server-metrics.js';
import { createConvergenceTracker } from './reconcile/convergence.js';
import type { KubernetesController } from './kubernetes-controller.js';
import { plaintextXdsWarning } from './xds-exposure.js';
import { initialTls, type XdsTlsSource } from './xds-tls-files.js';
import { createChangeSignal } from './ui/ui-events.js';
import { createUiHttp, type UiAssetSource } from './ui/ui-http.js';

export interface PorticoServerOptions {
  provider: ResourceProvider;
  /** Default `127.0.0.1:18000` (loopback); port 0 picks a free one. Plain text elsewhere is logged as a warning. */
  xdsAddress?: string;
  /** What one xDS client may cost (stream counts, a client that stops reading); defaults for any left out. */
  xdsLimits?: Partial<StreamLimits>;
  /** Default `127.0.0.1:19000`; port 0 picks a free one. */
  adminAddress?: string;
  /**
   * A second admin listener serving only /healthz, /readyz and /metrics (e.g. on the pod IP, for the
   * kubelet and Prometheus, while /debug stays on loopback). None by default.
   */
  metricsAddress?: string;
  /** Host names both admin listeners answer besides their own (`--admin-allowed-hosts`; `*`: any). */
  adminAllowedHosts?: readonly string[];
  /** GatewayClasses with this controllerName are ours (default `portico.dev/gateway-controller`). */
  controllerName?: string;
  /**
   * ExternalName Services as backends (`--allow-external-name-services`, `--allow-external-name-loopback`):
   * refused by default, since they let whoever creates a Service point a route at any host.
   */
  externalNameServices?: ExternalNameServices;
  /** The rate-limit service RateLimitPolicy `global` rules are asked of (`--rate-limit-service`). */
  rateLimitService?: RateLimitServiceOptions;
  /** Where the rate-limit service's config is written (`--rate-limit-config-dir`, rate-limit-config-writer.ts). */
  rateLimitConfigDir?: string;
  logger?: Logger;
  /** The logger's latest entries (createLogger's `recent`), served at /debug/logs. */
  recentLogs?: RecentLogs;
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
  /**
   * IR → Envoy resources, instead of `buildXds` (the publisher's `build`). For tests that need a
   * resource Envoy refuses past every validation (NACK containment through real Envoy). A function
   * cannot cross to the translation worker: given, translation runs in process.
   */
  buildXds?: XdsPublisherOptions['build'];
  /**
   * The same fault injection on the translation worker: a module (compiled JavaScript, a file: URL)
   * whose export `exportName` rewrites each gateway's IR before it is built, imported by the worker.
   */
  workerRewriteIr?: { module: URL; exportName: string };
  /**
   * Translate, build and encode on the main thread (`--translate-in-process`), as before the
   * translation worker: for debugging, and as the reference the worker is tested against. By default
   * they run on a worker thread, so xDS, probes and the admin server answer during a translation.
   */
  translateInProcess?: boolean;
  /** The compiled translation worker script (tests); default the package's own. */
  translationWorkerScript?: URL;
  /** How long NACK containment waits for a probe's answer (default 5 s). */
  probeTimeoutMs?: number;
  /**
   * Where the dashboard's page and assets come from (default @portico/ui's `loadUiAssets`: the files
   * `npm run build:ui` built), served at /ui of the admin address. When they are not built /ui answers
   * 503 saying so; /ui/api/* is served either way.
   */
  ui?: UiAssetSource;
}

export interface StartedServer {
  xdsPort: number;
  adminPort: number;
  /** The port of `metricsAddress`, when given. */
  metricsPort?: number;
  /** From start() to ready, in milliseconds. */
  startupMs: number;
}

export interface PorticoServer {
  /** Binds both servers, loads the first snapshot, publishes it; resolves once ready. Rejects (after cleaning up) if any step fails. */
  start(): Promise<StartedServer>;
  /** Stops the provider, ends xDS streams gracefully, closes the admin server. Idempotent. */
  shutdown(): Promise<void>;
  readiness(): Readiness;
  /**
   * Resolves once every snapshot handed over so far is reconciled (translated on the worker,
   * published). Snapshots reconcile asynchronously: tests that change the provider wait for this.
   */
  settled(): Promise<void>;
  /** The admin port once it listens, before start() resolves (the first translation may take seconds). */
  adminPort(): number | undefined;
}

export function createPorticoServer(options: PorticoServerOptions): PorticoServer {
  const { provider } = options;
  const logger = options.logger ?? silentLogger();
  const controllerName = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const registry = new Registry();
  const metrics = createServerMetrics(registry);
  const eventLoop = createEventLoopMetrics(registry);
  const mainQuarantine = createQuarantine();
  const pipeline = createServePipeline({
    inProcess: options.translateInProcess === true,
    metrics,
    logger,
    controllerName,
    ...(options.externalNameServices ? { externalNameServices: options.externalNameServices } : {}),
    ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
    ...(options.rateLimitConfigDir ? { rateLimitConfig: createRateLimitConfigWriter({ directory: options.rateLimitConfigDir, logger }) } : {}),
    sourceErrors: () => provider.sources().filter((s) => s.state === 'error').length,
    ...(options.cluster ? { gatewayFacts: options.cluster } : {}),
    quarantine: mainQuarantine,
    onSubscriberError: (error, gateway) => logger.error('an xDS stream failed on a snapshot update', { gateway, ...errorFields(error) }),
    ...(options.buildXds ? { buildXds: options.buildXds } : {}),
    ...(options.workerRewriteIr ? { workerRewriteIr: { module: options.workerRewriteIr.module.href, exportName: options.workerRewriteIr.exportName } } : {}),
    ...(options.translationWorkerScript ? { workerScript: options.translationWorkerScript } : {}),
  });
  const quarantine = pipeline.quarantine;
  const containmentMetrics = createContainmentMetrics(registry, () => quarantine.entries().length);
  const tlsSource = options.tls && 'initial' in options.tls ? options.tls : undefined;
  const xdsAddress = options.xdsAddress ?? DEFAULT_XDS_ADDRESS;
  const xds = createXdsGrpcServer({
    watcher: pipeline.cache,
    address: xdsAddress,
    metrics: registry,
    onEvent: (event, stream) => {
      logStreamEvent(event, stream);
      containment.onStreamEvent(event, stream);
      convergence.onStreamEvent(event, stream);
      // A proxy connected, was sent, ACKed, refused or left: the dashboard's data plane moved.
      uiChanges.emit();
    },
    onStreamRefused: createRefusalLog(logger),
    ...(options.xdsLimits ? { limits: options.xdsLimits } : {}),
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
  const convergence = createConvergenceTracker({
    client: (streamId) => xds.registry.client(streamId),
    onConverged: (gateway, seconds) => metrics.converged(gateway, seconds),
  });
  const containment = createNackContainment({
    publisher: pipeline.containment,
    quarantine,
    probe: (streamId, snapshot) => {
      convergence.probing(streamId);
      return xds.probe(streamId, snapshot);
    },
    client: (streamId) => xds.registry.client(streamId),
    // The quarantine changed, not the objects: translate and publish again (statuses included).
    republish: () => {
      if (!stopping && published) void onSnapshot(provider.current(), true);
    },
    logger,
    onOutcome: (outcome) => containmentMetrics.searched(outcome),
    ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
  });
  if (options.cluster) registerClusterMetrics(registry, options.cluster);
  const data: DebugData = {
    state: () => pipeline.state(),
    health: () => pipeline.health().view(),
    servedGateways: () => pipeline.servedGateways(),
    servedConfigDumps: (gateways) => pipeline.servedConfigDumps(gateways),
    servedVersion: (gateway) => pipeline.cache.snapshot(gateway)?.version,
    sources: () => provider.sources(),
    clients: () => xds.clients(),
    quarantined: (gateway) => quarantine.entries(gateway),
    convergence: (gateway) => convergence.view(gateway),
    clientAckSeconds: (streamId) => convergence.clientAckSeconds(streamId),
    ...(options.recentLogs ? { recentLogs: () => options.recentLogs!.view() } : {}),
    controllerName,
  };
  const uiChanges = createChangeSignal();
  const ui = createUiHttp({ data, changes: uiChanges, ui: options.ui ?? { assets: () => loadUiAssets() } });
  const adminHandlers = {
    readiness,
    metrics: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
    views: debugViews(data),
  };
  const allowedHosts = options.adminAllowedHosts ?? [];
  const admin = createAdminServer({ address: options.adminAddress ?? DEFAULT_ADMIN_ADDRESS, logger, handlers: adminHandlers, allowedHosts, ui });
  const metricsServer =
    options.metricsAddress === undefined ? undefined : createAdminServer({ address: options.metricsAddress, logger, handlers: adminHandlers, allowedHosts, serves: 'probes-and-metrics' });
  let xdsListening = false;
  let published = false;
  let providerStarted = false;
  let unsubscribe: (() => void) | undefined;
  let stopTlsWatch: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  let boundAdminPort: number | undefined;
  /** Reconciles asked for and not finished. */
  const reconciling = new Set<Promise<void>>();

  async function settled(): Promise<void> {
    while (reconciling.size > 0) await Promise.all(reconciling);
  }

  /** Reconciles one snapshot, tracked for settled(); never rejects. */
  function onSnapshot(snapshot: ProviderSnapshot, force = false): Promise<void> {
    const run = reconcileSnapshot(snapshot, force);
    reconciling.add(run);
    void run.finally(() => reconciling.delete(run));
    return run;
  }

  function readiness(): Readiness {
    const waitingFor = [
      ...(xdsListening ? [] : ['the xDS server to listen']),
      ...(published ? [] : ['the first snapshot to be translated and published']),
      // A pipeline that no longer carries changes to the Envoys is not ready, whatever it served before.
      ...pipeline.health().notReadyReasons(),
    ];
    return { ready: waitingFor.length === 0 && !stopping, waitingFor: stopping ? ['nothing: shutting down'] : waitingFor };
  }

  /** What fails is logged and kept in the pipeline's health. */
  async function reconcileSnapshot(snapshot: ProviderSnapshot, force: boolean): Promise<void> {
    // A forced reconcile answers something outside the objects (an address, the quarantine): it
    // starts now, not at the objects' last change.
    const changedAt = force ? performance.now() : (snapshot.changedAt ?? performance.now());
    try {
      const outcome = await pipeline.reconcile(snapshot, { force });
      uiChanges.emit();
      if (outcome.result !== 'success') return;
      const fresh = outcome.published.filter((r) => r.published && r.version);
      // The client table is copied once per reconcile, however many gateways were published.
      const clients = fresh.length > 0 ? xds.clients() : [];
      for (const r of fresh) convergence.published(r.gateway, r.version!, changedAt, clients.filter((c) => c.gateway === r.gateway));
      for (const gateway of outcome.removed) {
        convergence.forget(gateway);
        metrics.gatewayRemoved(gateway);
      }
      published = true;
      options.cluster?.afterReconcile(pipeline.state()!, snapshot);
      options.envoys?.sync(pipeline.cache.gateways()).catch((error: unknown) => logger.error('starting or stopping Envoys failed', errorFields(error)));
    } catch (error) {
      // The reconciler catches translation and per-gateway failures; anything left is a bug of ours,
      // and the server keeps serving the last good config rather than going down with it.
      logger.error('reconcile failed: this is a bug in Portico; the last good config is still served', { generation: snapshot.generation, ...errorFields(error) });
      pipeline.health().translationFailed(snapshot.generation, new Date(), error);
    }
  }

  function logStreamEvent(event: StreamEvent, stream: StreamRef): void {
    const fields = { stream: stream.streamId, protocol: stream.protocol };
    if (event.kind === 'connected') logger.info('xDS client connected', { ...fields, node: event.node.id, gateway: event.gateway });
    else if (event.kind === 'closed') logger.info('xDS client disconnected', fields);
    else if (event.kind === 'nack') {
      containmentMetrics.nacked(event.typeUrl);
      logger.warn('xDS client rejected a config (NACK); it keeps its last good one', { ...fields, typeUrl: event.typeUrl, version: event.version, detail: event.message });
    }
    // One push per stream per change (1,000 per update at 1,000 proxies): a disabled debug entry still
    // costs winston an info object and a stream write, so it is not even built.
    else if (event.kind === 'push' && logger.isDebugEnabled()) logger.debug('xDS push', { ...fields, typeUrl: event.typeUrl, version: event.version, resources: event.resources, bytes: event.bytes });
  }

  async function start(): Promise<StartedServer> {
    const started = performance.now();
    try {
      // Admin first: /healthz answers and /readyz says what is missing while the rest starts.
      const adminPort = await admin.start();
      boundAdminPort = adminPort;
      const metricsPort = await metricsServer?.start();
      const xdsPort = await xds.start();
      const exposure = plaintextXdsWarning(xdsAddress, options.tls !== undefined);
      if (exposure) logger.warn(exposure, { xdsAddress });
      stopTlsWatch = tlsSource?.watch((tls) => xds.updateTls(tls));
      xdsListening = true;
      providerStarted = true;
      const first = await provider.start();
      options.cluster?.start(() => provider.current(), () => {
        if (!stopping) void onSnapshot(provider.current(), true);
      });
      const firstReconcile = onSnapshot(first);
      unsubscribe = provider.onChange((snapshot) => void onSnapshot(snapshot));
      // A change published between the first snapshot and the subscription is not lost.
      if (provider.current().generation !== first.generation) void onSnapshot(provider.current());
      // Ready once the first snapshot is published (on the worker, that takes its translation).
      await firstReconcile;
      const startupMs = Math.round(performance.now() - started);
      logger.info('serving', { xds: xdsPort, admin: adminPort, ...(metricsPort === undefined ? {} : { metrics: metricsPort }), startupMs, ready: readiness().ready });
      return { xdsPort, adminPort, ...(metricsPort === undefined ? {} : { metricsPort }), startupMs };
    } catch (error) {
      await shutdown().catch(() => undefined);
      throw error;
    }
  }

  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      unsubscribe?.();
      stopTlsWatch?.();
      // What was handed over before the stop is finished (and told to the Envoys and the cluster).
      await settled();
      const steps: [string, () => Promise<void>][] = [
        // The Lease first, so another replica takes over the cluster's statuses at once.
        ['cluster controller', () => options.cluster?.stop() ?? Promise.resolve()],
        ['Envoys', () => options.envoys?.stop() ?? Promise.resolve()],
        ['provider', () => (providerStarted ? provider.stop() : Promise.resolve())],
        ['xDS server', () => xds.shutdown(options.shutdownGraceMs ?? 5_000)],
        ['admin server', () => admin.close()],
        ['metrics server', () => metricsServer?.close() ?? Promise.resolve()],
        ['translation', () => pipeline.close()],
        ['event-loop monitor', async () => eventLoop.stop()],
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

  return { start, shutdown, readiness, settled, adminPort: () => boundAdminPort };
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
