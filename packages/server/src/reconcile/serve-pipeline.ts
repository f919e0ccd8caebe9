/**
 * The two ways `portico serve` turns snapshots into served xDS, behind one face: on the translation
 * worker (the default: translation, building and encoding off the event loop; worker-reconciler.ts)
 * or in process (`--translate-in-process`, for debugging and as the reference the worker is tested
 * against; reconciler.ts). The composition root (portico-server.ts) uses only this.
 */
import type { Worker } from 'node:worker_threads';
import type { ProviderSnapshot } from '@portico/provider';
import type { ExternalNameServices, RateLimitServiceOptions } from '@portico/translator';
import type { RateLimitConfigWriter } from '../rate-limit-config-writer.js';
import type { SnapshotCache } from '@portico/xds-server';
import { servedConfigDumps } from '../admin/served-config-dumps.js';
import type { ContainmentPublisher } from '../isolation/nack-containment.js';
import type { Quarantine } from '../isolation/quarantine.js';
import type { Logger } from '../logger.js';
import type { IrRewriteModule } from '../translation-worker/protocol.js';
import { createTranslationWorkerHost } from '../translation-worker/translation-worker-host.js';
import { createWorkerPublisher } from '../translation-worker/publish-worker-translation.js';
import type { GatewayFactSource } from './gateway-facts.js';
import type { PipelineHealth } from './pipeline-health.js';
import { createXdsPublisher, type XdsPublisherOptions } from './publish-gateways.js';
import { createReconciler, type ReconcileOutcome } from './reconciler.js';
import type { ServerMetrics } from './server-metrics.js';
import type { TranslatedState } from './translated-state.js';
import { createWorkerReconciler } from './worker-reconciler.js';
import { createWorkerRecovery, type WorkerRecovery } from './worker-recovery.js';

export interface ServePipeline {
  readonly mode: 'worker' | 'in-process';
  /** What the ADS server serves. */
  readonly cache: SnapshotCache;
  /** What NACK containment asks for: the IR of a served version, probes. */
  readonly containment: ContainmentPublisher;
  /** The quarantine NACK containment adds to: on the worker path, each addition reaches the worker's copy too. */
  readonly quarantine: Quarantine;
  /** One snapshot: translated, built, published. In order, one at a time. */
  reconcile(snapshot: ProviderSnapshot, options?: { force?: boolean }): Promise<ReconcileOutcome>;
  state(): TranslatedState | undefined;
  health(): PipelineHealth;
  /** The gateways with a served snapshot, in key order. */
  servedGateways(): string[];
  servedConfigDumps(gateways?: readonly string[]): Promise<Map<string, unknown>>;
  close(): Promise<void>;
}

export interface ServePipelineOptions {
  inProcess: boolean;
  metrics: ServerMetrics;
  logger: Logger;
  controllerName: string;
  externalNameServices?: ExternalNameServices;
  /** `--rate-limit-service`: where RateLimitPolicy `global` rules are asked. */
  rateLimitService?: RateLimitServiceOptions;
  /** `--rate-limit-config-dir`: the service's configuration files, written after every reconcile. */
  rateLimitConfig?: RateLimitConfigWriter;
  sourceErrors: () => number;
  gatewayFacts?: GatewayFactSource;
  quarantine: Quarantine;
  onSubscriberError: (error: unknown, gateway: string) => void;
  /** IR → resources instead of buildXds (tests of NACK containment): in process only, a function does not cross threads. */
  buildXds?: XdsPublisherOptions['build'];
  /** IR → IR before every build on the translation worker (tests of NACK containment on the worker path; `buildXds` in process). */
  workerRewriteIr?: IrRewriteModule;
  /** The compiled worker script (tests); default translation-worker.js of this package. */
  workerScript?: URL;
  /** Told of each translation worker started (tests end one to see the server recover). */
  onWorkerStarted?: (worker: Worker) => void;
  /** Before the current snapshot is translated again after the worker stopped (worker-recovery.ts); tests shorten it. */
  workerRecoveryDelayMs?: number;
}

export function createServePipeline(options: ServePipelineOptions): ServePipeline {
  return options.inProcess || options.buildXds ? inProcessPipeline(options) : workerPipeline(options);
}

