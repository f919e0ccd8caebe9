/**
 * Whether the pipeline (translate, then build and publish each gateway) is working, as /readyz and
 * /debug/status report it. Two kinds of trouble, both bugs of ours:
 * - the whole snapshot failed to translate, or one gateway's snapshot failed to build (or was refused
 *   by the consistency check): no change reaches those Envoys until it is fixed, so the server is
 *   not ready, and says why;
 * - single objects were left out of an otherwise good translation (containment in the translator):
 *   everything else keeps flowing, so readiness is unaffected, but /debug/status lists them.
 */
import type { TranslationFailure } from '@portico/translator';
import type { PublishResult } from './publish-gateways.js';

export interface SnapshotFailure {
  generation: number;
  /** ISO time. */
  at: string;
  error: string;
}

export interface GatewayBuildFailure {
  gateway: string;
  outcome: 'rejected' | 'error';
  problems: string[];
  /** ISO time. */
  at: string;
}

/** What /debug/status shows under `pipeline`. */
export interface PipelineHealthView {
  /** Set while the latest snapshot failed to translate (the last good config is served). */
  translationFailure?: SnapshotFailure;
  /** Gateways whose latest candidate snapshot failed (each keeps its last good snapshot). */
  gatewayFailures: GatewayBuildFailure[];
  /** Objects left out of the latest translation because translating them threw. */
  failingObjects: Omit<TranslationFailure, 'stack'>[];
}

export interface PipelineHealth {
  translationFailed(generation: number, at: Date, error: unknown): void;
  translated(failures: readonly TranslationFailure[]): void;
  published(results: readonly PublishResult[], removed: readonly string[], at: Date): void;
  view(): PipelineHealthView;
  /** Why the server is not ready, or [] when the pipeline works. */
  notReadyReasons(): string[];
}

export function createPipelineHealth(): PipelineHealth {
  let translationFailure: SnapshotFailure | undefined;
  const gatewayFailures = new Map<string, GatewayBuildFailure>();
  let failingObjects: Omit<TranslationFailure, 'stack'>[] = [];

  return {
    translationFailed(generation, at, error) {
      translationFailure = { generation, at: at.toISOString(), error: error instanceof Error ? error.message : String(error) };
    },
    translated(failures) {
      translationFailure = undefined;
      failingObjects = failures.map(({ stack: _stack, ...rest }) => rest);
    },
    published(results, removed, at) {
      for (const r of results) {
        if (r.outcome === 'rejected' || r.outcome === 'error') {
          gatewayFailures.set(r.gateway, { gateway: r.gateway, outcome: r.outcome, problems: r.problems, at: at.toISOString() });
        } else {
          gatewayFailures.delete(r.gateway);
        }
      }
      for (const gateway of removed) gatewayFailures.delete(gateway);
    },
    view: () => ({
      ...(translationFailure ? { translationFailure } : {}),
      gatewayFailures: [...gatewayFailures.values()].sort((a, b) => (a.gateway < b.gateway ? -1 : 1)),
      failingObjects,
    }),
    notReadyReasons() {
      const reasons: string[] = [];
      if (translationFailure) {
        reasons.push(
          `the latest snapshot (generation ${translationFailure.generation}) failed to translate: ${translationFailure.error}; no change reaches any gateway, the last good config is served`,
        );
      }
      for (const f of [...gatewayFailures.values()].sort((a, b) => (a.gateway < b.gateway ? -1 : 1))) {
        reasons.push(`gateway ${f.gateway}: its latest snapshot was ${f.outcome === 'rejected' ? 'refused by the consistency check' : 'not built'} (${f.problems.join('; ')}); its last good snapshot is served`);
      }
      return reasons;
    },
  };
}
