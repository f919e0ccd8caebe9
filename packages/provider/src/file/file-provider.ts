/**
 * The file provider: a folder of YAML/JSON resources, watched, served as ProviderSnapshots.
 *
 * One writer (`syncFolder`, never two at once) scans the folder, re-reads only files whose stat signature
 * changed or that an event named, and publishes only when the served objects changed. Watch events and
 * the periodic rescan only ever ask for a pass through the debouncer (hold-off + maximum delay), so a
 * burst of writes becomes one publish.
 */
import { realpath, stat } from 'node:fs/promises';
import { isInsideFolder, ResourceSet, type Resource } from '@portico/resources';
import type { ProviderSnapshot, SourceStatus } from '../types.js';
import { createDebouncer, systemClock } from './debounce.js';
import { createDirectoryWatchers } from './directory-watchers.js';
import { fileSourceStatus, lostObjects, newFileSource, readFileSource, type FileSource, type GoodVersion } from './file-source.js';
import {
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_RESCAN_INTERVAL_MS,
  DEFAULT_SETTLE_MS,
  silentLogger,
  type FileProvider,
  type FileProviderOptions,
} from './file-provider-options.js';
import { createLastGoodState } from './last-good-state.js';
import { fingerprintSources, mergeSources } from './merge-sources.js';
import { createWorkerParser } from './parse-file.js';
import { servedObjects } from './served-objects.js';
import { sameSignature, scanFolder, scansDiffer, type FileSignature, type FolderScan } from './scan-folder.js';

/**
 * Creates a file provider for `options.directory`. Nothing is read until `start()`.
 *
 * A file that fails to parse is reported (`sources()`, and the logger) and its last good objects keep
 * being served; a deleted file's objects go away once it has been missing for two passes, so an editor
 * that saves by delete-and-recreate never makes its objects blink out. A read that would take objects
 * away (an emptied file, or one cut short by a writer that truncates, then writes) is served only once
 * the file has stayed that way for `settleMs`. With `stateDirectory`, every file's last good objects
 * are saved there, and a file broken at start serves them (last-good-state.ts).
 */
