/**
 * Writes the translator's statuses back to the API server without flooding it (DESIGN.md §1 step 6).
 *
 * - Coalescing: `update()` records the newest desired status per object; a queued one is replaced by
 *   a newer one, and an object has at most one write in flight, so a stale status is never written
 *   after a newer one.
 * - Only changes are written: the merge (status-merge.ts) compares with the stored status first.
 * - A token bucket (rate-limit.ts) paces every request; at most `maxInFlight` objects are in flight.
 * - Failures never throw out of `update`: they are logged (kind/namespace/name, HTTP code, reason —
 *   never object contents) and the object is retried later with exponential backoff, unless a newer
 *   desired status or the object's removal from the desired set supersedes the retry.
 * - Routes and BackendTLSPolicies leaving the desired set get their entries of our controller removed
 *   (an empty `parents`/`ancestors`), since the translator no longer speaks for them.
 */
import type { KubeObject } from '@portico/resources';
import { describeApiError } from '../kube-api-call.js';
import { createTokenBucket, type TokenBucket } from './rate-limit.js';
import { createKubeStatusApi, type StatusApi } from './status-api.js';
import { StatusConflictError, writeObjectStatus, type WriteObjectContext } from './status-write-object.js';
import type { DesiredStatus, KubernetesLogger, StatusWriteFigures, StatusWriter, StatusWriterOptions } from '../types.js';

/** Knobs the tests turn; production uses the defaults. */
export interface StatusWriterTuning {
  bucket?: TokenBucket;
  conflictAttempts?: number;
  conflictBackoffMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export type StatusWriterCoreOptions = Omit<StatusWriterOptions, 'kubeConfig'> & StatusWriterTuning;

const SHARED_KINDS = new Set<DesiredStatus['kind']>(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'BackendPolicy', 'XTelemetryPolicy', 'AccessLogPolicy', 'RateLimitPolicy']);

function objectKey(d: Pick<DesiredStatus, 'kind' | 'namespace' | 'name'>): string {
  return d.namespace ? `${d.kind}/${d.namespace}/${d.name}` : `${d.kind}/${d.name}`;
}

/** The desired status that removes every entry of ours from a shared status. */
function withdrawal(d: DesiredStatus): DesiredStatus {
  return { kind: d.kind, namespace: d.namespace, name: d.name, status: d.kind === 'BackendTLSPolicy' || d.kind === 'XBackendTrafficPolicy' || d.kind === 'SecurityPolicy' || d.kind === 'BackendPolicy' || d.kind === 'XTelemetryPolicy' || d.kind === 'AccessLogPolicy' || d.kind === 'RateLimitPolicy' ? { ancestors: [] } : { parents: [] } };
}

/**
 * The default pace of status writes. 1,000 routes applied at once need 1,000 writes (one per route):
 * at 200/s after a burst of 500 that is 2.5 s, while a kube-apiserver takes far more (its default
 * in-flight limit is 200 mutating requests at once); `portico serve --status-qps` lowers it.
 */
export const DEFAULT_STATUS_QPS = 200;
export const DEFAULT_STATUS_BURST = 500;

const silentLogger: KubernetesLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  return createStatusWriterWithApi(createKubeStatusApi(options.kubeConfig), options);
}

