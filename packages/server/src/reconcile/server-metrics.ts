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
  /**
   * Every Envoy connected when a gateway's snapshot was published ACKed it: seconds from the change
   * behind it (convergence.ts).
   */
  converged(gateway: string, seconds: number): void;
  /** A gateway is gone: its labelled series go too, so the label stays bounded by the gateways served. */
  gatewayRemoved(gateway: string): void;
  /** The current picture: gateways served, objects by kind, sources whose last read failed. */
  observe(state: { gateways: number; objectsByKind: ReadonlyMap<string, number>; sourceErrors: number }): void;
}

/**
 * Translation times from a handful of objects (well under a millisecond) up to the seconds a very
 * large cluster may take.
 */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Convergence times: from the provider's hold-off (a few hundred milliseconds) and an Envoy's ACK
 * round trip up to the minute a stalled or refusing Envoy may take.
 */
const CONVERGENCE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60];

/** controller-runtime's own buckets of `controller_runtime_reconcile_time_seconds`, so its dashboards' quantiles compare. */
const CONTROLLER_RUNTIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20,
  25, 30, 40, 50, 60,
];

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
  const convergence = new Histogram({
    name: 'portico_xds_convergence_seconds',
    help: 'Time from a resource change to every Envoy connected when its snapshot was published having ACKed it, per gateway (a change superseded before converging is counted in the next one, from the earliest change)',
    labelNames: ['gateway'],
    buckets: CONVERGENCE_BUCKETS,
    registers: [registry],
  });
  // The series controller-runtime exports (sigs.k8s.io/controller-runtime pkg/internal/controller/metrics),
  // so the dashboards made for Kubernetes controllers (Envoy Gateway's, kubebuilder's) find ours. A
  // controller there reconciles one kind, named in lower case: ours is one reconcile for every kind
  // that changed, counted under each of them.
  const controllerReconciles = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller (one per kind of object that changed; result success or error)',
    labelNames: ['controller', 'result'],
    registers: [registry],
  });
  const controllerErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [registry],
  });
  const controllerTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: CONTROLLER_RUNTIME_BUCKETS,
    registers: [registry],
  });
  for (const outcome of ['published', 'unchanged', 'rejected', 'error']) snapshots.labels(outcome).inc(0);
  const knownKinds = new Set<string>();

  return {
    reconciled(kinds, result, seconds) {
      for (const kind of kinds.length > 0 ? kinds : ['none']) {
        reconciles.labels(kind, result).inc();
        reconcileDuration.labels(kind).observe(seconds);
        const controller = kind.toLowerCase();
        controllerReconciles.labels(controller, result).inc();
        if (result === 'error') controllerErrors.labels(controller).inc();
        controllerTime.labels(controller).observe(seconds);
      }
    },
    converged: (gateway, seconds) => convergence.labels(gateway).observe(seconds),
    gatewayRemoved: (gateway) => convergence.remove(gateway),
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
