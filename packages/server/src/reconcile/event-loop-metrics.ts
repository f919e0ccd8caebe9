/**
 * How long the main thread's event loop was held, as Prometheus sees it: `portico_event_loop_delay_seconds`
 * by `quantile` (0.5, 0.9, 0.99, and 1 for the longest), over the time since the previous scrape. A
 * delay there is time during which xDS streams, /healthz and the providers' watches waited: the figure
 * the translation worker exists to keep low (issue: no main-thread step over 20 ms).
 *
 * Measured by perf_hooks.monitorEventLoopDelay (libuv's own timer, no sampling code of ours on the
 * loop). prom-client's `nodejs_eventloop_lag_*` gauges measure the same at a 10 ms resolution; this one
 * resolves to a millisecond, so a 20 ms step is told from a 30 ms one. After each scrape the monitor
 * starts over; its first tick only starts its clock, so the rest of the scrape's own turn (serializing
 * the metrics) is left out, never a reconcile, which runs in a turn of its own.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** The quantiles exported; 1 is the longest delay seen. */
export const EVENT_LOOP_QUANTILES = [0.5, 0.9, 0.99, 1] as const;

export interface EventLoopMetrics {
  /** Stops the monitor (shutdown; it never keeps the process alive). */
  stop(): void;
}

/** What is read of perf_hooks' IntervalHistogram (nanoseconds). */
export type DelayHistogram = Pick<IntervalHistogram, 'count' | 'max' | 'percentile' | 'reset' | 'enable' | 'disable'>;

export interface EventLoopMetricsOptions {
  /** Default 1 ms. */
  resolutionMs?: number;
  /** The histogram read; perf_hooks.monitorEventLoopDelay unless a test gives another. */
  monitor?: DelayHistogram;
}

export function createEventLoopMetrics(registry: Registry, options: EventLoopMetricsOptions = {}): EventLoopMetrics {
  const monitor = options.monitor ?? monitorEventLoopDelay({ resolution: options.resolutionMs ?? 1 });
  monitor.enable();
  new Gauge({
    name: 'portico_event_loop_delay_seconds',
    help: 'Main-thread event loop delay since the previous scrape, by quantile (1: the longest): time during which xDS streams, the admin server and the providers waited',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      // Nothing recorded yet (a scrape right after the previous one): 0 rather than NaN.
      const seen = monitor.count > 0;
      for (const q of EVENT_LOOP_QUANTILES) {
        const nanoseconds = !seen ? 0 : q === 1 ? monitor.max : monitor.percentile(q * 100);
        this.set({ quantile: String(q) }, nanoseconds / 1e9);
      }
      monitor.reset();
    },
  });
  return { stop: () => monitor.disable() };
}
