import { createDebouncer, type DebounceClock } from './debounce.js';

/** A clock that moves only when told, running due timers in time order. */
function manualClock(): DebounceClock & { advance(ms: number): void } {
  let time = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => time,
    setTimeout(callback, ms) {
      timers.set(++nextId, { at: time + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      const end = time + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        time = due[1].at;
        due[1].callback();
      }
      time = end;
    },
  };
}

function setup(holdOffMs = 100, maxDelayMs = 1000) {
  const clock = manualClock();
  const fired: number[] = [];
  const debouncer = createDebouncer({ holdOffMs, maxDelayMs, clock, fire: () => fired.push(clock.now()) });
  return { clock, fired, debouncer };
}

describe('createDebouncer', () => {
  it('fires once, hold-off after the last notification of a burst', () => {
    const { clock, fired, debouncer } = setup();
    for (let i = 0; i < 10; i++) {
      debouncer.notify();
      clock.advance(20);
    }
    expect(fired).toEqual([]);
    expect(debouncer.pending()).toBe(true);
    clock.advance(1000);
    // Last notification at t=180, so the hold-off ends at 280.
    expect(fired).toEqual([280]);
    expect(debouncer.pending()).toBe(false);
  });

  it('tells when the burst it fires for began', () => {
    const clock = manualClock();
    const startedAt: number[] = [];
    const debouncer = createDebouncer({ holdOffMs: 100, maxDelayMs: 1000, clock, fire: (at) => startedAt.push(at) });
    clock.advance(50);
    debouncer.notify();
    clock.advance(60);
    debouncer.notify();
    clock.advance(500);
    debouncer.notify();
    clock.advance(500);
    expect(startedAt).toEqual([50, 610]);
  });

  it('fires at the maximum delay when a burst never goes quiet', () => {
    const { clock, fired, debouncer } = setup(100, 300);
    for (let i = 0; i < 50; i++) {
      debouncer.notify();
      clock.advance(50);
    }
    // Bursts start at 0, 300, 600, …: each is cut at its maximum delay.
    expect(fired.slice(0, 3)).toEqual([300, 600, 900]);
    expect(fired.length).toBe(8);
  });

  it('starts a new burst after firing', () => {
    const { clock, fired, debouncer } = setup();
    debouncer.notify();
    clock.advance(500);
    debouncer.notify();
    clock.advance(500);
    expect(fired).toEqual([100, 600]);
  });

  it('forgets a cancelled burst', () => {
    const { clock, fired, debouncer } = setup();
    debouncer.notify();
    debouncer.cancel();
    clock.advance(5000);
    expect(fired).toEqual([]);
    expect(debouncer.pending()).toBe(false);
  });

  it('works with the real timers', async () => {
    const fired: number[] = [];
    const debouncer = createDebouncer({ holdOffMs: 10, maxDelayMs: 50, fire: () => fired.push(1) });
    debouncer.notify();
    debouncer.notify();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toEqual([1]);
  });
});
