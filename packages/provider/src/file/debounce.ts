/**
 * Coalesces bursts of change notifications into one rebuild, the way Contour's event loop does
 * (`internal/contour/handler.go`): every notification restarts a hold-off timer, so a burst is handled once
 * it has gone quiet, and a maximum delay bounds how long a burst that never goes quiet can postpone it.
 */

/** The timer functions the debouncer uses; injectable so tests can drive time by hand. */
export interface DebounceClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of createDebouncer. */
export interface DebouncerOptions {
  /** Quiet time after the last notification before `fire` runs. */
  holdOffMs: number;
  /** Longest time from the first notification of a burst to `fire`, however busy the burst. */
  maxDelayMs: number;
  /** Called once per burst, with the clock's time of the burst's first notification. */
  fire: (burstStartedAt: number) => void;
  clock?: DebounceClock;
}

/** A debouncer: `notify` on every event, `fire` runs once per burst. */
export interface Debouncer {
  notify(): void;
  /** True between the first notification of a burst and its `fire`. */
  pending(): boolean;
  /** Forgets the current burst without firing. */
  cancel(): void;
}

/** The real clock: performance.now is monotonic, so a wall-clock jump neither fires nor stalls a burst. */
export const systemClock: DebounceClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Creates a hold-off + maximum-delay debouncer. */
export function createDebouncer(options: DebouncerOptions): Debouncer {
  const { holdOffMs, maxDelayMs, fire } = options;
  const clock = options.clock ?? systemClock;
  let burstStart: number | undefined;
  let timer: unknown;

  const clear = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const run = () => {
    const startedAt = burstStart ?? clock.now();
    timer = undefined;
    burstStart = undefined;
    fire(startedAt);
  };

  return {
    notify() {
      const now = clock.now();
      burstStart ??= now;
      clear();
      const delay = Math.min(holdOffMs, burstStart + maxDelayMs - now);
      timer = clock.setTimeout(run, Math.max(0, delay));
    },
    pending: () => burstStart !== undefined,
    cancel() {
      clear();
      burstStart = undefined;
    },
  };
}
