/**
 * A token bucket shared by every request a component sends to the API server, like client-go's
 * `flowcontrol.NewTokenBucketRateLimiter(qps, burst)`: up to `burst` requests go at once, then `qps`
 * per second. Waiters are served in arrival order: each `take()` reserves the next token (the count
 * may go below zero) and sleeps until that token exists, so no waiter is starved by later ones.
 */

/** Time for the limiter; injectable so tests can drive it by hand. */
export interface RateLimitClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemRateLimitClock: RateLimitClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TokenBucketOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many requests may go at once after a quiet period. */
  burst: number;
  clock?: RateLimitClock;
}

export interface TokenBucket {
  /** Resolves when the caller may send one request. */
  take(): Promise<void>;
  /** Tokens available now (negative while callers are waiting). */
  available(): number;
}

export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const { qps, burst } = options;
  if (!(qps > 0) || !(burst >= 1)) throw new Error(`rate limit needs qps > 0 and burst >= 1 (got qps ${qps}, burst ${burst})`);
  const clock = options.clock ?? systemRateLimitClock;
  let tokens = burst;
  let refilledAt = clock.now();

  const refill = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) * qps) / 1000);
    refilledAt = now;
  };

  return {
    async take() {
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      await clock.sleep((-tokens * 1000) / qps);
    },
    available() {
      refill();
      return tokens;
    },
  };
}
