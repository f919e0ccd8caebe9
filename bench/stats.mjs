// Small figures helpers shared by the benchmark scenarios.
export const round1 = (x) => Math.round(x * 10) / 10;
export const mib = (bytes) => round1(bytes / 2 ** 20);
export const rssMiB = () => mib(process.memoryUsage().rss);
/** The upper median (the middle of an odd count, as the runs are meant to be). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Peak resident set of this process so far (`maxRSS` is in KiB). */
export const peakRssMiB = () => mib(process.resourceUsage().maxRSS * 1024);

/** The largest heapUsed seen at the sample points (after each timed step, before any GC). */
export function createHeapPeak() {
  let peak = 0;
  return {
    sample: () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    },
    mib: () => mib(peak),
  };
}
