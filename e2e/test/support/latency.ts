/** The figures the Envoy e2e tests print about request latency (interleaved requests, loopback). */

/** The middle value (the upper one of an even count): a latency figure robust to a few slow requests. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds to the microsecond, for the logs. */
export const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;
