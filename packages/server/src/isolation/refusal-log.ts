/**
 * Log lines for xDS streams the server refused or ended because of their client (over a limit, not
 * reading, a bad request). One client opening streams in a loop must not flood the log: per reason,
 * the first refusal is logged, then at most one line per `intervalMs`, which counts those left out.
 */
import type { StreamRefusal } from '@portico/xds-server';
import type { Logger } from '../logger.js';

export function createRefusalLog(logger: Logger, options: { intervalMs?: number; now?: () => number } = {}): (refusal: StreamRefusal) => void {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? (() => Date.now());
  const byReason = new Map<string, { loggedAt: number; suppressed: number }>();
  return (refusal) => {
    const state = byReason.get(refusal.reason);
    const at = now();
    if (state && at - state.loggedAt < intervalMs) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    byReason.set(refusal.reason, { loggedAt: at, suppressed: 0 });
    logger.warn('xDS stream refused', {
      reason: refusal.reason,
      code: refusal.code,
      details: refusal.details,
      stream: refusal.stream.streamId,
      protocol: refusal.stream.protocol,
      peer: refusal.stream.peer,
      ...(suppressed > 0 ? { alsoRefusedSinceLastLine: suppressed } : {}),
    });
  };
}
