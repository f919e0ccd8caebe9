/**
 * After the translation worker stops (a crash, the heap limit, an answer that could not be read), the
 * served snapshot is still on this thread and Envoys keep their config, but what only the worker held
 * is gone: the IR of each build (`/debug/ir`, NACK containment's search of a served version), the
 * config dumps (`/debug/xds`) and the build history. Left alone, all of it stays gone until the
 * provider's next change, which may be hours away. So the current snapshot is translated again on a
 * new worker, soon after the loss.
 *
 * A snapshot that itself kills the worker would do it again: the retries back off (doubling, up to
 * `maxDelayMs`), like a crash loop, and any successful translation resets the delay and cancels a
 * retry still pending (a new snapshot started a worker meanwhile).
 */
import type { Logger } from '../logger.js';

export const DEFAULT_WORKER_RECOVERY_DELAY_MS = 1_000;
export const DEFAULT_WORKER_RECOVERY_MAX_DELAY_MS = 60_000;

export interface WorkerRecoveryOptions {
  logger: Logger;
  /** Translates the current snapshot again (on a new worker: the host starts one for it). */
  retranslate: () => Promise<unknown>;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WorkerRecovery {
  /** The worker stopped: translate the current snapshot again after the current delay (one retry pending at most). */
  lost(why: string): void;
  /** How many losses so far: taken when a translation starts, and given back to `succeeded`. */
  losses(): number;
  /**
   * A translation that started when `losses()` was `since` succeeded: unless the worker stopped since
   * it started, the next loss waits the initial delay again, and no retry is needed now.
   */
  succeeded(since: number): void;
  close(): void;
}

export function createWorkerRecovery(options: WorkerRecoveryOptions): WorkerRecovery {
  const initial = options.initialDelayMs ?? DEFAULT_WORKER_RECOVERY_DELAY_MS;
  const max = options.maxDelayMs ?? DEFAULT_WORKER_RECOVERY_MAX_DELAY_MS;
  let delay = initial;
  let pending: NodeJS.Timeout | undefined;
  let closed = false;
  let losses = 0;
  return {
    lost(why) {
      losses += 1;
      if (closed || pending) return;
      options.logger.warn('the translation worker stopped; the current snapshot is translated again on a new worker', { reason: why, delayMs: delay });
      pending = setTimeout(() => {
        pending = undefined;
        // Its failure is the reconciler's to report (logs, metrics, health), as for any snapshot.
        options.retranslate().catch(() => undefined);
      }, delay);
      // A server that is stopping is not kept alive by a retry.
      pending.unref();
      delay = Math.min(delay * 2, max);
    },
    losses: () => losses,
    succeeded(since) {
      if (since !== losses) return;
      delay = initial;
      clearTimeout(pending);
      pending = undefined;
    },
    close() {
      closed = true;
      clearTimeout(pending);
      pending = undefined;
    },
  };
}