export function createFileProvider(options: FileProviderOptions): FileProvider {
  const root = options.directory;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? systemClock;
  const rescanIntervalMs = options.rescanIntervalMs ?? DEFAULT_RESCAN_INTERVAL_MS;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const parser = options.parser ?? createWorkerParser();
  const state = options.stateDirectory === undefined ? undefined : createLastGoodState({ directory: options.stateDirectory, maxFileBytes, parser, logger });
  /** Re-reads scheduled for files settling (PendingShrink), by path. */
  const settleTimers = new Map<string, unknown>();
  /** Symlinks leading out of the folder already reported (once each). */
  const reportedOutside = new Set<string>();

  const files = new Map<string, FileSource>();
  /** Paths that watch events named since the last pass: re-read even if stat looks unchanged. */
  let named = new Set<string>();
  let lastScan: FolderScan | undefined;
  let folderError: { message: string; at: Date } | undefined;
  let snapshot: ProviderSnapshot | undefined;
  /** The objects of the last snapshot by kind/namespace/name (served-objects.ts). */
  let served: Map<string, Resource> | undefined;
  let fingerprint: string | undefined;
  let duplicates = new Map<string, string[]>();
  /** Files forgotten since the state directory was last saved. */
  let removedSinceSave: string[] = [];
  const listeners = new Set<(snapshot: ProviderSnapshot) => void>();

  let started: Promise<ProviderSnapshot> | undefined;
  let stopped = false;
  let passes: Promise<void> = Promise.resolve();
  let passQueued = false;
  let rescanTimer: unknown;
  let rescanning: Promise<void> = Promise.resolve();
  /** When the oldest change notification not yet looked at by a pass arrived (the debouncer's clock). */
  let changeSince: number | undefined;

  const debouncer = createDebouncer({
    holdOffMs: options.holdOffMs ?? DEFAULT_HOLD_OFF_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    clock,
    fire: (startedAt) => {
      changeSince = Math.min(changeSince ?? startedAt, startedAt);
      void requestPass();
    },
  });
  const watchers = createDirectoryWatchers({
    root,
    onEvent(path) {
      if (stopped) return;
      if (path !== undefined) named.add(path);
      debouncer.notify();
    },
    onWatchError: (directory, err) => logger.warn('cannot watch folder; relying on the periodic rescan', { directory: directory || root, error: err.message }),
  });

  /** Queues one pass; passes never overlap, and a pass not yet started serves every request made meanwhile. */
  function requestPass(): Promise<void> {
    if (passQueued) return passes;
    passQueued = true;
    passes = passes.then(async () => {
      passQueued = false;
      if (stopped) return;
      try {
        await syncFolder();
      } catch (err) {
        logger.error('file provider pass failed', { directory: root, error: (err as Error).stack ?? String(err) });
      }
    });
    return passes;
  }

  async function syncFolder(): Promise<void> {
    // The notifications this pass answers: a change it publishes dates from the oldest of them.
    const changedAt = changeSince;
    changeSince = undefined;
    let scan: FolderScan;
    try {
      scan = await scanFolder(root);
    } catch (err) {
      // The folder itself is gone or unreadable: keep serving everything rather than drop all config.
      if (!folderError) logger.error('cannot read resources folder; serving the last good resources', { directory: root, error: (err as Error).message });
      folderError = { message: `${root}: cannot read folder: ${(err as Error).message}`, at: now() };
      return;
    }
    if (stopped) return;
    if (folderError) logger.info('resources folder readable again', { directory: root });
    folderError = undefined;
    lastScan = scan;
    watchers.reconcile(scan.directories);
    const wanted = named;
    named = new Set();

    const present = new Set<string>();
    const retry: string[] = [];
    const first = snapshot === undefined;
    for (const path of scan.outside) {
      if (reportedOutside.has(path)) continue;
      reportedOutside.add(path);
      logger.warn('symlink leads out of the resources folder; not followed', { file: path });
    }
    const ctx = { root, realRoot: scan.realRoot, maxFileBytes, parser, now: now() };
    await Promise.all(
      [...scan.files].map(async ([path, signature]) => {
        let source = files.get(path);
        if (!source) files.set(path, (source = newFileSource(path)));
        if (sameSignature(source.signature, signature) && !wanted.has(path)) return present.add(path);
        const hadError = source.error !== undefined;
        const outcome = await readFileSource(source, signature, ctx);
        if (outcome.kind === 'vanished') return;
        present.add(path);
        // At start, a file that is broken, being written, or holds other objects than it last served
        // starts from its saved objects (and a shrink then settles like any other).
        const differs = outcome.kind === 'parsed' ? state?.differs(path, outcome.good.objectsHash) : outcome.kind !== 'unchanged';
        if (first && state && !source.good && differs) await restoreFromState(source);
        if (outcome.kind === 'unstable') return void retry.push(path);
        if (outcome.kind === 'failed') {
          source.pending = undefined;
          const from = source.restored ? 'the state directory' : 'its last good version';
          logger.error(`resource file rejected; serving ${from}`, { file: path, error: source.error?.message, objects: source.good?.objects.length ?? 0 });
        } else if (outcome.kind === 'unchanged') {
          if (source.pending) confirmSettled(source, outcome.signature);
        } else {
          offer(source, outcome.good, outcome.signature, hadError);
        }
      }),
    );
    if (stopped) return;
    for (const path of retry) named.add(path);
    if (retry.length > 0) debouncer.notify();
    forgetMissingFiles(present);

    const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const next = fingerprintSources(sorted);
    if (next !== fingerprint) {
      // A worker's answer was just unpacked in this same turn of the event loop: let timers and I/O
      // run before the publish, so the two never add up to one long stall.
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped) return;
      fingerprint = next;
      publish(sorted, changedAt);
    }
    if (state) {
      await state.save(sorted, removedSinceSave);
      removedSinceSave = [];
      if (first) await state.keepOnly(files.keys());
    }
  }

  /** A file broken (or changed) at start: its last good objects from the state directory, if saved there. */
  async function restoreFromState(source: FileSource): Promise<void> {
    const good = await state!.restore(source.path);
    if (!good) return;
    source.good = good;
    source.restored = { savedAt: good.at };
    logger.warn('resource file restored from the state directory', { file: source.path, objects: good.objects.length, savedAt: good.at.toISOString() });
  }

  /** A file parsed: serve what it holds now, unless that takes objects away (then only once it settles). */
  function offer(source: FileSource, good: GoodVersion, signature: FileSignature, hadError: boolean): void {
    const lost = source.good ? lostObjects(source.good.objects, good.objects) : 0;
    if (lost > 0 && settleMs > 0 && source.good !== good) {
      source.pending = { good, signature, since: clock.now() };
      source.error = undefined;
      logger.info('resource file lost objects; serving the previous ones until it settles', { file: source.path, lost, settleMs });
      scheduleSettle(source.path, settleMs);
      return;
    }
    accept(source, good, hadError || source.restored !== undefined);
  }

  function accept(source: FileSource, good: GoodVersion, recovered: boolean): void {
    source.good = good;
    source.error = undefined;
    source.restored = undefined;
    source.pending = undefined;
    if (recovered) logger.info('resource file valid again', { file: source.path });
    if (good.warnings.length) logger.warn('resource file loaded with warnings', { file: source.path, warnings: good.warnings });
  }

  /** Re-read a settling file unchanged: serve its new version once it has been the same file for settleMs. */
  function confirmSettled(source: FileSource, signature: FileSignature): void {
    const pending = source.pending!;
    if (!sameSignature(pending.signature, signature)) {
      // Written again with the same text (a writer loop): not settled yet.
      pending.signature = signature;
      pending.since = clock.now();
    }
    const waited = clock.now() - pending.since;
    if (waited < settleMs) return scheduleSettle(source.path, settleMs - waited);
    logger.info('resource file settled with fewer objects', { file: source.path, objects: pending.good.objects.length });
    accept(source, pending.good, false);
  }

  function scheduleSettle(path: string, ms: number): void {
    if (stopped || settleTimers.has(path)) return;
    settleTimers.set(
      path,
      clock.setTimeout(() => {
        settleTimers.delete(path);
        if (stopped) return;
        named.add(path);
        debouncer.notify();
      }, Math.max(1, ms)),
    );
  }

  /** Drops files missing from a scan, but only at the second pass that misses them (see above). */
  function forgetMissingFiles(present: Set<string>): void {
    let recheck = false;
    for (const [path, source] of files) {
      if (present.has(path)) {
        source.missingSince = undefined;
        continue;
      }
      if (source.good?.objects.length && source.missingSince === undefined) {
        source.missingSince = clock.now();
        recheck = true;
        continue;
      }
      files.delete(path);
      removedSinceSave.push(path);
      if (source.good) logger.info('resource file removed', { file: path, objects: source.good.objects.length });
    }
    if (recheck) debouncer.notify();
  }

  function publish(sorted: FileSource[], changedAt: number | undefined): void {
    const merged = mergeSources(sorted);
    duplicates = merged.duplicates;
    const first = snapshot === undefined;
    const next = servedObjects(merged.objects, served);
    served = next.byKey;
    snapshot = {
      generation: (snapshot?.generation ?? 0) + 1,
      resources: ResourceSet.from(next.objects),
      objects: next.objects,
      // What changed since the previous snapshot (none on the first: everything is new).
      ...(first ? {} : { changes: next.changes }),
      ...(first || changedAt === undefined ? {} : { changedAt }),
    };
    // The first snapshot is start()'s result, not a change: listeners hear only what follows it.
    if (snapshot.generation === 1) return;
    logger.info('resources changed', { directory: root, generation: snapshot.generation, files: sorted.length, objects: merged.objects.length });
    for (const listener of [...listeners]) notify(listener, snapshot);
  }

  function notify(listener: (snapshot: ProviderSnapshot) => void, current: ProviderSnapshot): void {
    const report = (err: unknown) => logger.error('resource change listener failed', { generation: current.generation, error: (err as Error)?.stack ?? String(err) });
    try {
      // An async listener's rejection must not become an unhandled rejection that kills the process.
      const result: unknown = listener(current);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(result).catch(report);
    } catch (err) {
      report(err);
    }
  }

  function scheduleRescan(): void {
    rescanTimer = clock.setTimeout(() => {
      rescanTimer = undefined;
      rescanning = rescanOnce().finally(() => {
        if (!stopped) scheduleRescan();
      });
    }, rescanIntervalMs);
  }

  /** The fallback for missed events: a stat-only walk, and a debounced pass if anything differs. */
  async function rescanOnce(): Promise<void> {
    try {
      const scan = await scanFolder(root);
      if (!stopped && (!lastScan || folderError || scansDiffer(scan, lastScan))) debouncer.notify();
    } catch {
      if (!stopped && !folderError) debouncer.notify();
    }
  }

  async function start(): Promise<ProviderSnapshot> {
    const info = await stat(root).catch((err: NodeJS.ErrnoException) => {
      const detail = err.code === 'ENOENT' ? 'no such directory' : err.message;
      throw new Error(`file provider: cannot watch resources folder ${root}: ${detail}`, { cause: err });
    });
    if (!info.isDirectory()) throw new Error(`file provider: cannot watch resources folder ${root}: not a directory`);
    if (state) {
      await state.open().catch((err: Error) => {
        throw new Error(`file provider: cannot use state directory ${state.directory}: ${err.message}`, { cause: err });
      });
      // Its entries are .json files: inside the folder, they would be read back as resources.
      if (isInsideFolder(await realpath(root), await realpath(state.directory))) {
        throw new Error(`file provider: cannot use state directory ${state.directory}: it is inside the resources folder`);
      }
    }
    await requestPass();
    if (stopped) throw new Error('file provider: stopped before it started');
    if (!snapshot) throw new Error(folderError?.message ?? `file provider: cannot read resources folder ${root}`);
    scheduleRescan();
    const broken = [...files.values()].filter((f) => f.error).length;
    const restored = [...files.values()].filter((f) => f.restored).length;
    logger.info('file provider started', { directory: root, files: files.size, objects: snapshot.objects.length, brokenFiles: broken, restoredFiles: restored, ...(state ? { stateDirectory: state.directory } : {}) });
    return snapshot;
  }

  function current(): ProviderSnapshot {
    if (!snapshot) throw new Error('file provider: current() called before start() resolved');
    return snapshot;
  }

  async function stop(): Promise<void> {
    stopped = true;
    debouncer.cancel();
    if (rescanTimer !== undefined) clock.clearTimeout(rescanTimer);
    rescanTimer = undefined;
    for (const timer of settleTimers.values()) clock.clearTimeout(timer);
    settleTimers.clear();
    watchers.close();
    // Let an in-flight pass or rescan finish, so nothing runs (or publishes) after stop resolves.
    await Promise.all([passes, rescanning]);
    await parser.close();
  }

  return {
    start() {
      started ??= start().catch(async (err: unknown) => {
        await stop();
        throw err;
      });
      return started;
    },
    stop,
    current,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    sources() {
      const statuses: SourceStatus[] = [];
      if (folderError) {
        statuses.push({ source: root, state: 'error', objects: 0, error: folderError.message, warnings: [], lastErrorAt: folderError.at.toISOString() });
      }
      const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const source of sorted) statuses.push(fileSourceStatus(source, duplicates.get(source.path) ?? []));
      return statuses;
    },
    async rescan() {
      if (!started) throw new Error('file provider: rescan() called before start()');
      await started;
      debouncer.cancel();
      await requestPass();
      return current();
    },
  };
}
