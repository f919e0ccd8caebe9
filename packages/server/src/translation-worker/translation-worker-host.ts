/**
 * The main thread's side of the translation worker: sends each provider snapshot's changes (all
 * objects, in chunks, when the worker has to start over), and assembles the answer into what the
 * main thread serves: per gateway the encoded resources (the bytes of unchanged ones are the ones it
 * already holds; new ones are views into the transferred buffer), the statuses with every unchanged
 * one the same object as before, and the IR, deserialized only when someone reads it.
 *
 * The worker never takes the server down with it: a translation that throws is a `failed` answer,
 * and a worker that dies (a bug, out of memory) rejects what was waiting with a TranslationWorkerError;
 * the next call starts a new worker and sends it every object again.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { GatewayIR, ListenerIR } from '@portico/ir';
import { deserializeInSlices, type ProviderSnapshot } from '@portico/provider';
import type { KubeObject } from '@portico/resources';
import type { ObjectStatus, TranslationResult } from '@portico/translator';
import type { RateLimitServiceConfigFile, ResourceListKey } from '@portico/xds';
import type { GatewayFacts } from '../reconcile/gateway-facts.js';
import type { QuarantineEntry } from '../isolation/quarantine.js';
import { RESOURCE_LISTS, unpackList, unpackResource } from './packed-resources.js';
import type { IrRewriteModule, ObjectRef, WorkerGateway, WorkerMessage, WorkerRequest, WorkerTranslateOptions } from './protocol.js';

/** One encoded resource as the snapshot cache takes it. */
export interface HostResource {
  name: string;
  version: string;
  bytes: Uint8Array;
}

export type HostGateway =
  | { gateway: string; outcome: 'unchanged' }
  | {
      gateway: string;
      outcome: 'built';
      problems: string[];
      resources: Record<ResourceListKey, HostResource[]>;
      namedOnly: ReadonlySet<string>;
      /**
       * The IR the resources were built from, asked of the worker on the first call (it keeps the last
       * few builds per gateway). Rejects when it no longer holds it, or stopped.
       */
      ir: () => Promise<GatewayIR>;
      /** The IR the resources were built from: `ir` without the quarantined route units (NACK containment). */
      builtIr: () => Promise<GatewayIR>;
    }
  /** Only backends changed: these clusters and endpoint sets replace the served ones of the same names. */
  | { gateway: string; outcome: 'patched'; replacements: Record<'clusters' | 'endpoints', HostResource[]>; ir: () => Promise<GatewayIR>; builtIr: () => Promise<GatewayIR> }
  | { gateway: string; outcome: 'error'; error: Error };

export type WorkerTranslation =
  | {
      result: 'success';
      generation: number;
      path: 'translate' | 'endpoints';
      gateways: HostGateway[];
      /**
       * Every status; those unchanged since the previous translation are the same objects, and when
       * none changed it is the previous translation's very map. Never changed once handed out.
       */
      statuses: ReadonlyMap<string, ObjectStatus>;
      diagnostics: TranslationResult['diagnostics'];
      failures: TranslationResult['failures'];
      shadowed?: TranslationResult['shadowed'];
      /** Quarantined units the worker released in this translation (their object changed or went away). */
      released: QuarantineEntry[];
      /** Per gateway, its listeners' types and ports. */
      listenerPorts: [string, { type: ListenerIR['type']; port: number }[]][];
      /** With a rate-limit service: its configuration files (rateLimitServiceConfig of the served IR). */
      rateLimitFiles?: RateLimitServiceConfigFile[];
      translateMs: number;
      buildMs: number;
    }
  /** The translation threw on the worker: nothing changed. */
  | { result: 'error'; generation: number; error: Error };

/** The worker died (or could not start) while a translation waited: restarted on the next call. */
export class TranslationWorkerError extends Error {
  override readonly name = 'TranslationWorkerError';
}

