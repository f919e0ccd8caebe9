/** The figures the Envoy e2e tests print about request latency (interleaved requests, loopback). */

/** The middle value (the upper one of an even count): a latency figure robust to a few slow requests. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds to the microsecond, for the logs. */
export const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Median latency (ms) per probe over `rounds` rounds, each round running every probe once in turn:
 * interleaved, so a burst of load from elsewhere on the host weighs on all of them alike. Every
 * answer must be 200 (a limit or a check that refuses would measure something else).
 */
export async function interleavedMedians<K extends string>(rounds: number, probes: Record<K, () => Promise<{ status: number; ms: number }>>): Promise<Record<K, number>> {
  const names = Object.keys(probes) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++) {
    const answers: { status: number; ms: number }[] = [];
    for (const name of names) answers.push(await probes[name]());
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 200));
    names.forEach((name, j) => times[name].push(answers[j]!.ms));
  }
  return Object.fromEntries(names.map((name) => [name, roundMs(median(times[name]))])) as Record<K, number>;
}
