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
import type { GatewayStatusAddress, KubeObject } from '@portico/resources';
import type { ObjectChange } from '@portico/provider';
import { createTranslationCache, translate, translateEndpointChange, type Diagnostic, type ExternalNameServices, type GatewayReadiness, type ObjectStatus, type TranslationResult, type UnusableGatewayAddress } from '@portico/translator';
import { createChangeTracker } from './changed-kinds.js';
import { errorFields, type Logger } from '../logger.js';
import type { PublishResult, XdsPublisher } from './publish-gateways.js';
import type { Quarantine } from '../isolation/quarantine.js';
import { withQuarantineStatuses } from '../isolation/quarantine-status.js';
import type { ServerMetrics } from './server-metrics.js';
import { isUnhealthy, statusRows, type StatusRow } from './status-rows.js';
import { createPipelineHealth, type PipelineHealth } from './pipeline-health.js';

/** The last snapshot that translated: what /debug/ir and /debug/status show. */
export interface TranslatedState {
  generation: number;
  objects: KubeObject[];
  result: TranslationResult;
  /** ISO time of the translation. */
  translatedAt: string;
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
  state(): TranslatedState | undefined;
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
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { publisher, metrics, logger, controllerName } = options;
  const now = options.now ?? (() => new Date());
  const externalNames = options.externalNameServices ? { externalNameServices: options.externalNameServices } : {};
  const tracker = createChangeTracker();
  // Unchanged routes and backends are not translated again; see @portico/translator translation-cache.ts.
  const translationCache = createTranslationCache();
  const served = new Map<string, GatewayIR>();
  let state: TranslatedState | undefined;
  /** The translator's own result behind `state` (without quarantine conditions): the base of the endpoint fast path. */
  let translated: TranslationResult | undefined;
  /** The translation cache holds exactly what `state` was translated from (no failed translation since). */
  let cacheMatchesState = false;
  let lastGeneration: number | undefined;
  /** Per status key, the unhealthy rows (by parent) and their problem, as last logged. */
  let problemsOf = new Map<string, Map<string, string>>();
  let previousStatuses: ReadonlyMap<string, ObjectStatus> = new Map();
  let diagnostics = new Set<string>();
  const health = createPipelineHealth();
  /** `kind/namespace/name: message` of the objects that failed to translate last time, as logged. */
  let failing = new Set<string>();

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
      logPublish(r);
    }
    translated = result;
    result = withQuarantineStatuses(result, options.quarantine?.entries() ?? [], at, snapshot.resources.list('ListenerSet'));
    for (const gateway of removed) {
      served.delete(gateway);
      logger.info('gateway removed: its snapshot is deleted, connected clients keep their config', { gateway });
    }
    const statusesChanged = result.statuses !== state?.result.statuses;
    state = { generation, objects: snapshot.objects, result, translatedAt: at.toISOString() };
    if (statusesChanged) logStatusChanges(result);

    const seconds = (performance.now() - started) / 1000;
    metrics.published(results);
    metrics.reconciled(changedKinds, 'success', seconds);
    metrics.observe({ gateways: publisher.cache.gateways().length, objectsByKind: snapshot.resources.counts(), sourceErrors: options.sourceErrors?.() ?? 0 });
    logger.info('reconciled', {
      generation,
      changed: changedKinds.join(',') || 'none',
      // 'endpoints': the EndpointSlice fast path (no route translated again); tests and operators check it.
      path: endpointsOnly ? 'endpoints' : 'translate',
      gateways: result.gateways.size,
      published: results.filter((r) => r.published).length,
      ms: Math.round(seconds * 10_000) / 10,
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

  /** Logs (with the stack) and counts each object that started failing to translate. */
  function logFailures(failures: TranslationResult['failures']): void {
    const next = new Set<string>();
    for (const f of failures) {
      const key = `${f.kind}/${f.namespace ?? ''}/${f.name}: ${f.message}`;
      next.add(key);
      if (failing.has(key)) continue;
      metrics.translationError(f.kind);
      logger.error('translating an object failed: this is a bug in Portico; the object is left out, everything else is served', {
        kind: f.kind,
        ...(f.namespace ? { namespace: f.namespace } : {}),
        name: f.name,
        error: f.message,
        ...(f.stack ? { stack: f.stack } : {}),
        ...(f.gateway ? { gateway: f.gateway } : {}),
      });
    }
    failing = next;
    metrics.failingObjects(failures.length);
  }

  function logPublish(r: PublishResult): void {
    for (const entry of r.released ?? []) {
      logger.info('route released from quarantine: it changed, it gets another try', {
        gateway: r.gateway,
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
        ...(entry.rule === undefined ? {} : { rule: entry.rule }),
      });
    }
    if (r.outcome === 'published') logger.info('snapshot published', { gateway: r.gateway, version: r.version });
    else if (r.outcome === 'rejected') {
      logger.error('snapshot refused by the consistency check: this is a bug in Portico; the last good snapshot is still served', {
        gateway: r.gateway,
        problems: r.problems,
        ...(r.version ? { version: r.version } : {}),
      });
    } else if (r.outcome === 'error') {
      logger.error('building the snapshot failed: this is a bug in Portico; the last good snapshot is still served', { gateway: r.gateway, ...errorFields(r.error) });
    }
  }

  /** Rows per status object: the translator hands back the same object for an unchanged route status. */
  const rowMemo = new WeakMap<ObjectStatus, StatusRow[]>();
  function rowsOf(status: ObjectStatus): StatusRow[] {
    let rows = rowMemo.get(status);
    if (!rows) rowMemo.set(status, (rows = statusRows([toStatusObject(status)])));
    return rows;
  }

  /**
   * Logs each object whose health changed (a new problem, a different one, or fixed), and each new
   * diagnostic. Only statuses that are not the very object of the previous translation are looked at
   * (the translator reuses an unchanged route's status), so a one-route change costs one route.
   */
  function logStatusChanges(result: TranslationResult): void {
    const next = new Map<string, Map<string, string>>();
    for (const [statusKey, status] of result.statuses) {
      const before = problemsOf.get(statusKey);
      if (previousStatuses.get(statusKey) === status) {
        if (before) next.set(statusKey, before);
        continue;
      }
      const rows = new Map<string, StatusRow>();
      const current = new Map<string, string>();
      for (const row of rowsOf(status)) {
        const key = row.parent ?? '';
        rows.set(key, row);
        if (isUnhealthy(row)) current.set(key, `${row.reason} ${row.message ?? ''}`);
      }
      for (const [key, problem] of current) {
        if (before?.get(key) === problem) continue;
        const row = rows.get(key)!;
        logger.warn(`${row.kind} not healthy`, { ...objectFields(row), reason: row.reason, ...(row.message ? { detail: row.message } : {}) });
      }
      for (const key of before?.keys() ?? []) {
        const row = rows.get(key);
        if (row && !current.has(key)) logger.info(`${row.kind} healthy again`, objectFields(row));
      }
      if (current.size > 0) next.set(statusKey, current);
    }
    previousStatuses = result.statuses;
    problemsOf = next;

    const nextDiagnostics = new Set(result.diagnostics.map(diagnosticKey));
    for (const d of result.diagnostics) {
      if (!diagnostics.has(diagnosticKey(d))) logger.warn(d.message, { kind: d.kind, ...(d.namespace ? { namespace: d.namespace } : {}), name: d.name });
    }
    diagnostics = nextDiagnostics;
  }

  return { reconcile, state: () => state, served: () => served, health: () => health };
}

function toStatusObject(s: ObjectStatus) {
  return { kind: s.kind, metadata: { name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}) }, status: s.status };
}

function objectFields(row: StatusRow): Record<string, string> {
  return { kind: row.kind, ...(row.namespace ? { namespace: row.namespace } : {}), name: row.name, ...(row.parent ? { parent: row.parent } : {}) };
}

function diagnosticKey(d: Diagnostic): string {
  return `${d.kind}/${d.namespace ?? ''}/${d.name}: ${d.message}`;
}

function kindsOf(changes: readonly ObjectChange[]): string[] {
  return [...new Set(changes.map((c) => c.kind))].sort();
}
