/**
 * What a reconcile tells the operator: objects that start failing to translate (with their stack,
 * counted once), what became of each gateway's snapshot, and objects whose health changed. Each logs a
 * change once, not on every reconcile. Apart from reconciler.ts so that a reconciler translating
 * elsewhere (on the translation worker) says the same things the same way.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Diagnostic, ObjectStatus, TranslationResult } from '@portico/translator';
import { errorFields, type Logger } from '../logger.js';
import type { PublishResult } from './publish-gateways.js';
import type { ServerMetrics } from './server-metrics.js';
import { isUnhealthy, statusRows, type StatusRow } from './status-rows.js';

/** Logs (with the stack) and counts each object that started failing to translate. */
export function createFailureLog(logger: Logger, metrics: ServerMetrics): (failures: TranslationResult['failures']) => void {
  /** `kind/namespace/name: message` of the objects that failed to translate last time, as logged. */
  let failing = new Set<string>();
  return (failures) => {
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
  };
}

export function logPublish(logger: Logger, r: PublishResult): void {
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

/** Statuses looked at per turn by StatusChangeLog.inSlices (a changed status costs ~10 µs). */
const STATUSES_PER_TURN = 500;

/**
 * Logs each object whose health changed (a new problem, a different one, or fixed), and each new
 * diagnostic. Only statuses that are not the very object of the previous translation are looked at
 * (the translator reuses an unchanged route's status), so a one-route change costs one route.
 */
export interface StatusChangeLog {
  (result: Pick<TranslationResult, 'statuses' | 'diagnostics'>): void;
  /**
   * The same, `perTurn` changed statuses per turn of the event loop: 10,000 new statuses (a first
   * translation) are ~100 ms of work, which the main thread must not spend in one step when
   * translation runs on the worker. Calls must not overlap.
   */
  inSlices(result: Pick<TranslationResult, 'statuses' | 'diagnostics'>, perTurn?: number): Promise<void>;
}

export function createStatusChangeLog(logger: Logger): StatusChangeLog {
  /** Per status key, the unhealthy rows (by parent) and their problem, as last logged. */
  let problemsOf = new Map<string, Map<string, string>>();
  let previousStatuses: ReadonlyMap<string, ObjectStatus> = new Map();
  let diagnostics = new Set<string>();
  /** Rows per status object: the translator hands back the same object for an unchanged route status. */
  const rowMemo = new WeakMap<ObjectStatus, StatusRow[]>();
  function rowsOf(status: ObjectStatus): StatusRow[] {
    let rows = rowMemo.get(status);
    if (!rows) rowMemo.set(status, (rows = statusRows([toStatusObject(status)])));
    return rows;
  }

  /** One status: its problems into `next`; true when it was looked at (not the previous translation's object). */
  function logStatus(statusKey: string, status: ObjectStatus, next: Map<string, Map<string, string>>): boolean {
    const before = problemsOf.get(statusKey);
    if (previousStatuses.get(statusKey) === status) {
      if (before) next.set(statusKey, before);
      return false;
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
    return true;
  }

  function finish(result: Pick<TranslationResult, 'statuses' | 'diagnostics'>, next: Map<string, Map<string, string>>): void {
    previousStatuses = result.statuses;
    problemsOf = next;

    const nextDiagnostics = new Set(result.diagnostics.map(diagnosticKey));
    for (const d of result.diagnostics) {
      if (!diagnostics.has(diagnosticKey(d))) logger.warn(d.message, { kind: d.kind, ...(d.namespace ? { namespace: d.namespace } : {}), name: d.name });
    }
    diagnostics = nextDiagnostics;
  }

  const log = (result: Pick<TranslationResult, 'statuses' | 'diagnostics'>): void => {
    const next = new Map<string, Map<string, string>>();
    for (const [statusKey, status] of result.statuses) logStatus(statusKey, status, next);
    finish(result, next);
  };
  return Object.assign(log, {
    async inSlices(result: Pick<TranslationResult, 'statuses' | 'diagnostics'>, perTurn = STATUSES_PER_TURN): Promise<void> {
      const next = new Map<string, Map<string, string>>();
      let looked = 0;
      for (const [statusKey, status] of result.statuses) {
        if (!logStatus(statusKey, status, next) || ++looked % perTurn !== 0) continue;
        await nextTurn();
      }
      finish(result, next);
    },
  });
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

export interface ReconciledReport {
  generation: number;
  changedKinds: readonly string[];
  /** 'endpoints': the EndpointSlice fast path (no route translated again); tests and operators check it. */
  path: 'translate' | 'endpoints';
  /** Gateways the translation produced. */
  gateways: number;
  results: readonly PublishResult[];
  seconds: number;
  /** What is served now, for the gauges. */
  observed: { gateways: number; objectsByKind: ReadonlyMap<string, number>; sourceErrors: number };
  /** More fields for the log line (the worker's own timings). */
  details?: Record<string, unknown>;
}

/** A successful reconcile, as either reconciler reports it: its metrics and one `reconciled` line. */
export function reportReconciled(logger: Logger, metrics: ServerMetrics, report: ReconciledReport): void {
  metrics.published(report.results);
  metrics.reconciled(report.changedKinds, 'success', report.seconds);
  metrics.observe(report.observed);
  logger.info('reconciled', {
    generation: report.generation,
    changed: report.changedKinds.join(',') || 'none',
    path: report.path,
    gateways: report.gateways,
    published: report.results.filter((r) => r.published).length,
    ms: Math.round(report.seconds * 10_000) / 10,
    ...report.details,
  });
}