export function createStatusWriterWithApi(api: StatusApi, options: StatusWriterCoreOptions): StatusWriter {
  const logger = options.logger ?? silentLogger;
  const maxInFlight = options.maxInFlight ?? 8;
  const bucket = options.bucket ?? createTokenBucket({ qps: options.qps ?? DEFAULT_STATUS_QPS, burst: options.burst ?? DEFAULT_STATUS_BURST });
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const figures: StatusWriteFigures = { writes: 0, reads: 0, unchanged: 0, coalesced: 0, conflicts: 0, notFound: 0, failures: 0 };

  /** The newest desired status per object we maintain (the last full set, plus withdrawals in progress). */
  const latest = new Map<string, { desired: DesiredStatus; withdrawal: boolean }>();
  const pending = new Map<string, DesiredStatus>();
  const running = new Map<string, Promise<void>>();
  const retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const failuresInARow = new Map<string, number>();
  /** What our last write stored, keyed by object, with the resourceVersion it replaced. */
  const ownWrites = new Map<string, { before: string | undefined; object: KubeObject }>();
  let idleWaiters: (() => void)[] = [];
  let stopped = false;

  const context: WriteObjectContext = {
    api,
    controllerName: options.controllerName,
    ownedConditionTypes: options.ownedConditionTypes,
    figures,
    takeToken: () => bucket.take(),
    cached(desired) {
      const cached = options.currentObject?.(desired.kind, desired.namespace, desired.name);
      const own = ownWrites.get(objectKey(desired));
      // A cache that has not seen our last write still shows the version it replaced: ours is newer.
      if (own && cached && cached.metadata.resourceVersion === own.before) return own.object;
      if (own && cached) ownWrites.delete(objectKey(desired));
      return cached;
    },
    stored(desired, before, object) {
      if (options.currentObject) ownWrites.set(objectKey(desired), { before, object });
    },
    stopped: () => stopped,
    conflictAttempts: options.conflictAttempts ?? 5,
    conflictBackoffMs: options.conflictBackoffMs ?? 25,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };

  function settleIdle() {
    if (pending.size > 0 || running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function enqueue(key: string, desired: DesiredStatus) {
    if (pending.has(key)) figures.coalesced++;
    pending.set(key, desired);
    const timer = retryTimers.get(key);
    if (timer) clearTimeout(timer);
    retryTimers.delete(key);
  }

  /** Stops maintaining an object: no queued write, no retry, no memory of it. */
  function forget(key: string) {
    latest.delete(key);
    pending.delete(key);
    failuresInARow.delete(key);
    ownWrites.delete(key);
    const timer = retryTimers.get(key);
    if (timer) clearTimeout(timer);
    retryTimers.delete(key);
  }

  function scheduleRetry(key: string) {
    if (stopped || pending.has(key) || !latest.has(key)) return;
    const failures = (failuresInARow.get(key) ?? 0) + 1;
    failuresInARow.set(key, failures);
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (failures - 1));
    const timer = setTimeout(() => {
      retryTimers.delete(key);
      const entry = latest.get(key);
      if (stopped || !entry || pending.has(key)) return;
      pending.set(key, entry.desired);
      pump();
    }, delay);
    timer.unref?.();
    retryTimers.set(key, timer);
    return delay;
  }

  async function run(key: string, desired: DesiredStatus) {
    try {
      await writeObjectStatus(context, desired);
      failuresInARow.delete(key);
      const entry = latest.get(key);
      if (entry?.withdrawal && entry.desired === desired) forget(key);
    } catch (error) {
      figures.failures++;
      const problem = error instanceof StatusConflictError ? { code: 409, reason: 'Conflict', message: error.message } : describeApiError(error);
      const retryInMs = scheduleRetry(key);
      logger.warn('status write failed', {
        kind: desired.kind,
        namespace: desired.namespace,
        name: desired.name,
        code: problem.code,
        reason: problem.reason,
        error: problem.message,
        retryInMs,
      });
    }
  }

  function pump() {
    for (const [key, desired] of pending) {
      if (stopped || running.size >= maxInFlight) break;
      if (running.has(key)) continue;
      pending.delete(key);
      const done = run(key, desired).finally(() => {
        running.delete(key);
        pump();
        settleIdle();
      });
      running.set(key, done);
    }
    settleIdle();
  }

  return {
    update(desiredSet) {
      if (stopped) return;
      const seen = new Set<string>();
      for (const desired of desiredSet) {
        const key = objectKey(desired);
        seen.add(key);
        latest.set(key, { desired, withdrawal: false });
        enqueue(key, desired);
      }
      for (const [key, entry] of latest) {
        if (seen.has(key) || entry.withdrawal) continue;
        if (SHARED_KINDS.has(entry.desired.kind)) {
          const desired = withdrawal(entry.desired);
          latest.set(key, { desired, withdrawal: true });
          enqueue(key, desired);
        } else {
          // Not ours to speak for any more (deleted, or another controller's now): drop queued work.
          forget(key);
        }
      }
      pump();
    },
    idle() {
      if (pending.size === 0 && running.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    figures: () => ({ ...figures }),
    async stop() {
      stopped = true;
      pending.clear();
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      await Promise.allSettled([...running.values()]);
      api.close?.();
      settleIdle();
    },
  };
}
