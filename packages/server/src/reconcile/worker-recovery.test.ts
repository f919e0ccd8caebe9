/**
 * A translation worker that stops is replaced without waiting for the provider's next change: the
 * current snapshot is translated again on a new worker, so `/debug/ir`, `/debug/xds` and NACK
 * containment's IR history come back; retries back off while the worker keeps stopping.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { ProviderSnapshot } from '@portico/provider';
import { ResourceSet } from '@portico/resources';
import { Registry } from 'prom-client';
import { demoObjects, GATEWAY } from '../fixtures.test-util.js';
import { createQuarantine } from '../isolation/quarantine.js';
import { createLogger } from '../logger.js';
import { createServePipeline, type ServePipeline } from './serve-pipeline.js';
import { createServerMetrics } from './server-metrics.js';
import { createWorkerRecovery } from './worker-recovery.js';

const script = new URL('../../dist/translation-worker/translation-worker.js', import.meta.url);

function recordingLogger() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ stream, format: 'json' }), lines };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

describe('worker recovery', () => {
  it('translates again after the initial delay, doubling it while the worker keeps stopping, back to it after a success', async () => {
    const { logger, lines } = recordingLogger();
    const at: number[] = [];
    const started = Date.now();
    const recovery = createWorkerRecovery({ logger, initialDelayMs: 20, maxDelayMs: 50, retranslate: async () => void at.push(Date.now() - started) });
    recovery.lost('exit code 1');
    recovery.lost('exit code 1'); // one retry pending at most
    await until(() => at.length === 1);
    recovery.lost('exit code 1');
    await until(() => at.length === 2);
    recovery.lost('exit code 1');
    await until(() => at.length === 3);
    expect(at[0]).toBeGreaterThanOrEqual(20);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(40);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(50); // capped
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.delayMs)).toEqual([20, 40, 50]);
    recovery.succeeded(recovery.losses());
    const before = Date.now();
    recovery.lost('exit code 1');
    await until(() => at.length === 4);
    expect(Date.now() - before).toBeLessThan(45);
    recovery.close();
  });

  it('a success that started before the loss cancels nothing; one after it cancels the pending retry', async () => {
    const { logger } = recordingLogger();
    let retries = 0;
    const recovery = createWorkerRecovery({ logger, initialDelayMs: 30, retranslate: async () => void (retries += 1) });
    const startedBefore = recovery.losses();
    recovery.lost('exit code 1');
    recovery.succeeded(startedBefore);
    await until(() => retries === 1);
    recovery.lost('exit code 1');
    recovery.succeeded(recovery.losses());
    await sleep(120);
    expect(retries).toBe(1);
    recovery.lost('exit code 1');
    recovery.close();
    await sleep(120);
    expect(retries).toBe(1);
  });
});

describe('the worker pipeline after its worker stops', () => {
  let pipeline: ServePipeline | undefined;
  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
  });

  it('serves the IR and the config dumps again without a new snapshot, on a new worker, with the same snapshot version', async () => {
    const workers: Worker[] = [];
    const { logger, lines } = recordingLogger();
    pipeline = createServePipeline({
      inProcess: false,
      metrics: createServerMetrics(new Registry(), { processMetrics: false }),
      logger,
      controllerName: 'portico.dev/gateway-controller',
      sourceErrors: () => 0,
      quarantine: createQuarantine(),
      onSubscriberError: () => undefined,
      workerScript: script,
      onWorkerStarted: (w) => workers.push(w),
      workerRecoveryDelayMs: 50,
    });
    const resources = ResourceSet.from(demoObjects());
    const snapshot: ProviderSnapshot = { generation: 1, resources, objects: [...resources.all()] };
    expect((await pipeline.reconcile(snapshot)).result).toBe('success');
    const served = pipeline.cache.snapshot(GATEWAY);
    expect(served).toBeDefined();
    expect((await pipeline.state()!.ir()).has(GATEWAY)).toBe(true);

    const before = pipeline.state();
    await workers[0]!.terminate();
    const live = pipeline;
    // A new state (a translation on the new worker), whose IR the new worker holds.
    await until(() => workers.length === 2 && live.state() !== before);
    expect((await live.state()!.ir()).has(GATEWAY)).toBe(true);
    expect([...(await pipeline.servedConfigDumps()).keys()]).toEqual([GATEWAY]);
    // Translated again into the same bytes: the very snapshot served before, nothing new sent to Envoys.
    expect(pipeline.cache.snapshot(GATEWAY)).toBe(served);
    expect(lines.some((l) => l.level === 'warn' && /translated again on a new worker/.test(String(l.message)))).toBe(true);
  }, 30_000);
});
