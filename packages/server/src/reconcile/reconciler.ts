/**
 * One provider snapshot in, every gateway's xDS snapshot out: translate (pure), publish per gateway
 * (publish-gateways.ts), and keep what the debug endpoints show. A single writer: snapshots are
 * reconciled one at a time, synchronously, in the order the provider publishes them.
 *
 * Nothing a user writes can stop the server: user mistakes are statuses and diagnostics (logged
 * when they change), and an exception from the translator or from building one gateway is a
 * programming error, logged with its stack, while the last good config keeps being served. An
 * exception while translating one object costs that object only (the translator contains it, see
 * `TranslationResult.failures`): it is logged with its stack and counted when it starts failing, and
 * a gateway left out because of it keeps its last good snapshot. `health()` says what is broken, for
 * /readyz and /debug/status.
 */
import { performance } from 'node:perf_hooks';
import type { GatewayIR } from '@portico/ir';
import type { ProviderSnapshot } from '@portico/provider';
import type { GatewayStatusAddress } from '@portico/resources';
import type { ObjectChange } from '@portico/provider';
import { createTranslationCache, translate, translateEndpointChange, type ExternalNameServices, type GatewayReadiness, type RateLimitServiceOptions, type TranslationResult, type UnusableGatewayAddress } from '@portico/translator';
import { createChangeTracker } from './changed-kinds.js';
import type { RateLimitConfigWriter } from '../rate-limit-config-writer.js';
import { errorFields, type Logger } from '../logger.js';
import type { PublishResult, XdsPublisher } from './publish-gateways.js';
import type { Quarantine } from '../isolation/quarantine.js';
import { withQuarantineStatuses } from '../isolation/quarantine-status.js';
import type { ServerMetrics } from './server-metrics.js';
import { createFailureLog, createStatusChangeLog, logPublish, reportReconciled } from './reconcile-log.js';
import { createPipelineHealth, type PipelineHealth } from './pipeline-health.js';
import { irOfResult, type TranslatedState } from './translated-state.js';
import { rateLimitServiceConfig } from '@portico/xds';

export type { TranslatedState } from './translated-state.js';

/** The last snapshot that translated, with its whole TranslationResult (the IR in it). */
export interface InProcessState extends TranslatedState {
  result: TranslationResult;
}

export interface ReconcileOutcome {
  generation: number;
  /** `skipped`: a generation already reconciled. `error`: translation threw; nothing changed. */
  result: 'success' | 'error' | 'skipped';
  changedKinds: string[];
  published: PublishResult[];
  removed: string[];
}

export interface Reconciler {
  /** `force`: translate even a generation already reconciled (something outside the snapshot changed, e.g. addresses). */
  reconcile(snapshot: ProviderSnapshot, options?: { force?: boolean }): ReconcileOutcome;
  /** The last snapshot that translated, if any. */
  state(): InProcessState | undefined;
  /** The IR behind each gateway's served snapshot (the last good one when a later candidate failed). */
  served(): ReadonlyMap<string, GatewayIR>;
  /** What is broken in the pipeline right now (readiness, /debug/status). */
  health(): PipelineHealth;
}

export interface ReconcilerOptions {
  publisher: XdsPublisher;
  metrics: ServerMetrics;
  logger: Logger;
  controllerName: string;
  /** The `lastTransitionTime` of conditions; the clock by default. */
  now?: () => Date;
  /** Sources whose last read failed (for the `portico_source_errors` gauge). */
  sourceErrors?: () => number;
  /** Addresses the infrastructure assigned to each Gateway (the translator option of the same name). */
  gatewayAddresses?: (gateway: string) => GatewayStatusAddress[] | undefined;
  /** Static addresses the infrastructure could not give each Gateway (the translator option of the same name). */
  gatewayUnusableAddresses?: (gateway: string, requested: readonly string[]) => readonly UnusableGatewayAddress[] | undefined;
  /** Ready Envoy replicas of each managed Gateway (the translator option of the same name). */
  gatewayReadiness?: (gateway: string) => GatewayReadiness | undefined;
  /** Routes Envoy refused (the publisher's quarantine): their statuses say so. */
  quarantine?: Quarantine;
  /** ExternalName Services as backends (the translator option of the same name); refused by default. */
  externalNameServices?: ExternalNameServices;
  /** The rate-limit service global rate limits are asked of (the translator option of the same name). */
  rateLimitService?: RateLimitServiceOptions;
  /** Receives the served Gateways after every reconcile: writes the rate-limit service's config. */
  rateLimitConfig?: RateLimitConfigWriter;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { publisher, metrics, logger, controllerName } = options;
  const now = options.now ?? (() => new Date());
  const externalNames = {
    ...(options.externalNameServices ? { externalNameServices: options.externalNameServices } : {}),
    ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
  };
  const tracker = createChangeTracker();
  // Unchanged routes and backends are not translated again; see @portico/translator translation-cache.ts.
  const translationCache = createTranslationCache();
  const served = new Map<string, GatewayIR>();
  let state: InProcessState | undefined;
  /** The translator's own result behind `state` (without quarantine conditions): the base of the endpoint fast path. */
  let translated: TranslationResult | undefined;
  /** The translation cache holds exactly what `state` was translated from (no failed translation since). */
  let cacheMatchesState = false;
  let lastGeneration: number | undefined;
  const health = createPipelineHealth();
  const logFailures = createFailureLog(logger, metrics);
  const logStatusChanges = createStatusChangeLog(logger);

