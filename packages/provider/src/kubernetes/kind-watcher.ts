/**
 * One watched kind: finds the version the API server serves it at, runs a client-node ListWatch on it,
 * feeds the snapshot assembler, and keeps it running through failures.
 *
 * - ListWatch stops for good at the first list or watch error; we restart it with exponential backoff
 *   (a restart resumes the watch from the last resourceVersion; ListWatch relists on 410 Gone and then
 *   reports only objects whose resourceVersion changed, and deletes those missing from the new list).
 * - A kind the API server does not serve (no CRD) is not an error for the others: it is logged once,
 *   reported in `status()` and looked for again every `missingRetryMs`. A kind that stops being served
 *   keeps its objects for `missingGraceMs` (an API server that is starting answers 404 for CRD kinds
 *   until it has read the CRDs) and is looked for again with backoff meanwhile.
 * - With `namespace`, it watches that namespace only (namespaced-kind-watcher.ts runs one per namespace
 *   into the same store), so whatever it drops from the store it drops from its own namespace only.
 */
import { ADD, DELETE, ERROR, ListWatch, UPDATE, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Resource } from '@portico/resources';
import type { SourceStatus } from '../types.js';
import { ClosableWatch, WatchClosedError } from './closable-watch.js';
import { describeError, httpStatusOf, type KubeApiClient } from './kube-api-client.js';
import type { RetryTiming } from './kubernetes-provider-options.js';
import { normalizeObject } from './normalize-object.js';
import type { ServedVersions } from './served-versions.js';
import type { SnapshotAssembler } from './snapshot-assembler.js';
import type { KubernetesLogger } from './types.js';
import { apiVersionOf, collectionPath, sourceName, type WatchTarget } from './watch-targets.js';

/** Consecutive 429 answers retried without reporting the source as failing (see `failed`). */
const MAX_QUIET_THROTTLED_RETRIES = 3;

export interface KindWatcherOptions {
  target: WatchTarget;
  /** Watch this namespace only, instead of the whole cluster. */
  namespace?: string;
  kubeConfig: KubeConfig;
  client: KubeApiClient;
  servedVersions: ServedVersions;
  assembler: SnapshotAssembler;
  timing: RetryTiming;
  logger: KubernetesLogger;
  /** Called after each write to the assembler. */
  changed(): void;
  /** Wall clock of lastGoodAt / lastErrorAt. */
  now?(): Date;
}

export interface KindWatcher {
  /** Starts watching; resolves once the kind has been listed, or is known not to be served (or on stop). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once start() would resolve. */
  synced(): boolean;
  /** True while the API server does not serve the kind (and its objects, if it had any, are dropped). */
  notServed(): boolean;
  status(): SourceStatus;
}

type JsonObject = Record<string, unknown>;