export interface TranslationWorkerHostOptions {
  translate: WorkerTranslateOptions;
  /** The compiled worker script; default translation-worker.js beside this module. */
  script?: URL;
  /** Heap of the worker in MiB: a translation that needs more ends the worker, not the server. Default 2048. */
  maxHeapMiB?: number;
  /** Young generation of the worker in MiB (DEFAULT_TRANSLATION_WORKER_YOUNG_GENERATION_MIB). */
  youngGenerationMiB?: number;
  /** Objects per message while copying every object to the worker (each is serialized in a turn of its own). */
  objectsPerMessage?: number;
  /** Statuses and encoded resources of an answer made ready per turn of the event loop (default 3,000). */
  resourcesPerTurn?: number;
  /** A module each worker imports at start to rewrite every IR before it is built (fault injection in tests). */
  rewriteIr?: IrRewriteModule;
  /** Told of each worker started (tests end one to see the host survive it). */
  onWorkerStarted?: (worker: Worker) => void;
  /** Told when the worker stops other than by `close()`, with why (reconcile/worker-recovery.ts). */
  onWorkerLost?: (why: string) => void;
  /** The quarantine as it stands (NACK containment): sent to each worker when it is given every object. */
  quarantined?: () => QuarantineEntry[];
}

/** A probe's resources, every one with its bytes (NACK containment). */
export interface ProbeResources {
  resources: Record<'routes' | 'clusters' | 'endpoints', HostResource[]>;
  /** The proxyless route tables: served only to clients naming them. */
  namedOnly: ReadonlySet<string>;
}

export interface TranslationWorkerHost {
  /**
   * Translates a snapshot on the worker. Call it for every snapshot, in generation order (the worker
   * follows the provider through each one's `changes`); `force`: the objects did not change, something
   * else did (translate everything again). `gatewayFacts`: what the cluster knows of each Gateway
   * (gateway-facts.ts), asked on the main thread just before.
   */
  translate(snapshot: ProviderSnapshot, now: Date, options?: { force?: boolean; gatewayFacts?: [string, GatewayFacts][] }): Promise<WorkerTranslation>;
  /** Route units to leave out of every build until they change (the worker applies its own copy). */
  quarantine(entries: readonly QuarantineEntry[]): void;
  /** The redacted config dumps of what the worker's builds serve (only `gateways` when given), in key order. */
  configDumps(gateways?: readonly string[]): Promise<Map<string, unknown>>;
  /** Builds and encodes a probe's route tables, with the clusters and endpoint sets they use. */
  probe(ir: GatewayIR): Promise<ProbeResources>;
  /** Ends the worker. */
  close(): Promise<void>;
}

export const DEFAULT_TRANSLATION_WORKER_HEAP_MIB = 2048;
/**
 * V8's default young generation (two 16 MiB semi-spaces) stays committed and resident once a
 * translation has filled it, and an idle worker never shrinks it. 8 MiB gave back ~25 MiB of RSS at
 * 1,000 and 10,000 routes (`portico serve` 12 s after ready) for no measurable CPU: a full translation
 * of 10,000 routes took 3.1 s of CPU against 3.4 s, a one-route edit 205 ms against 202 ms (medians of 3).
 */
export const DEFAULT_TRANSLATION_WORKER_YOUNG_GENERATION_MIB = 8;
const DEFAULT_OBJECTS_PER_MESSAGE = 100;
/** Statuses and encoded resources of an answer made ready per turn (a resource is a view and a map entry: ~1 µs). */
const DEFAULT_RESOURCES_PER_TURN = 3000;

/** Whether the compiled worker script exists (it does not when running from TypeScript sources). */
export function translationWorkerAvailable(script: URL = defaultScript()): boolean {
  return existsSync(fileURLToPath(script));
}

/**
 * translation-worker.js beside this module; when this module runs from its TypeScript source (the
 * tests), the compiled one in the package's dist/ (`tsc -b` builds it).
 */
