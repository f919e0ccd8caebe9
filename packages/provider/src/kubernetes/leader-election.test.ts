/**
 * The elector runs on Jest's fake timers (setTimeout, Date, performance.now): simulated time makes
 * every deadline exact and the tests immune to a loaded machine stalling the event loop, which with
 * real timers could end a leadership (correctly) in the middle of an assertion.
 */
import { jest } from '@jest/globals';
import { createLeaderElectorWithLock } from './leader-election.js';
import type { LeaderElectionRecord, LeaseLock, ObservedLease } from './leader-election-lease.js';
import type { LeaderElector } from './types.js';

/** One in-memory Lease with resourceVersion compare-and-swap, seen through per-replica views. */
function leaseStore() {
  let lease: ObservedLease | undefined;
  let version = 0;
  const conflict = () => Object.assign(new Error('conflict'), { code: 409, body: '{"reason":"Conflict","message":"conflict"}' });
  const history: LeaderElectionRecord[] = [];
  return {
    current: () => lease,
    history,
    set(record: LeaderElectionRecord) {
      lease = { record, resourceVersion: String(++version) };
    },
    /** A replica's view; `down()` true makes its calls fail as if the API server were unreachable. */
    view(down: () => boolean = () => false): LeaseLock {
      const check = async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (down()) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'FetchError' });
      };
      return {
        async get() {
          await check();
          return lease && structuredClone(lease);
        },
        async create(record) {
          await check();
          if (lease) throw conflict();
          lease = { record, resourceVersion: String(++version) };
          history.push(record);
          return structuredClone(lease);
        },
        async update(record, resourceVersion) {
          await check();
          if (!lease || lease.resourceVersion !== resourceVersion) throw conflict();
          lease = { record, resourceVersion: String(++version) };
          history.push(record);
          return structuredClone(lease);
        },
        describe: () => 'test/lease',
      };
    },
  };
}

const TIMING = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

/** Every elector a test started, stopped after it whatever happened (a running one keeps timers alive). */
const started: LeaderElector[] = [];

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
afterEach(async () => {
  await settle(Promise.all(started.splice(0).map((elector) => elector.stop())));
  jest.useRealTimers();
});

/** Lets `ms` of simulated time pass, running every timer and promise due in it. */
const elapse = (ms: number) => jest.advanceTimersByTimeAsync(ms);

/** Awaits work that waits on timers (a stop() waits for the Lease calls in flight) by letting time pass. */
async function settle<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const result = work.finally(() => (done = true));
  for (let waited = 0; !done; waited += 5) {
    if (waited > 10_000) throw new Error('did not settle within 10 s of simulated time');
    await elapse(5);
  }
  return result;
}

/** An elector whose leadership periods are recorded (monotonic ms). */
function candidate(identity: string, lock: LeaseLock, timing = TIMING) {
  const periods: { from: number; to?: number }[] = [];
  const elector: LeaderElector = createLeaderElectorWithLock(lock, {
    identity,
    ...timing,
    onStartedLeading: () => periods.push({ from: performance.now() }),
    onStoppedLeading: () => {
      periods.at(-1)!.to = performance.now();
    },
  });
  started.push(elector);
  return { identity, elector, periods };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await elapse(5);
  }
}

/** Samples isLeader() of every elector every few ms; records any moment two said yes. */
function overlapWatch(electors: LeaderElector[]) {
  let overlaps = 0;
  const timer = setInterval(() => {
    if (electors.filter((e) => e.isLeader()).length > 1) overlaps++;
  }, 2);
  return { stop: () => (clearInterval(timer), overlaps) };
}

function intervalsOverlap(a: { from: number; to?: number }[], b: { from: number; to?: number }[]): boolean {
  const end = (p: { to?: number }) => p.to ?? Infinity;
  return a.some((x) => b.some((y) => x.from < end(y) && y.from < end(x)));
}

