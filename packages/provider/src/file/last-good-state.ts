/**
 * The file provider's side of the state directory: restoring a file's last good objects at start, and
 * saving them after every pass. Failures here are logged and never stop serving: the state directory
 * is a safety net, not a dependency.
 */
import type { FileProviderLogger } from './file-provider-options.js';
import type { FileSource, GoodVersion } from './file-source.js';
import type { ResourceFileParser } from './parse-file.js';
import { createFileStateStore, type FileStateStore } from './state-store.js';

export interface LastGoodState {
  readonly directory: string;
  open(): Promise<void>;
  /** True when the state holds objects for `path` that differ from `objectsHash` (or it holds any, without a hash). */
  differs(path: string, objectsHash?: string): boolean;
  /** The saved last good version of `path`, parsed and validated like the file itself; undefined if none or invalid. */
  restore(path: string): Promise<GoodVersion | undefined>;
  /** Saves what each file serves now (restored versions are already saved), forgets files no longer there. */
  save(files: Iterable<FileSource>, removed: Iterable<string>): Promise<void>;
  /** Forgets every file not in `paths` (deleted while the server was down). */
  keepOnly(paths: Iterable<string>): Promise<void>;
}

export function createLastGoodState(options: { directory: string; maxFileBytes: number; parser: ResourceFileParser; logger: FileProviderLogger }): LastGoodState {
  const { directory, parser, logger } = options;
  const store: FileStateStore = createFileStateStore({
    directory,
    // JSON with the API server's defaults filled in is larger than the YAML it came from.
    maxEntryBytes: options.maxFileBytes * 4,
    warn: (message, meta) => logger.warn(message, meta),
  });
  const failed = (what: string, err: unknown) => logger.warn(`state directory: ${what}`, { directory, error: (err as Error).message });

  return {
    directory,
    open: () => store.open(),
    differs: (path, objectsHash) => store.has(path) && (objectsHash === undefined || store.currentHash(path) !== objectsHash.slice(0, 16)),
    async restore(path) {
      try {
        const entry = await store.load(path);
        if (!entry) return undefined;
        const parsed = await parser.parse(entry.listText, `${path} (saved in the state directory)`, 'json');
        return { hash: entry.textHash, objectsHash: parsed.objectsHash, objects: parsed.objects, warnings: parsed.warnings, at: entry.savedAt };
      } catch (err) {
        failed(`cannot restore ${path}`, err);
        return undefined;
      }
    },
    async save(files, removed) {
      try {
        for (const path of removed) await store.remove(path);
        for (const source of files) {
          if (source.restored || !source.good) continue;
          if (source.good.objects.length === 0) await store.remove(source.path);
          else await store.save(source.path, source.good);
        }
      } catch (err) {
        failed('cannot save the last good objects', err);
      }
    },
    async keepOnly(paths) {
      await store.keepOnly(paths).catch((err: unknown) => failed('cannot remove old entries', err));
    },
  };
}
