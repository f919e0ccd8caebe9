/**
 * One non-recursive `fs.watch` per directory of the watched folder. Node 20's `recursive: true` on Linux
 * is emulated in JavaScript and has crashed the process when files or subfolders are deleted while
 * watched (nodejs/node#52018, #63686: an ENOENT from its own stat/readdir becomes an uncaught error). One
 * inotify watch per directory, reconciled after every scan, is what that emulation does anyway, with the
 * errors in our hands.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join, posix } from 'node:path';

/** Options of createDirectoryWatchers. */
export interface DirectoryWatchersOptions {
  root: string;
  /**
   * Called for every event. `path` is the entry the event names, relative to `root`, when the platform
   * says; undefined when it does not, or when a watch failed (the caller should rescan).
   */
  onEvent(path: string | undefined): void;
  /** Told when a directory cannot be watched; the periodic rescan still covers it. */
  onWatchError?(directory: string, error: Error): void;
}

/** The set of per-directory watchers. */
export interface DirectoryWatchers {
  /**
   * Watches exactly `directories` (relative path → identity, see FolderScan; `''` is root): starts new ones, closes gone
   * ones, and restarts a watch whose directory was replaced by another of the same name.
   */
  reconcile(directories: ReadonlyMap<string, string>): void;
  /** Directories watched now. */
  watched(): string[];
  close(): void;
}

export function createDirectoryWatchers(options: DirectoryWatchersOptions): DirectoryWatchers {
  const { root, onEvent, onWatchError } = options;
  const watchers = new Map<string, { watcher: FSWatcher; identity: string }>();
  let closed = false;

  const stop = (directory: string) => {
    watchers.get(directory)?.watcher.close();
    watchers.delete(directory);
  };

  const start = (directory: string, identity: string) => {
    let watcher: FSWatcher;
    try {
      watcher = watch(join(root, directory), { persistent: true }, (_event, filename) => {
        if (closed) return;
        // Events name entries of the watched directory; an event on a hidden entry still matters (a
        // ConfigMap volume is updated by swapping its `..data` symlink), so nothing is filtered here.
        onEvent(filename ? (directory ? posix.join(directory, filename) : filename) : undefined);
      });
    } catch (err) {
      // Deleted between scan and watch, or out of inotify watches: the periodic rescan covers it.
      onWatchError?.(directory, err as Error);
      return;
    }
    watcher.on('error', (err) => {
      // Typically the directory itself was deleted. Drop the watch; the rescan this triggers re-adds it
      // if the directory is back.
      stop(directory);
      if (closed) return;
      onWatchError?.(directory, err);
      onEvent(undefined);
    });
    watchers.set(directory, { watcher, identity });
  };

  return {
    reconcile(directories) {
      if (closed) return;
      for (const [directory, { identity }] of [...watchers]) if (directories.get(directory) !== identity) stop(directory);
      for (const [directory, identity] of directories) if (!watchers.has(directory)) start(directory, identity);
    },
    watched: () => [...watchers.keys()].sort(),
    close() {
      closed = true;
      for (const directory of [...watchers.keys()]) stop(directory);
    },
  };
}
