/**
 * The Kubernetes provider's timing defaults, and the knobs beyond the public options that tests (and a
 * server that wants other retry cadences) may turn.
 */
import type { KubernetesLogger, KubernetesProviderOptions } from './types.js';

export interface KubernetesProviderTuning {
  /** First delay before restarting a failed list or watch; doubles per failure up to retryMaxMs. Default 500 ms. */
  retryInitialMs?: number;
  /** Default 8 s: an API server restart is noticed within that. */
  retryMaxMs?: number;
  /** How often a kind the API server does not serve (its CRD is not installed) is looked for again. Default 30 s. */
  missingRetryMs?: number;
  /**
   * How long the objects of a kind that stops being served are kept before they are dropped. An API
   * server that is starting up answers 404 for CRD kinds until it has read the CRDs, and that must not
   * make every route blink out. Default 60 s.
   */
  missingGraceMs?: number;
}

export type KubernetesProviderSettings = KubernetesProviderOptions & KubernetesProviderTuning;

export const DEFAULT_DEBOUNCE_MS = 50;
export const DEFAULT_MAX_DELAY_MS = 500;

export interface RetryTiming {
  retryInitialMs: number;
  retryMaxMs: number;
  missingRetryMs: number;
  missingGraceMs: number;
}

export function retryTiming(tuning: KubernetesProviderTuning): RetryTiming {
  return {
    retryInitialMs: tuning.retryInitialMs ?? 500,
    retryMaxMs: tuning.retryMaxMs ?? 8_000,
    missingRetryMs: tuning.missingRetryMs ?? 30_000,
    missingGraceMs: tuning.missingGraceMs ?? 60_000,
  };
}

export const silentKubernetesLogger: KubernetesLogger = { debug() {}, info() {}, warn() {}, error() {} };