function inProcessPipeline(options: ServePipelineOptions): ServePipeline {
  const publisher = createXdsPublisher({ onSubscriberError: options.onSubscriberError, quarantine: options.quarantine, ...(options.buildXds ? { build: options.buildXds } : {}) });
  const facts = options.gatewayFacts;
  const reconciler = createReconciler({
    publisher,
    metrics: options.metrics,
    logger: options.logger,
    controllerName: options.controllerName,
    ...(options.externalNameServices ? { externalNameServices: options.externalNameServices } : {}),
    ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
    ...(options.rateLimitConfig ? { rateLimitConfig: options.rateLimitConfig } : {}),
    sourceErrors: options.sourceErrors,
    ...(facts
      ? {
          gatewayAddresses: (gateway: string) => facts.gatewayAddresses(gateway),
          gatewayUnusableAddresses: (gateway: string, requested: readonly string[]) => facts.gatewayUnusableAddresses(gateway, requested),
          gatewayReadiness: (gateway: string) => facts.gatewayReadiness(gateway),
        }
      : {}),
    quarantine: options.quarantine,
  });
  return {
    mode: 'in-process',
    cache: publisher.cache,
    containment: publisher,
    quarantine: options.quarantine,
    reconcile: (snapshot, reconcileOptions) => {
      try {
        return Promise.resolve(reconciler.reconcile(snapshot, reconcileOptions));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    state: () => reconciler.state(),
    health: () => reconciler.health(),
    servedGateways: () => [...publisher.servedResources().keys()].sort(),
    servedConfigDumps: async (gateways) => servedConfigDumps(publisher.servedResources(), gateways),
    close: () => Promise.resolve(),
  };
}

function workerPipeline(options: ServePipelineOptions): ServePipeline {
  const { quarantine } = options;
  // The host is made before the reconciler that translates again after a loss: told through this.
  let recovery: WorkerRecovery | undefined;
  const host = createTranslationWorkerHost({
    translate: {
      controllerName: options.controllerName,
      ...(options.externalNameServices ? { externalNameServices: options.externalNameServices } : {}),
      ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
    },
    ...(options.workerScript ? { script: options.workerScript } : {}),
    ...(options.workerRewriteIr ? { rewriteIr: options.workerRewriteIr } : {}),
    quarantined: () => quarantine.entries(),
    ...(options.onWorkerStarted ? { onWorkerStarted: options.onWorkerStarted } : {}),
    onWorkerLost: (why) => recovery?.lost(why),
  });
  const publisher = createWorkerPublisher({ onSubscriberError: options.onSubscriberError, probe: (ir) => host.probe(ir) });
  const reconciler = createWorkerReconciler({
    host,
    publisher,
    metrics: options.metrics,
    logger: options.logger,
    controllerName: options.controllerName,
    sourceErrors: options.sourceErrors,
    ...(options.gatewayFacts ? { gatewayFacts: options.gatewayFacts } : {}),
    ...(options.rateLimitConfig ? { rateLimitConfig: options.rateLimitConfig } : {}),
    quarantine,
  });
  /** The last snapshot asked for: what is translated again on a new worker. */
  let current: ProviderSnapshot | undefined;
  const reconcile = async (snapshot: ProviderSnapshot, reconcileOptions?: { force?: boolean }): Promise<ReconcileOutcome> => {
    current = snapshot;
    const losses = recovery!.losses();
    const outcome = await reconciler.reconcile(snapshot, reconcileOptions);
    if (outcome.result === 'success') recovery!.succeeded(losses);
    return outcome;
  };
  recovery = createWorkerRecovery({
    logger: options.logger,
    retranslate: () => (current ? reconcile(current, { force: true }) : Promise.resolve()),
    ...(options.workerRecoveryDelayMs !== undefined ? { initialDelayMs: options.workerRecoveryDelayMs } : {}),
  });
  return {
    mode: 'worker',
    cache: publisher.cache,
    containment: publisher,
    quarantine: {
      ...quarantine,
      add(entries) {
        quarantine.add(entries);
        host.quarantine(entries);
      },
    },
    reconcile,
    state: () => reconciler.state(),
    health: () => reconciler.health(),
    servedGateways: () => publisher.cache.gateways().sort(),
    servedConfigDumps: (gateways) => host.configDumps(gateways),
    close: () => {
      recovery!.close();
      return host.close();
    },
  };
}
