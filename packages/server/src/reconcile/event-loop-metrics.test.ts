import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createEventLoopMetrics } from './event-loop-metrics.js';

function quantile(text: string, q: string): number {
  const match = new RegExp(`^portico_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no quantile ${q} in:\n${text}`);
  return Number(match[1]);
}

describe('event-loop delay metric', () => {
  it('reports the longest block since the previous scrape, then starts over', async () => {
    const registry = new Registry();
    const metrics = createEventLoopMetrics(registry);
    try {
      await registry.metrics();
      // The monitor's first tick after a reset only starts its clock (so the rest of the scrape's own
      // turn is not measured; a reconcile never runs in that turn).
      await sleep(5);
      const until = performance.now() + 60;
      while (performance.now() < until); // holds the loop for 60 ms
      await sleep(5); // the monitor records the blocked stretch when its timer next fires
      const blocked = await registry.metrics();
      expect(quantile(blocked, '1')).toBeGreaterThanOrEqual(0.05);
      expect(quantile(blocked, '0.5')).toBeLessThanOrEqual(quantile(blocked, '1'));
      await sleep(5);
      const after = await registry.metrics();
      expect(quantile(after, '1')).toBeLessThan(0.05);
    } finally {
      metrics.stop();
    }
  });
});
