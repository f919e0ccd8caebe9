/**
 * The reconciler of `portico serve` with translation on the worker thread (translation-worker/):
 * the same steps, logs, metrics and health as reconciler.ts, but translation, building and encoding
 * run on the worker, and the main thread only sends the changed objects, publishes the encoded
 * resources it gets back (publish-worker-translation.ts) and keeps the statuses. The IR stays on the
 * worker: the state's `ir()` asks for it.
 *
 * Asynchronous, and still a single writer: reconciles run one after another in the order they are
 * asked for. A worker that dies fails the snapshot it was translating (as a translation that threw:
 * the last good config keeps being served); the next snapshot starts a new worker from every object,
 * and the current one is translated again soon after the loss (worker-recovery.ts).
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { GatewayIR } from '@portico/ir';
import type { ObjectChange, ProviderSnapshot } from '@portico/provider';
import type { ObjectStatus } from '@portico/translator';
import { createChangeTracker } from './changed-kinds.js';
import { errorFields, type Logger } from '../logger.js';
import type { Quarantine } from '../isolation/quarantine.js';
import type { ServerMetrics } from './server-metrics.js';
import { createFailureLog, createStatusChangeLog, logPublish, reportReconciled } from './reconcile-log.js';
import { createPipelineHealth, type PipelineHealth } from './pipeline-health.js';
import type { TranslatedState } from './translated-state.js';
import type { ReconcileOutcome } from './reconciler.js';
import { gatewayFactsOf, type GatewayFactSource } from './gateway-facts.js';
import type { TranslationWorkerHost } from '../translation-worker/translation-worker-host.js';
import type { WorkerPublisher } from '../translation-worker/publish-worker-translation.js';
import type { RateLimitConfigWriter } from '../rate-limit-config-writer.js';

export interface WorkerReconciler {
  /** `force`: translate even a generation already reconciled (something outside the snapshot changed). */
  reconcile(snapshot: ProviderSnapshot, options?: { force?: boolean }): Promise<ReconcileOutcome>;
  state(): TranslatedState | undefined;
  health(): PipelineHealth;
}

export interface WorkerReconcilerOptions {
  host: TranslationWorkerHost;
  publisher: WorkerPublisher;
  metrics: ServerMetrics;
  logger: Logger;
  controllerName: string;
  now?: () => Date;
  sourceErrors?: () => number;
  /** `--kubernetes`: what the cluster knows of each Gateway, asked before each translation (gateway-facts.ts). */
  gatewayFacts?: GatewayFactSource;
  /** The main thread's copy of the quarantine (statuses are marked on the worker; views and metrics read this). */
  quarantine?: Quarantine;
  /** `--rate-limit-config-dir`: where the files the worker makes for the rate-limit service go. */
  rateLimitConfig?: RateLimitConfigWriter;
}

