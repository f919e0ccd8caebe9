/**
 * The file provider: a folder of YAML/JSON resources, watched, served as ProviderSnapshots.
 *
 * One writer (`syncFolder`, never two at once) scans the folder, re-reads only files whose stat signature
 * changed or that an event named, and publishes only when the served objects changed. Watch events and
 * the periodic rescan only ever ask for a pass through the debouncer (hold-off + maximum delay), so a
 * burst of writes becomes one publish.
 */
import { stat } from 'node:fs/promises';
import { ResourceSet, type Resource } from '@portico/resources';
import type { ProviderSnapshot, SourceStatus } from '../types.js';
import { createDebouncer, systemClock } from './debounce.js';
import { createDirectoryWatchers } from './directory-watchers.js';
import { fileSourceStatus, newFileSource, readFileSource, type FileSource } from './file-source.js';
import {
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_RESCAN_INTERVAL_MS,
  silentLogger,
  type FileProvider,
  type FileProviderOptions,
} from './file-provider-options.js';
import { fingerprintSources, mergeSources } from './merge-sources.js';
import { servedObjects } from './served-objects.js';
import { sameSignature, scanFolder, scansDiffer, type FolderScan } from './scan-folder.js';

/**
 * Creates a file provider for `options.directory`. Nothing is read until `start()`.
 *
 * A file that fails to parse is reported (`sources()`, and the logger) and its last good objects keep
 * being served; a deleted file's objects go away once it has been missing for two passes, so an editor
 * that saves by delete-and-recreate never makes its objects blink out.
 */
export function createFileProvider(options: FileProviderOptions): FileProvider {
  const root = options.directory;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? systemClock;
  const rescanIntervalMs = options.rescanIntervalMs ?? DEFAULT_RESCAN_INTERVAL_MS;

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
  const listeners = new Set<(snapshot: ProviderSnapshot) => void>();

  let started: Promise<ProviderSnapshot> | undefined;
  let stopped = false;
  let passes: Promise<void> = Promise.resolve();
  let passQueued = false;
  let rescanTimer: unknown;
  let rescanning: Promise<void> = Promise.resolve();

  const debouncer = createDebouncer({
    holdOffMs: options.holdOffMs ?? DEFAULT_HOLD_OFF_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    clock,
    fire: () => void requestPass(),
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
    await Promise.all(
      [...scan.files].map(async ([path, signature]) => {
        let source = files.get(path);
        if (!source) files.set(path, (source = newFileSource(path)));
        if (sameSignature(source.signature, signature) && !wanted.has(path)) return present.add(path);
        const hadError = source.error !== undefined;
        const outcome = await readFileSource(root, source, signature, now());
        if (outcome === 'vanished') return;
        present.add(path);
        if (outcome === 'failed') {
          logger.error('resource file rejected; serving its last good version', { file: path, error: source.error?.message, objects: source.good?.objects.length ?? 0 });
        } else if (outcome === 'updated') {
          if (hadError) logger.info('resource file valid again', { file: path });
          if (source.good?.warnings.length) logger.warn('resource file loaded with warnings', { file: path, warnings: source.good.warnings });
        }
      }),
    );
    if (stopped) return;
    forgetMissingFiles(present);

    const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const next = fingerprintSources(sorted);
    if (next === fingerprint) return;
    fingerprint = next;
    publish(sorted);
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
      if (source.good) logger.info('resource file removed', { file: path, objects: source.good.objects.length });
    }
    if (recheck) debouncer.notify();
  }

  function publish(sorted: FileSource[]): void {
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
    await requestPass();
    if (stopped) throw new Error('file provider: stopped before it started');
    if (!snapshot) throw new Error(folderError?.message ?? `file provider: cannot read resources folder ${root}`);
    scheduleRescan();
    const broken = [...files.values()].filter((f) => f.error).length;
    logger.info('file provider started', { directory: root, files: files.size, objects: snapshot.objects.length, brokenFiles: broken });
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
    watchers.close();
    // Let an in-flight pass or rescan finish, so nothing runs (or publishes) after stop resolves.
    await Promise.all([passes, rescanning]);
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