  function reconcile(snapshot: ProviderSnapshot, reconcileOptions: { force?: boolean } = {}): ReconcileOutcome {
    const { generation } = snapshot;
    const again = reconcileOptions.force === true && generation === lastGeneration;
    if (lastGeneration !== undefined && generation <= lastGeneration && !again) {
      return { generation, result: 'skipped', changedKinds: [], published: [], removed: [] };
    }
    lastGeneration = generation;
    const started = performance.now();
    const changedKinds = again ? [] : snapshot.changes ? kindsOf(snapshot.changes) : tracker.changedKinds(snapshot.objects);
    const at = now();
    let result: TranslationResult;
    let endpointsOnly = false;
    try {
      // Only EndpointSlices changed: nothing but endpoints can differ (translateEndpointChange).
      endpointsOnly = !!(!again && state && cacheMatchesState && snapshot.changes?.length && snapshot.changes.every((c) => c.kind === 'EndpointSlice'));
      cacheMatchesState = false;
      result = endpointsOnly
        ? translateEndpointChange(translated!, snapshot.resources, { controllerName, now: at, cache: translationCache, ...externalNames }, snapshot.changes)
        : translate(snapshot.resources, {
            controllerName,
            now: at,
            cache: translationCache,
            ...externalNames,
            ...(options.gatewayAddresses ? { gatewayAddresses: options.gatewayAddresses } : {}),
            ...(options.gatewayUnusableAddresses ? { gatewayUnusableAddresses: options.gatewayUnusableAddresses } : {}),
            ...(options.gatewayReadiness ? { gatewayReadiness: options.gatewayReadiness } : {}),
          });
      cacheMatchesState = true;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      metrics.reconciled(changedKinds, 'error', seconds);
      health.translationFailed(generation, at, error);
      logger.error('translation failed: this is a bug in Portico; the last good config is still served', { generation, ...errorFields(error) });
      return { generation, result: 'error', changedKinds, published: [], removed: [] };
    }
    metrics.translated((performance.now() - started) / 1000);
    health.translated(result.failures);
    logFailures(result.failures);

    const { results, removed } = publisher.publishGateways(keepFailedGateways(result));
    health.published(results, removed, at);
    for (const r of results) {
      const ir = result.gateways.get(r.gateway) ?? served.get(r.gateway)!;
      if (r.outcome === 'published' || r.outcome === 'unchanged') served.set(r.gateway, r.ir ?? ir);
      logPublish(logger, r);
    }
    translated = result;
    result = withQuarantineStatuses(result, options.quarantine?.entries() ?? [], at, snapshot.resources.list('ListenerSet'));
    for (const gateway of removed) {
      served.delete(gateway);
      logger.info('gateway removed: its snapshot is deleted, connected clients keep their config', { gateway });
    }
    options.rateLimitConfig?.write(rateLimitServiceConfig(served.values()));
    const statusesChanged = result.statuses !== state?.result.statuses;
    state = { generation, objects: snapshot.objects, result, translatedAt: at.toISOString(), ir: irOfResult(result.gateways), listenerPorts: result.gateways };
    if (statusesChanged) logStatusChanges(result);

    reportReconciled(logger, metrics, {
      generation,
      changedKinds,
      path: endpointsOnly ? 'endpoints' : 'translate',
      gateways: result.gateways.size,
      results,
      seconds: (performance.now() - started) / 1000,
      observed: { gateways: publisher.cache.gateways().length, objectsByKind: snapshot.resources.counts(), sourceErrors: options.sourceErrors?.() ?? 0 },
    });
    return { generation, result: 'success', changedKinds, published: results, removed };
  }

  /**
   * The translation's gateways, plus the last good IR of each gateway that is missing only because
   * translating it threw (a failure that names it): its Envoys keep what they had rather than lose
   * their listeners to a bug of ours.
   */
  function keepFailedGateways(result: TranslationResult): ReadonlyMap<string, GatewayIR> {
    const kept = result.failures.filter((f) => f.gateway !== undefined && !result.gateways.has(f.gateway) && served.has(f.gateway));
    if (kept.length === 0) return result.gateways;
    const gateways = new Map(result.gateways);
    for (const f of kept) gateways.set(f.gateway!, served.get(f.gateway!)!);
    return gateways;
  }

  return { reconcile, state: () => state, served: () => served, health: () => health };
}

function kindsOf(changes: readonly ObjectChange[]): string[] {
  return [...new Set(changes.map((c) => c.kind))].sort();
}
