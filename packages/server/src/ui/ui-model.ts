/**
 * The dashboard's view of the live server, cached by version: the graph and the diagnose report it
 * was drawn from are computed once per version (the translated state, plus the data plane's
 * fingerprint: a proxy that connects, ACKs or refuses changes the findings), however many pages ask.
 * Versions themselves are cheap: the state's identity and a hash of the client table.
 */
import { ALL_CHECKS, runChecks, type DiagnoseInput, type DiagnoseReport } from '@portico/diagnose';
import type { DebugData } from '../admin/debug-views.js';
import type { TranslationResult } from '@portico/translator';
import { withIR, type TranslatedState } from '../reconcile/translated-state.js';
import { buildGraph } from './build-graph.js';
import type { GraphDocument } from '@portico/ui';
import { dataPlaneFingerprint, liveDiagnoseInput } from './live-diagnosis.js';

export interface UiSnapshot {
  version: string;
  state: TranslatedState;
  /** The state's TranslationResult with its IR (fetched once per version). */
  translation: TranslationResult;
  input: DiagnoseInput;
  report: DiagnoseReport;
  graph: GraphDocument;
  /** Milliseconds the diagnosis and the graph took to build. */
  buildMs: number;
}

export interface UiModel {
  data: DebugData;
  /** Undefined until the first translation. */
  graphVersion(): string | undefined;
  dataPlaneVersion(): string;
  /**
   * The graph, diagnosed, for the current version (built at most once per version; concurrent
   * requests share one build). Asynchronous: the IR and the served xDS are fetched first.
   */
  snapshot(): Promise<UiSnapshot | undefined>;
  figures(): { builds: number; lastBuildMs: number };
}

export interface UiModelOptions {
  /** The time certificates are judged against (the clock by default). */
  now?: () => Date;
}

export function createUiModel(data: DebugData, options: UiModelOptions = {}): UiModel {
  const now = options.now ?? (() => new Date());
  const stateIds = new WeakMap<TranslatedState, number>();
  let nextStateId = 0;
  let cached: UiSnapshot | undefined;
  let building: { version: string; snapshot: Promise<UiSnapshot> } | undefined;
  let builds = 0;

  function stateVersion(state: TranslatedState): string {
    let id = stateIds.get(state);
    if (id === undefined) stateIds.set(state, (id = ++nextStateId));
    return `g${state.generation}.${id}`;
  }

  function graphVersion(): string | undefined {
    const state = data.state();
    return state && `${stateVersion(state)}-${dataPlaneFingerprint(data)}`;
  }

  async function build(state: TranslatedState, version: string): Promise<UiSnapshot> {
    const [translation, xds] = await Promise.all([withIR(state), data.servedConfigDumps()]);
    const started = performance.now();
    const input = liveDiagnoseInput(data, state, translation, xds, now());
    const report = runChecks(input, ALL_CHECKS);
    const graph = buildGraph(input, report, { version, translatedAt: state.translatedAt });
    builds++;
    return { version, state, translation, input, report, graph, buildMs: performance.now() - started };
  }

  return {
    data,
    graphVersion,
    dataPlaneVersion: () => dataPlaneFingerprint(data),
    async snapshot() {
      const state = data.state();
      if (!state) return undefined;
      const version = `${stateVersion(state)}-${dataPlaneFingerprint(data)}`;
      if (cached?.version === version) return cached;
      if (building?.version !== version) {
        const snapshot = build(state, version);
        building = { version, snapshot };
        void snapshot.then(
          (built) => {
            // A later version may have finished first: the cache keeps the newest.
            if (!cached || stateIdOf(built.version) >= stateIdOf(cached.version)) cached = built;
          },
          () => undefined,
        ).finally(() => {
          if (building?.snapshot === snapshot) building = undefined;
        });
      }
      return building.snapshot;
    },
    figures: () => ({ builds, lastBuildMs: cached?.buildMs ?? 0 }),
  };
}

/** The state id of a version (`g<generation>.<id>-<fingerprint>`): ids grow with every new state. */
function stateIdOf(version: string): number {
  return Number(/^g\d+\.(\d+)-/.exec(version)?.[1] ?? 0);
}