function defaultScript(): URL {
  const beside = new URL('./translation-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside)) || !import.meta.url.endsWith('.ts')) return beside;
  return new URL('../../dist/translation-worker/translation-worker.js', import.meta.url);
}

export function createTranslationWorkerHost(options: TranslationWorkerHostOptions): TranslationWorkerHost {
  const script = options.script ?? defaultScript();
  const perMessage = options.objectsPerMessage ?? DEFAULT_OBJECTS_PER_MESSAGE;
  const resourcesPerTurn = options.resourcesPerTurn ?? DEFAULT_RESOURCES_PER_TURN;
  let worker: Worker | undefined;
  /** The generation whose objects the worker holds (undefined: it must start over). */
  let workerGeneration: number | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (t: WorkerTranslation) => void; reject: (e: Error) => void }>();
  /** Per gateway and list, what the worker has sent: the list and name → resource (its `sent` versions mirror this). */
  let known = new Map<string, Record<ResourceListKey, { list: HostResource[]; byName: Map<string, HostResource> }>>();
  let statuses: ReadonlyMap<string, ObjectStatus> = new Map();
  /** IRs asked for and not arrived yet, by request number. */
  const irsOnTheWay = new Map<number, { resolve: (bytes: ArrayBuffer) => void; reject: (e: Error) => void }>();
  const probesOnTheWay = new Map<number, { resolve: (resources: ProbeResources) => void; reject: (e: Error) => void }>();
  let nextIrRequest = 0;
  /** Sends are serialized: a chunked reset is not interleaved with the next snapshot's changes. */
  let queue: Promise<unknown> = Promise.resolve();
  /** Answers are read in order, each over several turns (its statuses a slice per turn). */
  let reading: Promise<void> = Promise.resolve();

  function start(): Worker {
    const resourceLimits = {
      maxOldGenerationSizeMb: options.maxHeapMiB ?? DEFAULT_TRANSLATION_WORKER_HEAP_MIB,
      maxYoungGenerationSizeMb: options.youngGenerationMiB ?? DEFAULT_TRANSLATION_WORKER_YOUNG_GENERATION_MIB,
    };
    const started = new Worker(script, { resourceLimits, ...(options.rewriteIr ? { workerData: { rewriteIr: options.rewriteIr } } : {}) });
    started.on('message', (message: WorkerMessage) => onMessage(message));
    started.on('error', (error) => discard(started, error.message));
    started.on('messageerror', (error) => discard(started, `a message could not be read: ${error.message}`));
    started.on('exit', (code) => discard(started, `exit code ${code}`));
    started.unref();
    options.onWorkerStarted?.(started);
    return started;
  }

  /**
   * Forgets a worker that died or cannot be trusted any more (and ends it): what waited on it is
   * rejected, and the next call starts a new one, which is sent every object again.
   */
  function discard(which: Worker, why: string): void {
    if (worker !== which) return;
    worker = undefined;
    workerGeneration = undefined;
    // A new worker sends every resource and status again: nothing it would leave out is known to be here.
    known = new Map();
    statuses = new Map();
    const error = new TranslationWorkerError(`the translation worker stopped (${why}); the next translation starts a new one`);
    for (const [id, request] of waiting) {
      waiting.delete(id);
      request.reject(error);
    }
    for (const [key, ir] of irsOnTheWay) {
      irsOnTheWay.delete(key);
      ir.reject(error);
    }
    for (const [key, probe] of probesOnTheWay) {
      probesOnTheWay.delete(key);
      probe.reject(error);
    }
    void which.terminate();
    options.onWorkerLost?.(why);
  }

  /** An idle worker never keeps the process alive; one with an answer or an IR still to send does. */
  function idle(): void {
    if (waiting.size === 0 && irsOnTheWay.size === 0 && probesOnTheWay.size === 0) worker?.unref();
  }

  function post(request: WorkerRequest): void {
    worker!.postMessage(request);
  }

  /**
   * An answer this thread cannot make sense of (a bug of ours) fails the translation that waited for
   * it, never the process: the worker is ended, and the next snapshot starts over on a new one.
   */
  function onMessage(message: WorkerMessage): void {
    if (message.type !== 'translated' && message.type !== 'failed') {
      readMessage(message);
      return;
    }
    const from = worker;
    reading = reading.then(async () => {
      const request = waiting.get(message.id);
      try {
        await readAnswer(message, from);
      } catch (error) {
        waiting.delete(message.id);
        request?.reject(error instanceof TranslationWorkerError ? error : new TranslationWorkerError(`reading the translation worker's answer failed: ${(error as Error).message}`));
        if (worker && worker === from) discard(worker, `an answer could not be read: ${(error as Error).message}`);
      }
    });
  }

  /** What answers no translation: IRs, probes and config dumps asked for. */
  function readMessage(message: Exclude<WorkerMessage, { type: 'translated' | 'failed' }>): void {
    if (message.type === 'ir' || message.type === 'no-ir') {
      const asked = irsOnTheWay.get(message.request);
      irsOnTheWay.delete(message.request);
      if (message.type === 'ir') asked?.resolve(message.ir);
      else asked?.reject(new Error(message.message));
      idle();
      return;
    }
    if (message.type === 'xds') {
      const asked = irsOnTheWay.get(message.request);
      irsOnTheWay.delete(message.request);
      asked?.resolve(message.dumps);
      idle();
      return;
    }
    if (message.type === 'probe' || message.type === 'no-probe') {
      const asked = probesOnTheWay.get(message.request);
      probesOnTheWay.delete(message.request);
      if (message.type === 'no-probe') asked?.reject(new Error(message.message));
      else {
        const resources = { routes: [], clusters: [], endpoints: [] } as ProbeResources['resources'];
        for (const kind of ['routes', 'clusters', 'endpoints'] as const) {
          for (const r of unpackList(message.resources, kind)) resources[kind].push({ name: r.name, version: r.version, bytes: r.bytes! });
        }
        asked?.resolve({ resources, namedOnly: new Set(message.resources.namedOnly) });
      }
      idle();
      return;
    }
  }

  /**
   * A translation's answer, over several turns: its statuses a slice per turn, then its resources.
   * `from`: the worker that sent it; one discarded meanwhile has rejected the translation already.
   */
  async function readAnswer(message: Extract<WorkerMessage, { type: 'translated' | 'failed' }>, from: Worker | undefined): Promise<void> {
    const request = waiting.get(message.id);
    if (!request) return;
    if (message.type === 'failed') {
      waiting.delete(message.id);
      const error = new Error(message.message);
      if (message.stack) error.stack = message.stack;
      request.resolve({ result: 'error', generation: message.generation, error });
      return;
    }
    const stillWanted = () => worker === from && waiting.has(message.id);
    const changed = await deserializeInSlices<[string, ObjectStatus]>(message.changedStatuses, stillWanted);
    if (!changed) return;
    // Nothing changed: the same map, so whoever holds the previous one can tell at once.
    if (changed.length > 0 || message.removedStatuses.length > 0) {
      const next = new Map(statuses);
      for (const key of message.removedStatuses) next.delete(key);
      for (const [key, status] of changed) next.set(key, status);
      statuses = next;
    }
    const gateways: HostGateway[] = [];
    /** Resources unpacked in this turn: a first build's 10,000 clusters and 10,000 endpoint sets take a few. */
    let unpacked = changed.length;
    /** Ends the turn that has done its share; false: a worker that stopped meanwhile failed this translation. */
    const nextShare = async (): Promise<boolean> => {
      unpacked = 0;
      await nextTurn();
      return stillWanted();
    };
    for (const g of message.gateways) {
      if (g.outcome === 'unchanged') {
        gateways.push(g);
        continue;
      }
      if (g.outcome === 'error') {
        const error = new Error(g.message);
        if (g.stack) error.stack = g.stack;
        gateways.push({ gateway: g.gateway, outcome: 'error', error });
        continue;
      }
      if (g.outcome === 'patched') {
        gateways.push(patched(g, message.id));
        continue;
      }
      let lists = known.get(g.gateway);
      if (!lists) {
        const empty = () => ({ list: [], byName: new Map<string, HostResource>() });
        known.set(g.gateway, (lists = { listeners: empty(), routes: empty(), clusters: empty(), endpoints: empty(), secrets: empty() }));
      }
      const resources = {} as Record<ResourceListKey, HostResource[]>;
      for (const kind of RESOURCE_LISTS) {
        const had = lists[kind];
        // The same list as last time: the same array, so the publisher and the snapshot cache skip it too.
        if (g.resources.lists[kind].same) {
          resources[kind] = had.list;
          continue;
        }
        const list: HostResource[] = [];
        const byName = new Map<string, HostResource>();
        for (let i = 0; i < g.resources.lists[kind].names.length; i++) {
          // A worker that stopped meanwhile has failed this translation, and reset what this thread holds.
          if (unpacked >= resourcesPerTurn && !(await nextShare())) return;
          const r = unpackResource(g.resources, kind, i);
          let resource: HostResource | undefined = r.bytes && { name: r.name, version: r.version, bytes: r.bytes };
          if (!resource) {
            resource = had.byName.get(r.name);
            if (!resource || resource.version !== r.version) throw new TranslationWorkerError(`the worker left out ${kind} ${r.name} at a version this thread does not hold`);
          }
          list.push(resource);
          byName.set(r.name, resource);
          unpacked += 1;
        }
        lists[kind] = { list, byName };
        resources[kind] = list;
      }
      gateways.push({ gateway: g.gateway, outcome: 'built', problems: g.problems, resources, namedOnly: new Set(g.resources.namedOnly), ...irAccessors(askIr, message.id, g.gateway) });
    }
    waiting.delete(message.id);
    for (const gateway of [...known.keys()]) if (!message.gateways.some((g) => g.gateway === gateway)) known.delete(gateway);
    // Resolved in a turn of its own: reading the answer and publishing it are two steps, not one.
    const answer: WorkerTranslation = {
      result: 'success',
      generation: message.generation,
      path: message.path,
      gateways,
      statuses,
      diagnostics: message.diagnostics,
      failures: message.failures,
      ...(message.shadowed ? { shadowed: message.shadowed } : {}),
      released: message.released,
      listenerPorts: message.listenerPorts,
      ...(message.rateLimitFiles ? { rateLimitFiles: message.rateLimitFiles } : {}),
      translateMs: message.translateMs,
      buildMs: message.buildMs,
    };
    setImmediate(() => request.resolve(answer));
  }

  /** A backends-only build: its clusters and endpoint sets replace those of the same names. */
  function patched(g: Extract<WorkerGateway, { outcome: 'patched' }>, id: number): HostGateway {
    const lists = known.get(g.gateway);
    if (!lists) throw new TranslationWorkerError(`the worker patched ${g.gateway}, which this thread holds nothing of`);
    const replacements = { clusters: [] as HostResource[], endpoints: [] as HostResource[] };
    for (const kind of ['clusters', 'endpoints'] as const) {
      const had = lists[kind];
      for (const r of unpackList(g.resources, kind)) {
        if (!r.bytes || !had.byName.has(r.name)) throw new TranslationWorkerError(`the worker patched ${kind} ${r.name}, which this thread does not hold`);
        replacements[kind].push({ name: r.name, version: r.version, bytes: r.bytes });
      }
      if (replacements[kind].length === 0) continue;
      const byName = new Map(replacements[kind].map((r) => [r.name, r]));
      const list = had.list.map((r) => byName.get(r.name) ?? r);
      for (const r of replacements[kind]) had.byName.set(r.name, r);
      lists[kind] = { list, byName: had.byName };
    }
    return { gateway: g.gateway, outcome: 'patched', replacements, ...irAccessors(askIr, id, g.gateway) };
  }

  async function askIr(id: number, gateway: string, built = false): Promise<GatewayIR> {
    if (!worker) throw new TranslationWorkerError('the translation worker that built this IR stopped');
    const request = nextIrRequest++;
    const bytes = new Promise<ArrayBuffer>((resolve, reject) => irsOnTheWay.set(request, { resolve, reject }));
    worker.ref();
    post({ type: 'ir', id, gateway, request, ...(built ? { built } : {}) });
    return deserialize(new Uint8Array(await bytes)) as GatewayIR;
  }

  async function askProbe(ir: GatewayIR): Promise<ProbeResources> {
    if (!worker) throw new TranslationWorkerError('the translation worker is not running');
    const request = nextIrRequest++;
    const answer = new Promise<ProbeResources>((resolve, reject) => probesOnTheWay.set(request, { resolve, reject }));
    const bytes = serialize(ir);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    worker.ref();
    worker.postMessage({ type: 'probe', request, ir: buffer } satisfies WorkerRequest, [buffer]);
    return answer;
  }

  /** Every object of the snapshot, in chunks, each posted in a turn of its own. */
  async function sendAll(snapshot: ProviderSnapshot): Promise<void> {
    post({ type: 'reset', options: options.translate });
    const quarantined = options.quarantined?.() ?? [];
    if (quarantined.length > 0) post({ type: 'quarantine', entries: quarantined });
    let chunk: KubeObject[] = [];
    for (const object of snapshot.resources.all()) {
      chunk.push(object);
      if (chunk.length < perMessage) continue;
      post({ type: 'upsert', objects: chunk });
      chunk = [];
      await nextTurn();
      if (!worker) throw new TranslationWorkerError('the translation worker stopped while it was sent the objects');
    }
    if (chunk.length > 0) post({ type: 'upsert', objects: chunk });
  }

  function sendChanges(snapshot: ProviderSnapshot): void {
    const upserts: KubeObject[] = [];
    const deletes: ObjectRef[] = [];
    for (const change of snapshot.changes!) {
      const ref = { kind: change.kind, ...(change.namespace === undefined ? {} : { namespace: change.namespace }), name: change.name };
      const object = change.type === 'upsert' ? snapshot.resources.get(change.kind, change.namespace, change.name) : undefined;
      if (object) upserts.push(object);
      else deletes.push(ref);
    }
    if (deletes.length > 0) post({ type: 'delete', refs: deletes });
    for (let i = 0; i < upserts.length; i += perMessage) post({ type: 'upsert', objects: upserts.slice(i, i + perMessage) });
  }

  async function translateNow(snapshot: ProviderSnapshot, now: Date, force: boolean, gatewayFacts: [string, GatewayFacts][] | undefined): Promise<WorkerTranslation> {
    worker ??= start();
    const target = worker;
    const follows = workerGeneration !== undefined && snapshot.changes !== undefined && snapshot.generation === workerGeneration + 1;
    const same = workerGeneration === snapshot.generation;
    if (!same) {
      try {
        if (follows) sendChanges(snapshot);
        else await sendAll(snapshot);
      } catch (error) {
        // Part of the snapshot may have reached the worker: the next one starts over from every object.
        workerGeneration = undefined;
        throw error;
      }
    }
    // The worker may have died while it was sent the objects: this snapshot goes to the next one.
    if (worker !== target) throw new TranslationWorkerError('the translation worker stopped while it was sent the snapshot');
    workerGeneration = snapshot.generation;
    const endpointsOnly = follows && !force && snapshot.changes!.length > 0 && snapshot.changes!.every((c) => c.kind === 'EndpointSlice');
    const id = nextId++;
    const answer = new Promise<WorkerTranslation>((resolve, reject) => waiting.set(id, { resolve, reject }));
    target.ref();
    void answer.then(idle, idle);
    post({
      type: 'translate',
      id,
      generation: snapshot.generation,
      now: now.toISOString(),
      endpointsOnly: endpointsOnly ? snapshot.changes!.map((c) => ({ kind: c.kind, ...(c.namespace === undefined ? {} : { namespace: c.namespace }), name: c.name })) : undefined,
      ...(gatewayFacts ? { gatewayFacts } : {}),
    });
    return answer;
  }

  return {
    translate(snapshot, now, translateOptions = {}) {
      const run = queue.then(() => translateNow(snapshot, now, translateOptions.force === true, translateOptions.gatewayFacts));
      queue = run.catch(() => undefined);
      return run;
    },
    quarantine(entries) {
      // A worker started later gets the whole quarantine with every object (`quarantined`).
      if (worker && entries.length > 0) post({ type: 'quarantine', entries: [...entries] });
    },
    probe: (ir) => askProbe(ir),
    async configDumps(gateways) {
      // No worker yet (or it died): nothing is served from a build this thread can still ask about.
      if (!worker) return new Map();
      const request = nextIrRequest++;
      const bytes = new Promise<ArrayBuffer>((resolve, reject) => irsOnTheWay.set(request, { resolve, reject }));
      worker.ref();
      post({ type: 'xds', request, ...(gateways ? { gateways: [...gateways] } : {}) });
      return new Map(deserialize(new Uint8Array(await bytes)) as [string, unknown][]);
    },
    async close() {
      const stopping = worker;
      worker = undefined;
      workerGeneration = undefined;
      const error = new TranslationWorkerError('the translation worker was closed');
      for (const [id, request] of waiting) {
        waiting.delete(id);
        request.reject(error);
      }
      for (const [key, ir] of irsOnTheWay) {
        irsOnTheWay.delete(key);
        ir.reject(error);
      }
      for (const [key, probe] of probesOnTheWay) {
        probesOnTheWay.delete(key);
        probe.reject(error);
      }
      await stopping?.terminate();
    },
  };
}

/**
 * A gateway's `ir` and `builtIr`, made outside the function that reads an answer: the publisher keeps
 * `builtIr` for 64 versions (NACK containment), and a closure keeps its whole enclosing scope alive,
 * which there is the answer itself (its transferred buffer, its statuses). Here it keeps three values.
 */
function irAccessors(askIr: (id: number, gateway: string, built?: boolean) => Promise<GatewayIR>, id: number, gateway: string): { ir: () => Promise<GatewayIR>; builtIr: () => Promise<GatewayIR> } {
  let ir: Promise<GatewayIR> | undefined;
  return { ir: () => (ir ??= askIr(id, gateway)), builtIr: () => askIr(id, gateway, true) };
}
