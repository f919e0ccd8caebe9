/**
 * The messages between the main thread and the translation worker (translation-worker.ts). The
 * worker keeps a copy of the provider's objects and the translator's and builder's caches, so the
 * main thread sends only what changed and gets back only what changed: encoded bytes packed in one
 * ArrayBuffer that is transferred, not copied (packed-resources.ts), the statuses that are new
 * objects. The IR stays on the worker; whoever needs it (debug endpoints) asks, and gets it serialized (node:v8).
 */
import type { ExternalNameServices, ObjectStatus, RateLimitServiceOptions, TranslationResult } from '@portico/translator';
import type { RateLimitServiceConfigFile } from '@portico/xds';
import type { SerializedSlices } from '@portico/provider';
import type { Kind, KubeObject } from '@portico/resources';
import type { ListenerIR } from '@portico/ir';
import type { QuarantineEntry } from '../isolation/quarantine.js';
import type { GatewayFacts } from '../reconcile/gateway-facts.js';
import type { PackedResources } from './packed-resources.js';

/** The translation options that cross the thread (functions cannot). */
export interface WorkerTranslateOptions {
  controllerName: string;
  externalNameServices?: ExternalNameServices;
  rateLimitService?: RateLimitServiceOptions;
}

/**
 * A module the worker imports at start (its `workerData`), whose export `exportName` rewrites each
 * gateway's IR before it is built: tests inject a resource Envoy refuses (translation-core.ts rewriteIr).
 */
export interface IrRewriteModule {
  /** A file: URL (href) the worker can import: compiled JavaScript. */
  module: string;
  exportName: string;
}

export interface ObjectRef {
  kind: Kind;
  namespace?: string;
  name: string;
}

/** Main → worker. */
export type WorkerRequest =
  /** Starts a full copy of the objects (the first snapshot, a provider that cannot say what changed, a restarted worker). */
  | { type: 'reset'; options: WorkerTranslateOptions }
  /** Objects added or replaced: after a reset, every object, in chunks. */
  | { type: 'upsert'; objects: KubeObject[] }
  | { type: 'delete'; refs: ObjectRef[] }
  /**
   * Translates what the worker holds now. `endpointsOnly`: only EndpointSlices changed since the
   * last translation (the translator's endpoint fast path). `now`: ISO time of the conditions.
   * `gatewayFacts`: with `--kubernetes`, what the cluster knows of each Gateway (gateway-facts.ts).
   */
  | { type: 'translate'; id: number; generation: number; now: string; endpointsOnly: ObjectRef[] | undefined; gatewayFacts?: [string, GatewayFacts][] }
  /**
   * The IR of a gateway in translation `id` (while the worker remembers it): the translator's, or
   * with `built` the one its resources were built from (without the quarantined route units).
   */
  | { type: 'ir'; id: number; gateway: string; request: number; built?: boolean }
  /** Route units an Envoy refused (NACK containment): the worker leaves them out of every build until they change. */
  | { type: 'quarantine'; entries: QuarantineEntry[] }
  /**
   * A probe of NACK containment: the route tables built from `ir` (v8-serialized, transferred), with
   * the clusters and endpoint sets they use; every resource with its bytes.
   */
  | { type: 'probe'; request: number; ir: ArrayBuffer }
  /** The redacted config dumps of what each gateway serves (the last build without problems), for /debug/xds and the dashboard. */
  | { type: 'xds'; request: number; gateways?: string[] };

/** One gateway of a translation, as the main thread's snapshot cache needs it. */
export type WorkerGateway =
  | { gateway: string; outcome: 'unchanged' }
  | {
      gateway: string;
      outcome: 'built';
      /** What the consistency check found (empty: consistent). */
      problems: string[];
      resources: PackedResources;
    }
  /**
   * Only backends changed (the endpoint fast path): the clusters and endpoint sets whose bytes
   * changed, to replace by name in what the main thread serves; every other list is `same`.
   */
  | { gateway: string; outcome: 'patched'; resources: PackedResources }
  | { gateway: string; outcome: 'error'; message: string; stack?: string };

/** Worker → main. */
export type WorkerMessage =
  | {
      type: 'translated';
      id: number;
      generation: number;
      path: 'translate' | 'endpoints';
      /**
       * The statuses that are not the very objects of the previous answer, `[key, status][]` in
       * slices (serialized-slices.ts): the main thread reads one slice per turn, so 10,000 new
       * statuses are never one long step.
       */
      changedStatuses: SerializedSlices;
      /** Every gateway of the translation, in key order (those kept from a failed translation included). */
      gateways: WorkerGateway[];
      /** Status keys gone since the previous translation. */
      removedStatuses: string[];
      /** Quarantined units this translation released (their object changed or went away). */
      released: QuarantineEntry[];
      /** Per gateway, its listeners' types and ports (the Envoy Services of `--kubernetes`). */
      listenerPorts: [string, { type: ListenerIR['type']; port: number }[]][];
      diagnostics: TranslationResult['diagnostics'];
      failures: TranslationResult['failures'];
      shadowed?: TranslationResult['shadowed'];
      /** With a rate-limit service: its configuration from every served gateway's IR (rateLimitServiceConfig). */
      rateLimitFiles?: RateLimitServiceConfigFile[];
      /** Milliseconds the worker spent translating, and building and encoding. */
      translateMs: number;
      buildMs: number;
    }
  /** The answer to an `ir` request: the IR `v8.serialize`d (transferred), or why there is none. */
  | { type: 'ir'; request: number; ir: ArrayBuffer }
  | { type: 'no-ir'; request: number; message: string }
  /** The answer to a `probe`, or why it could not be built. */
  | { type: 'probe'; request: number; resources: PackedResources }
  | { type: 'no-probe'; request: number; message: string }
  /** The answer to `xds`: `[gateway, config dump][]` in key order, v8-serialized (transferred). */
  | { type: 'xds'; request: number; dumps: ArrayBuffer }
  /** The translation threw (a bug of ours): nothing changed; the worker keeps its objects. */
  | { type: 'failed'; id: number; generation: number; message: string; stack?: string };