export function createWorkerReconciler(options: WorkerReconcilerOptions): WorkerReconciler {
  const { host, publisher, metrics, logger, controllerName } = options;
  const now = options.now ?? (() => new Date());
  const tracker = createChangeTracker();
  const health = createPipelineHealth();
  const logFailures = createFailureLog(logger, metrics);
  const logStatusChanges = createStatusChangeLog(logger);
  let state: TranslatedState | undefined;
  /** The statuses map of the worker host's last answer. */
  let hostStatuses: ReadonlyMap<string, ObjectStatus> | undefined;
  let lastGeneration: number | undefined;
  /** Per gateway, how to ask the worker for the IR of its latest build. */
  let irOf = new Map<string, () => Promise<GatewayIR>>();
  let queue: Promise<unknown> = Promise.resolve();

  async function reconcileNow(snapshot: ProviderSnapshot, force: boolean): Promise<ReconcileOutcome> {
    const { generation } = snapshot;
    const again = force && generation === lastGeneration;
    if (lastGeneration !== undefined && generation <= lastGeneration && !again) {
      return { generation, result: 'skipped', changedKinds: [], published: [], removed: [] };
    }
    lastGeneration = generation;
    const started = performance.now();
    const at = now();
    let changedKinds: string[] = [];
    const failed = (error: unknown): ReconcileOutcome => {
      metrics.reconciled(changedKinds, 'error', (performance.now() - started) / 1000);
      health.translationFailed(generation, at, error);
      logger.error('translation failed: this is a bug in Portico; the last good config is still served', { generation, ...errorFields(error) });
      return { generation, result: 'error', changedKinds, published: [], removed: [] };
    };
    let answer;
    try {
      const gatewayFacts = options.gatewayFacts ? gatewayFactsOf(snapshot.resources, controllerName, options.gatewayFacts) : undefined;
      const translating = host.translate(snapshot, at, { force: again, ...(gatewayFacts ? { gatewayFacts } : {}) });
      // Its failure is read below, after the kinds: handled now, so it is never an unhandled rejection.
      translating.catch(() => undefined);
      // A snapshot without `changes` is compared object by object while the worker translates, in slices.
      changedKinds = again ? [] : snapshot.changes ? kindsOf(snapshot.changes) : await tracker.changedKindsInSlices(snapshot.objects);
      answer = await translating;
    } catch (error) {
      return failed(error);
    }
    if (answer.result !== 'success') return failed(answer.error);
    metrics.translated(answer.translateMs / 1000);
    health.translated(answer.failures);
    logFailures(answer.failures);

    // What the snapshot cache is handed, made ready a slice per turn: publishing is then its indexing alone.
    await publisher.prepare(answer);
    const { results, removed } = publisher.publish(answer);
    options.quarantine?.release(answer.released);
    health.published(results, removed, at);
    const nextIrOf = new Map<string, () => Promise<GatewayIR>>();
    for (const g of answer.gateways) {
      const ir = g.outcome === 'built' || g.outcome === 'patched' ? g.ir : irOf.get(g.gateway);
      if (ir) nextIrOf.set(g.gateway, ir);
    }
    irOf = nextIrOf;
    if (answer.rateLimitFiles) options.rateLimitConfig?.write(answer.rateLimitFiles);
    for (const r of results) logPublish(logger, r);
    for (const gateway of removed) {
      options.quarantine?.forget(gateway);
      logger.info('gateway removed: its snapshot is deleted, connected clients keep their config', { gateway });
    }
    // Publishing was this turn's work (the snapshot cache indexes every resource of a built gateway): the rest takes turns of its own.
    await nextTurn();
    // Every gateway served (one kept from a failed translation included: its last good IR is the worker's).
    const gateways = new Set(answer.gateways.map((g) => g.gateway));
    // The host hands out a new map when a status changed, and the previous answer's very map otherwise
    // (no compare of 10,000 entries per edit).
    const statusesChanged = state === undefined || answer.statuses !== hostStatuses;
    hostStatuses = answer.statuses;
    // The --kubernetes status writer looks at every status again only when handed a map it has not seen
    // (kubernetes-controller.ts). It must after every translation of changed objects, even when no
    // status changed: an object deleted and created again under the same name (the conformance suite
    // does this) has the same status as before, and none in the cluster yet. Only the EndpointSlice fast
    // path keeps the map, as in process.
    const statuses = answer.path === 'translate' && !statusesChanged ? new Map(answer.statuses) : (answer.statuses as Map<string, ObjectStatus>);
    const result = { statuses, diagnostics: answer.diagnostics, failures: answer.failures, ...(answer.shadowed ? { shadowed: answer.shadowed } : {}), gateways };
    const asked = irOf;
    state = {
      generation,
      objects: snapshot.objects,
      result,
      translatedAt: at.toISOString(),
      listenerPorts: new Map(answer.listenerPorts.map(([gateway, listeners]) => [gateway, { listeners }])),
      ir: async (keys) => {
        const wanted = (keys ?? [...asked.keys()]).filter((k) => asked.has(k));
        return new Map(await Promise.all(wanted.map(async (k) => [k, await asked.get(k)!()] as const)));
      },
    };
    if (statusesChanged) await logStatusChanges.inSlices(result);

    reportReconciled(logger, metrics, {
      generation,
      changedKinds,
      path: answer.path,
      gateways: answer.gateways.length,
      results,
      seconds: (performance.now() - started) / 1000,
      observed: { gateways: publisher.cache.gateways().length, objectsByKind: snapshot.resources.counts(), sourceErrors: options.sourceErrors?.() ?? 0 },
      details: { worker: { translateMs: Math.round(answer.translateMs), buildMs: Math.round(answer.buildMs) } },
    });
    return { generation, result: 'success', changedKinds, published: results, removed };
  }

  return {
    reconcile(snapshot, reconcileOptions = {}) {
      const run = queue.then(() => reconcileNow(snapshot, reconcileOptions.force === true));
      queue = run.catch(() => undefined);
      return run;
    },
    state: () => state,
    health: () => health,
  };
}

function kindsOf(changes: readonly ObjectChange[]): string[] {
  return [...new Set(changes.map((c) => c.kind))].sort();
}
