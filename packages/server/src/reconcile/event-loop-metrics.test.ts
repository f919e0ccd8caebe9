import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createEventLoopMetrics, type DelayHistogram } from './event-loop-metrics.js';

function quantile(text: string, q: string): number {
  const match = new RegExp(`^portico_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no quantile ${q} in:\n${text}`);
  return Number(match[1]);
}

/** A histogram whose recorded delays the test sets (milliseconds). */
function fakeHistogram() {
  let samples: number[] = [];
  const histogram: DelayHistogram & { record(ms: number[]): void; enabled: boolean } = {
    enabled: false,
    record: (ms) => void (samples = [...ms].sort((a, b) => a - b)),
    get count() {
      return samples.length;
    },
    get max() {
      return (samples.at(-1) ?? 0) * 1e6;
    },
    percentile: (p: number) => (samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] ?? 0) * 1e6,
    reset: () => void (samples = []),
    enable() {
      return (this.enabled = true);
    },
    disable() {
      this.enabled = false;
      return true;
    },
  };
  return histogram;
}

describe('event-loop delay metric', () => {
  it('exports the quantiles and the longest delay since the previous scrape, in seconds, then starts over', async () => {
    const registry = new Registry();
    const monitor = fakeHistogram();
    const metrics = createEventLoopMetrics(registry, { monitor });
    expect(monitor.enabled).toBe(true);
    monitor.record([...Array.from({ length: 98 }, () => 1), 30, 2500]);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE portico_event_loop_delay_seconds gauge');
    expect(quantile(text, '0.5')).toBe(0.001);
    expect(quantile(text, '0.99')).toBe(0.03);
    expect(quantile(text, '1')).toBe(2.5);
    // Nothing recorded since: zeros, not the last scrape's figures (nor NaN).
    const next = await registry.metrics();
    expect(['0.5', '0.9', '0.99', '1'].map((q) => quantile(next, q))).toEqual([0, 0, 0, 0]);
    metrics.stop();
    expect(monitor.enabled).toBe(false);
  });

  it('sees a real block of the event loop', async () => {
    const registry = new Registry();
    const metrics = createEventLoopMetrics(registry);
    try {
      await registry.metrics();
      // The monitor's first tick after a reset only starts its clock (so the rest of the scrape's own
      // turn is not measured; a reconcile never runs in that turn): let it tick, even on a busy machine.
      await sleep(20);
      const until = performance.now() + 60;
      while (performance.now() < until); // holds the loop for 60 ms
      await sleep(20); // the monitor records the blocked stretch when its timer next fires
      expect(quantile(await registry.metrics(), '1')).toBeGreaterThanOrEqual(0.05);
    } finally {
      metrics.stop();
    }
  });
});