export function createKindWatcher(options: KindWatcherOptions): KindWatcher {
  const { target, assembler, timing, logger } = options;
  const now = options.now ?? (() => new Date());
  const { namespace } = options;
  const fields = { kind: target.kind, ...(namespace !== undefined ? { namespace } : {}) };

  let stopped = false;
  let started = false;
  let informer: ListWatch<KubernetesObject> | undefined;
  let watch: ClosableWatch | undefined;
  let version: string | undefined;
  /** The next list of a new informer must also drop objects the previous informer left in the store. */
  let reconcile = false;
  let listedThisAttempt = false;
  let attemptFailed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let currentError: { message: string; at: Date } | undefined;
  let lastErrorAt: Date | undefined;
  let lastGoodAt: Date | undefined;
  /** performance.now() when the kind was first found not served; undefined while it is served. */
  let missingSince: number | undefined;

  let settled = false;
  let settle: () => void = () => {};
  const firstSync = new Promise<void>((resolve) => (settle = resolve));
  const markSettled = () => {
    settled = true;
    settle();
  };

  function schedule(delayMs: number, action: () => Promise<void>): void {
    if (stopped) return;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!stopped) void guarded(action);
    }, delayMs);
  }

  /** Nothing a watcher does may end the process: an unexpected throw is logged and retried. */
  async function guarded(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      logger.error('kubernetes watcher failed unexpectedly', { ...fields, error: (err as Error)?.stack ?? String(err) });
      failed(err);
    }
  }

  function backoffMs(): number {
    const base = Math.min(timing.retryMaxMs, timing.retryInitialMs * 2 ** Math.max(0, failures - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Resolves the served version, (re)creates the informer if it changed, and runs it. */
  async function connect(): Promise<void> {
    let served: string | undefined;
    try {
      served = await options.servedVersions.resolve(target);
    } catch (err) {
      failed(err);
      return;
    }
    if (stopped) return;
    if (served === undefined) return notServed();
    if (missingSince !== undefined) logger.info('kubernetes kind served', { ...fields, version: served });
    missingSince = undefined;
    if (!informer || served !== version) replaceInformer(served);
    await runInformer();
  }

  function replaceInformer(served: string): void {
    discardInformer();
    version = served;
    const apiVersion = apiVersionOf(target, served);
    const path = collectionPath(target, served, namespace);
    if (served !== target.versions[0]) logger.info('kubernetes kind read at an older version', { ...fields, apiVersion });
    const closable = new ClosableWatch(options.kubeConfig);
    const created: ListWatch<KubernetesObject> = new ListWatch(path, closable, () => list(created, path, apiVersion), false);
    const live = () => !stopped && informer === created;
    created.on(ADD, (object) => live() && upsert(object, apiVersion));
    created.on(UPDATE, (object) => live() && upsert(object, apiVersion));
    created.on(DELETE, (object) => {
      if (!live()) return;
      assembler.delete(target.kind, object.metadata?.namespace, object.metadata?.name ?? '');
      options.changed();
    });
    created.on(ERROR, (err) => live() && failed(err));
    informer = created;
    watch = closable;
    reconcile = true;
  }

  function discardInformer(): void {
    void informer?.stop();
    watch?.close();
    informer = undefined;
    watch = undefined;
    version = undefined;
  }

  async function list(owner: ListWatch<KubernetesObject>, path: string, apiVersion: string): Promise<KubernetesListObject<KubernetesObject>> {
    const { items, resourceVersion } = await options.client.listAll(path);
    // A list that answers after stop() (or after this informer was replaced) must not start a watch.
    if (stopped || informer !== owner) throw new WatchClosedError();
    const objects = items.map((item) => normalizeObject(item, target, apiVersion));
    if (reconcile) dropUnlisted(objects);
    reconcile = false;
    listedThisAttempt = true;
    lastGoodAt = now();
    logger.debug('kubernetes kind listed', { ...fields, objects: objects.length, resourceVersion });
    return { metadata: { resourceVersion }, items: objects as unknown as KubernetesObject[] };
  }

  /** What this watcher put in the store: the kind's objects, or only its namespace's when it watches one. */
  function ownStored(): Resource[] {
    const stored = assembler.stored(target.kind);
    return namespace === undefined ? stored : stored.filter((o) => o.metadata.namespace === namespace);
  }

  /** After a new informer's first list: what the old one left behind and the new list lacks is gone. */
  function dropUnlisted(listed: Resource[]): void {
    const keep = new Set(listed.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`));
    let dropped = 0;
    for (const object of ownStored()) {
      if (keep.has(`${object.metadata.namespace ?? ''}/${object.metadata.name}`)) continue;
      assembler.delete(target.kind, object.metadata.namespace, object.metadata.name);
      dropped++;
    }
    if (dropped > 0) options.changed();
  }

  function upsert(object: KubernetesObject, apiVersion: string): void {
    // List items arrive normalised already; watch events arrive raw. Normalising twice changes nothing.
    assembler.upsert(target.kind, normalizeObject(object as JsonObject, target, apiVersion));
    options.changed();
  }

  async function runInformer(): Promise<void> {
    const current = informer;
    if (!current) return;
    listedThisAttempt = false;
    attemptFailed = false;
    try {
      await current.start();
    } catch (err) {
      failed(err);
    }
    if (stopped || current !== informer) return;
    if (listedThisAttempt) markSettled();
    if (attemptFailed) return;
    if (failures > 0) logger.info('kubernetes watch restored', { ...fields, failures });
    failures = 0;
    currentError = undefined;
    lastGoodAt = now();
    markSettled();
    if (version !== target.versions[0]) schedule(timing.missingRetryMs, lookForPreferredVersion);
  }

  /**
   * Read at an older version: look again, as for a missing kind, whether a more preferred one is served
   * now. A CRD that gains a version, or one just installed while API discovery still lists it at only
   * some of its versions (the API server publishes each group version separately), is then read at its
   * preferred version rather than at whichever the first look found.
   */
  async function lookForPreferredVersion(): Promise<void> {
    let served: string | undefined;
    try {
      served = await options.servedVersions.resolve(target);
    } catch {
      served = undefined;
    }
    if (stopped || informer === undefined || version === undefined) return;
    const preferred = served !== undefined && target.versions.indexOf(served) < target.versions.indexOf(version);
    if (!preferred) {
      schedule(timing.missingRetryMs, lookForPreferredVersion);
      return;
    }
    logger.info('kubernetes kind served at a more preferred version; reading it there', { ...fields, apiVersion: apiVersionOf(target, served!) });
    replaceInformer(served!);
    await runInformer();
  }

  function failed(err: unknown): void {
    if (stopped || err instanceof WatchClosedError) return;
    attemptFailed = true;
    failures++;
    const message = describeError(err);
    const status = httpStatusOf(err);
    // 429 is the API server asking to come back later: its watch cache of a just-established CRD is still
    // initializing ("storage is (re)initializing"), or priority and fairness shed load. client-go retries
    // it quietly; so do we, and only a streak of them makes the source an error.
    const throttledOnly = status === 429 && failures <= MAX_QUIET_THROTTLED_RETRIES;
    if (!throttledOnly) {
      currentError = { message, at: now() };
      lastErrorAt = currentError.at;
    }
    const notFound = status === 404;
    const retryInMs = backoffMs();
    // The first failure of a streak is news, the retries of the same outage are not; but until the
    // kind has synced, each failure says why the provider is not starting (RBAC, an unreachable server).
    const log = !throttledOnly && (failures === 1 || !settled) ? logger.warn : logger.debug;
    log.call(logger, 'kubernetes list/watch failed; retrying', { ...fields, error: message, failures, retryInMs });
    // 404: the resource may no longer be served at this version (CRD changed or removed): look again.
    // A retry restarts the informer that failed, and only while it is still ours: starting an informer
    // whose watch is alive (one that replaced it meanwhile) would abort that watch and fail again.
    const failing = informer;
    schedule(retryInMs, notFound || !failing ? connect : () => (informer === failing ? runInformer() : Promise.resolve()));
  }

  function notServed(): void {
    const wasServed = informer !== undefined;
    const at = performance.now();
    if (missingSince === undefined) {
      missingSince = at;
      const what = `${target.plural}.${target.group || 'core'}`;
      if (wasServed) logger.warn('kubernetes kind no longer served; keeping its objects for now', { ...fields, resource: what, graceMs: timing.missingGraceMs });
      else logger.warn('kubernetes kind not served by the API server (is its CRD installed?); looking again periodically', { ...fields, resource: what, retryMs: timing.missingRetryMs });
    }
    if (wasServed && at - missingSince < timing.missingGraceMs) {
      failures++;
      currentError = { message: `${target.plural}.${target.group} is no longer served by the API server`, at: now() };
      lastErrorAt = currentError.at;
      schedule(backoffMs(), connect);
      return;
    }
    if (wasServed) {
      const objects = ownStored();
      logger.warn('kubernetes kind still not served; dropping its objects', { ...fields, objects: objects.length });
      discardInformer();
      for (const o of objects) assembler.delete(target.kind, o.metadata.namespace, o.metadata.name);
      if (objects.length > 0) options.changed();
    }
    failures = 0;
    currentError = undefined;
    markSettled();
    schedule(timing.missingRetryMs, connect);
  }

  return {
    start() {
      if (!started) {
        started = true;
        void guarded(connect);
      }
      return firstSync;
    },
    async stop() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      const current = informer;
      watch?.close();
      markSettled();
      await current?.stop();
    },
    synced: () => settled,
    notServed: () => missingSince !== undefined && !informer,
    status() {
      const warnings: string[] = [];
      if (missingSince !== undefined && !informer) {
        warnings.push(
          `${target.plural}.${target.group} is not served by the API server (is its CRD installed?); looking again every ${Math.round(timing.missingRetryMs / 1000)}s`,
        );
      }
      if (version !== undefined && version !== target.versions[0]) {
        warnings.push(`read at ${apiVersionOf(target, version)}: the API server does not serve ${apiVersionOf(target, target.versions[0] ?? '')}`);
      }
      return {
        source: sourceName(target.kind),
        state: currentError ? 'error' : 'ok',
        objects: assembler.servedCount(target.kind),
        ...(currentError ? { error: currentError.message } : {}),
        warnings,
        ...(lastGoodAt ? { lastGoodAt: lastGoodAt.toISOString() } : {}),
        ...(lastErrorAt ? { lastErrorAt: lastErrorAt.toISOString() } : {}),
      };
    },
  };
}
