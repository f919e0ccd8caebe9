/**
 * Lease-based leader election with client-go's semantics (`tools/leaderelection`), so Portico
 * replicas share one Lease the way Kubernetes controllers do:
 *
 * - A candidate takes the Lease when it does not exist, has no holder (released), or has not changed
 *   for `leaseDurationSeconds` as *observed* by this candidate: expiry is judged from when we last saw
 *   the record change on our own monotonic clock, never by comparing our clock with the holder's
 *   `renewTime`, so clock skew between nodes cannot cause two leaders.
 * - Every write carries the resourceVersion read (optimistic concurrency): two candidates racing for
 *   an expired Lease cannot both win.
 * - The leader renews every `retryPeriod`. It stops believing it leads `renewDeadline` after the start
 *   of its last successful renewal, whether or not it could tell anyone; since renewDeadline <
 *   leaseDuration and others wait leaseDuration from *after* that renewal, no two replicas ever
 *   believe they lead at once. After losing, it keeps trying to acquire again.
 * - `stop()` gives up leadership first, then releases the Lease (no holder, 1 s duration, as client-go's
 *   ReleaseOnCancel does) so another replica takes over at its next retry instead of a lease later.
 */
import type { KubernetesLogger, LeaderElectionOptions, LeaderElector } from './types.js';
import { describeApiError } from './kube-api-call.js';
import { createKubeLeaseLock, microTime, type LeaderElectionRecord, type LeaseLock, type ObservedLease } from './leader-election-lease.js';

/** Time for the elector; injectable for tests. */
export interface ElectionClock {
  /** Monotonic milliseconds: observation times and deadlines. */
  now(): number;
  /** Wall-clock time written into the record (acquireTime, renewTime). */
  wallNow(): Date;
}

const systemClock: ElectionClock = { now: () => performance.now(), wallNow: () => new Date() };

export type LeaderElectorCoreOptions = Omit<LeaderElectionOptions, 'kubeConfig' | 'namespace' | 'name'> & { clock?: ElectionClock };

const silentLogger: KubernetesLogger = { debug() {}, info() {}, warn() {}, error() {} };

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

export function createLeaderElector(options: LeaderElectionOptions): LeaderElector {
  const renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  const lock = createKubeLeaseLock({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    name: options.name,
    // A request outliving half the renew deadline is not worth waiting for: retry instead.
    requestTimeoutMs: Math.max(retryPeriodMs, renewDeadlineMs / 2),
  });
  return createLeaderElectorWithLock(lock, options);
}

export function createLeaderElectorWithLock(lock: LeaseLock, options: LeaderElectorCoreOptions): LeaderElector {
  const leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
    throw new Error(`leader election needs leaseDuration > renewDeadline > retryPeriod > 0 (got ${leaseDurationMs}, ${renewDeadlineMs}, ${retryPeriodMs} ms)`);
  }
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
  const { identity } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;

  /** The record as last seen, and when (monotonic) we saw it change. */
  let observed: (ObservedLease & { at: number; raw: string }) | undefined;
  let leading = false;
  /** Leadership ends at this monotonic time unless renewed. */
  let leadingUntil = 0;
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let failureStreak = 0;

  const observe = (lease: ObservedLease) => {
    const raw = JSON.stringify(lease.record);
    if (observed?.raw !== raw) observed = { ...lease, raw, at: clock.now() };
    else observed = { ...observed, resourceVersion: lease.resourceVersion };
  };

  function stopLeading(why: string) {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    deadlineTimer = undefined;
    if (!leading) return;
    leading = false;
    logger.info('stopped leading', { lease: lock.describe(), identity, why });
    options.onStoppedLeading();
  }

  function renewed(attemptStart: number) {
    leadingUntil = attemptStart + renewDeadlineMs;
    if (deadlineTimer) clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(() => stopLeading(`not renewed within ${renewDeadlineMs} ms`), Math.max(0, leadingUntil - clock.now()));
    if (leading) return;
    leading = true;
    logger.info('started leading', { lease: lock.describe(), identity, transitions: observed?.record.leaseTransitions });
    options.onStartedLeading();
  }

  /** client-go's tryAcquireOrRenew: true when we hold the Lease now. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(clock.wallNow());
    const ours = (previous?: LeaderElectionRecord): LeaderElectionRecord => ({
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: previous?.holderIdentity === identity ? previous.acquireTime : now,
      renewTime: now,
      leaseTransitions: previous ? previous.leaseTransitions + (previous.holderIdentity === identity ? 0 : 1) : 0,
    });
    // Fast path (as client-go): a leader renews from the record it wrote, without reading first.
    if (leading && observed) {
      try {
        observe(await lock.update(ours(observed.record), observed.resourceVersion));
        return true;
      } catch {
        // Fall through to a fresh read.
      }
    }
    const current = await lock.get();
    if (!current) {
      observe(await lock.create(ours()));
      return true;
    }
    observe(current);
    const { record } = current;
    const heldByOther = record.holderIdentity !== '' && record.holderIdentity !== identity;
    if (heldByOther && observed!.at + record.leaseDurationSeconds * 1000 > clock.now()) return false;
    observe(await lock.update(ours(record), current.resourceVersion));
    return true;
  }

  async function attempt(): Promise<void> {
    const started = clock.now();
    let acquired = false;
    try {
      acquired = await tryAcquireOrRenew();
      failureStreak = 0;
    } catch (error) {
      const problem = describeApiError(error);
      // Losing a race (409) is routine; an unreachable or refusing API server is worth one warning per streak.
      const log = problem.code === 409 || failureStreak++ > 0 ? logger.debug : logger.warn;
      log.call(logger, 'leader election request failed', { lease: lock.describe(), identity, code: problem.code, reason: problem.reason, error: problem.message });
    }
    if (!running) return;
    // A success that took longer than the renew deadline proves nothing about now.
    if (acquired && started + renewDeadlineMs > clock.now()) renewed(started);
    else if (leading && clock.now() >= leadingUntil) stopLeading(`not renewed within ${renewDeadlineMs} ms`);
  }

  async function run() {
    while (running) {
      await attempt();
      if (!running) break;
      // Candidates spread their retries (client-go jitters the acquire loop); the leader renews on time.
      const delay = leading ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  async function release() {
    if (!observed || observed.record.holderIdentity !== identity) return;
    const now = microTime(clock.wallNow());
    const record: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observed.record.leaseTransitions };
    try {
      observe(await lock.update(record, observed.resourceVersion));
      logger.info('released lease', { lease: lock.describe(), identity });
    } catch (error) {
      // Someone else holds it already, or the API server is away: the Lease then simply expires.
      const problem = describeApiError(error);
      logger.warn('could not release lease', { lease: lock.describe(), identity, code: problem.code, error: problem.message });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    isLeader: () => leading && clock.now() < leadingUntil,
    async stop() {
      if (!running) return;
      running = false;
      // Stop acting as leader before anyone else can take over; a request in flight still updates
      // the record the release needs (and an acquisition that lands now is released too).
      stopLeading('stopped');
      wake?.();
      await loop;
      await release();
      lock.close?.();
    },
  };
}
