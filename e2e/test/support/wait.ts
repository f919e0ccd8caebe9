/** Bounded polling for the end-to-end tests: never an unbounded loop, and a message saying what was awaited. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