describe('createLeaderElector (fake Lease)', () => {
  it('elects exactly one of two candidates and writes a client-go record', async () => {
    const store = leaseStore();
    const a = candidate('a', store.view());
    const b = candidate('b', store.view());
    a.elector.start();
    b.elector.start();
    await waitFor('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    await elapse(300);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader() ? 'a' : 'b';
    const record = store.current()!.record;
    expect(record).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(record.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Renewals keep acquireTime and move renewTime.
    const first = store.history[0]!;
    expect(store.history.length).toBeGreaterThan(1);
    expect(record.acquireTime).toBe(first.acquireTime);
    expect(Date.parse(record.renewTime)).toBeGreaterThan(Date.parse(first.renewTime));
    await settle(a.elector.stop());
    await settle(b.elector.stop());
  });

  it('stop() releases the Lease: the other candidate leads at its next retry, with no overlap', async () => {
    const store = leaseStore();
    const a = candidate('a', store.view());
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate('b', store.view());
    b.elector.start();
    const watch = overlapWatch([a.elector, b.elector]);
    await elapse(200);
    expect(b.elector.isLeader()).toBe(false);
    const stoppedAt = performance.now();
    await settle(a.elector.stop());
    expect(a.elector.isLeader()).toBe(false);
    await waitFor('b leads', () => b.elector.isLeader());
    const takeoverMs = performance.now() - stoppedAt;
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs);
    expect(store.current()!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(store.history.some((r) => r.holderIdentity === '' && r.leaseDurationSeconds === 1)).toBe(true);
    expect(watch.stop()).toBe(0);
    expect(intervalsOverlap(a.periods, b.periods)).toBe(false);
    await settle(b.elector.stop());
  });

  it('a leader cut off from the API server stops leading within renewDeadline; the other takes over only after the lease duration', async () => {
    const store = leaseStore();
    let aDown = false;
    const a = candidate('a', store.view(() => aDown));
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate('b', store.view());
    b.elector.start();
    const watch = overlapWatch([a.elector, b.elector]);
    await elapse(250);
    aDown = true;
    const cutAt = performance.now();
    await waitFor('a gives up', () => !a.elector.isLeader());
    const aGaveUpMs = performance.now() - cutAt;
    await waitFor('b leads', () => b.elector.isLeader());
    const bLeadsMs = performance.now() - cutAt;
    expect(aGaveUpMs).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 150);
    expect(bLeadsMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs);
    expect(a.periods[0]!.to).toBeDefined();
    expect(watch.stop()).toBe(0);
    expect(intervalsOverlap(a.periods, b.periods)).toBe(false);
    await settle(a.elector.stop());
    await settle(b.elector.stop());
  });

  it('judges expiry by when it observed the record change, not by the holder’s clock', async () => {
    const store = leaseStore();
    // A holder whose clock is far behind: by renewTime the lease looks long expired.
    store.set({ holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: '2000-01-01T00:00:00.000000Z', renewTime: '2000-01-01T00:00:00.000000Z', leaseTransitions: 4 });
    const a = candidate('a', store.view());
    const startedAt = performance.now();
    a.elector.start();
    await elapse(500);
    expect(a.elector.isLeader()).toBe(false);
    await waitFor('a leads', () => a.elector.isLeader());
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(store.current()!.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 5 });
    await settle(a.elector.stop());
  });

  it('keeps waiting while the holder keeps renewing, whatever its clock says', async () => {
    const store = leaseStore();
    let renewals = 0;
    const renew = () => store.set({ holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: '2100-01-01T00:00:00.000000Z', renewTime: `2100-01-01T00:00:${String(renewals++ % 60).padStart(2, '0')}.000000Z`, leaseTransitions: 0 });
    renew();
    const ghost = setInterval(renew, 300);
    const a = candidate('a', store.view());
    a.elector.start();
    await elapse(1_500);
    expect(a.elector.isLeader()).toBe(false);
    clearInterval(ghost);
    await waitFor('a leads', () => a.elector.isLeader());
    await settle(a.elector.stop());
  });

  it('rejects timings that could elect two leaders', () => {
    const lock = leaseStore().view();
    const make = (timing: Partial<typeof TIMING>) => () =>
      createLeaderElectorWithLock(lock, { identity: 'x', ...TIMING, ...timing, onStartedLeading() {}, onStoppedLeading() {} });
    expect(make({ renewDeadlineMs: 1_000 })).toThrow(/leaseDuration > renewDeadline/);
    expect(make({ retryPeriodMs: 600 })).toThrow(/renewDeadline > retryPeriod/);
  });
});
