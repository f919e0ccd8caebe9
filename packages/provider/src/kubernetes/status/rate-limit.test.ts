import { createTokenBucket, type RateLimitClock } from './rate-limit.js';

/** A clock that moves only when told; sleepers wake in time order. */
function manualClock(): RateLimitClock & { advance(ms: number): Promise<void> } {
  let time = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => time,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: time + ms, wake })),
    async advance(ms) {
      time += ms;
      sleepers.sort((a, b) => a.at - b.at);
      while (sleepers[0] && sleepers[0].at <= time + 1e-9) sleepers.shift()!.wake();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

async function granted(clock: ReturnType<typeof manualClock>, bucket: ReturnType<typeof createTokenBucket>, count: number, stepMs: number, steps: number) {
  const done: number[] = [];
  for (let i = 0; i < count; i++) void bucket.take().then(() => done.push(clock.now()));
  await clock.advance(0);
  const counts = [done.length];
  for (let s = 0; s < steps; s++) {
    await clock.advance(stepMs);
    counts.push(done.length);
  }
  return counts;
}

describe('createTokenBucket', () => {
  it('lets a burst through at once, then qps per second', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ qps: 50, burst: 100, clock });
    // 300 requests: 100 at once, then 50 more each second.
    expect(await granted(clock, bucket, 300, 1000, 4)).toEqual([100, 150, 200, 250, 300]);
  });

  it('refills while idle, never beyond the burst', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ qps: 10, burst: 5, clock });
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(bucket.available()).toBe(0);
    await clock.advance(200);
    expect(bucket.available()).toBeCloseTo(2);
    await clock.advance(60_000);
    expect(bucket.available()).toBe(5);
  });

  it('serves waiters in arrival order, one every 1/qps seconds', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket({ qps: 4, burst: 1, clock });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) void bucket.take().then(() => order.push(`${name}@${clock.now()}`));
    await clock.advance(0);
    for (let i = 0; i < 3; i++) await clock.advance(250);
    expect(order).toEqual(['a@0', 'b@250', 'c@500']);
  });

  it('rejects a useless configuration', () => {
    expect(() => createTokenBucket({ qps: 0, burst: 1 })).toThrow(/qps > 0/);
    expect(() => createTokenBucket({ qps: 1, burst: 0 })).toThrow(/burst >= 1/);
  });
});
