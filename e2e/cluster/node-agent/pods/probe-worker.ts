/**
 * One container probe run periodically (initialDelaySeconds, periodSeconds, timeoutSeconds,
 * successThreshold, failureThreshold: the kubelet's prober worker), reporting each change of its
 * verdict. Stops when its signal aborts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runProbe, type ProbeTarget } from './probes.js';

export interface ProbeVerdict {
  ok: boolean;
  message?: string;
}

export async function runProbeWorker(probe: any, target: () => ProbeTarget, signal: AbortSignal, onVerdict: (verdict: ProbeVerdict) => void): Promise<void> {
  const periodMs = (probe.periodSeconds ?? 10) * 1000;
  const successThreshold = probe.successThreshold ?? 1;
  const failureThreshold = probe.failureThreshold ?? 3;
  let successes = 0;
  let failures = 0;
  let verdict: boolean | undefined;
  try {
    await sleep((probe.initialDelaySeconds ?? 0) * 1000, undefined, { signal });
    for (;;) {
      const result = await runProbe(probe, target());
      if (signal.aborted) return;
      if (result.ok) {
        failures = 0;
        successes++;
        if (verdict !== true && successes >= successThreshold) {
          verdict = true;
          onVerdict({ ok: true });
        }
      } else {
        successes = 0;
        failures++;
        if (verdict !== false && failures >= failureThreshold) {
          verdict = false;
          onVerdict({ ok: false, message: result.message });
        }
      }
      await sleep(periodMs, undefined, { signal });
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
