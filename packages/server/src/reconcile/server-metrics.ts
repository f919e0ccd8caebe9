/**
 * Prometheus metrics of the composition root, registered in the same registry as the xDS server's
 * (`portico_xds_*`), so /metrics is one scrape. Names follow Prometheus conventions: `_total` for
 * counters, base units (`_seconds`), and a label only where its values are few and known.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PublishResult } from './publish-gateways.js';

export type ReconcileResult = 'success' | 'error';

export interface ServerMetrics {
  /**
   * One reconcile (a provider snapshot translated and published), counted once under each kind of
   * object that changed since the previous one (`kind="none"` when nothing did), so a dashboard
   * shows which kinds drive the work and how long it takes.
   */
  reconciled(kinds: readonly string[], result: ReconcileResult, seconds: number): void;
  translated(seconds: number): void;
  published(results: readonly PublishResult[]): void;
  /** An object (of `kind`) started failing to translate: it is left out, everything else is served. */
  translationError(kind: string): void;
  /** Objects left out of the latest translation because translating them threw. */
  failingObjects(count: number): void;
  /** The current picture: gateways served, objects by kind, sources whose last read failed. */
  observe(state: { gateways: number; objectsByKind: ReadonlyMap<string, number>; sourceErrors: number }): void;
}

/**
 * Translation times from a handful of objects (well under a millisecond) up to the seconds a very
 * large cluster may take.
 */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServerMetricsOptions {
  /** Also export the process metrics (`process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds` …). Default true. */
  processMetrics?: boolean;
}

export function createServerMetrics(registry: Registry, options: ServerMetricsOptions = {}): ServerMetrics {
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const reconciles = new Counter({
    name: 'portico_reconcile_total',
    help: 'Provider snapshots reconciled (translated and published), by kind of object that changed and result',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const reconcileDuration = new Histogram({
    name: 'portico_reconcile_duration_seconds',
    help: 'Time to reconcile a provider snapshot (translate, build, encode, publish), by kind of object that changed',
    labelNames: ['kind'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const translationDuration = new Histogram({
    name: 'portico_translation_duration_seconds',
    help: 'Time to translate Gateway API and Ingress resources into the IR of every gateway',
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const snapshots = new Counter({
    name: 'portico_snapshot_publishes_total',
    help: 'Per-gateway snapshot candidates, by outcome (published, unchanged, rejected by the consistency gate, error)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const gateways = new Gauge({ name: 'portico_gateways', help: 'Gateways with a published xDS snapshot', registers: [registry] });
  const resources = new Gauge({
    name: 'portico_resources',
    help: 'Objects the provider holds, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const sourceErrors = new Gauge({
    name: 'portico_source_errors',
    help: 'Sources (files) whose last read failed; their last good objects are still served',
    registers: [registry],
  });
  const translationErrors = new Counter({
    name: 'portico_translation_errors_total',
    help: 'Objects that started failing to translate (an internal error, contained to the object: it is left out, everything else is served), by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const failingObjects = new Gauge({
    name: 'portico_translation_failing_objects',
    help: 'Objects left out of the latest translation because translating them threw (listed in /debug/status)',
    registers: [registry],
  });
  for (const outcome of ['published', 'unchanged', 'rejected', 'error']) snapshots.labels(outcome).inc(0);
  const knownKinds = new Set<string>();

  return {
    reconciled(kinds, result, seconds) {
      for (const kind of kinds.length > 0 ? kinds : ['none']) {
        reconciles.labels(kind, result).inc();
        reconcileDuration.labels(kind).observe(seconds);
      }
    },
    translated: (seconds) => translationDuration.observe(seconds),
    translationError: (kind) => translationErrors.labels(kind).inc(),
    failingObjects: (count) => failingObjects.set(count),
    published(results) {
      for (const r of results) snapshots.labels(r.outcome).inc();
    },
    observe(state) {
      gateways.set(state.gateways);
      sourceErrors.set(state.sourceErrors);
      // A kind that disappeared reads 0 rather than keeping its last count.
      for (const kind of knownKinds) if (!state.objectsByKind.has(kind)) resources.labels(kind).set(0);
      for (const [kind, count] of state.objectsByKind) {
        knownKinds.add(kind);
        resources.labels(kind).set(count);
      }
    },
  };
}
