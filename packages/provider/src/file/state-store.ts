/**
 * The state directory (`portico serve --state-dir`): the last good objects of every resource file, so
 * that a file found broken at start serves what it served before the restart instead of nothing.
 *
 * One entry per file, named `<sha256(path)>.<objects hash>.json` so a directory listing says which
 * entries are current without reading them. An entry is two lines: a JSON header (format version,
 * path, when saved) and the objects as a JSON `v1 List`, which a restore parses and validates exactly
 * as it would the file (a stale or tampered entry is refused like a broken file). Entries are written
 * atomically (temporary file, fsync, rename, fsync of the directory) and are 0600 in a 0700 directory:
 * Secrets from the resources folder are in them, keys included, as they are in the folder itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource } from '@portico/resources';

/** The first line's `format`: a reader refuses entries of any other version. */
export const STATE_FORMAT = 'portico.dev/file-state/v1';

/** What an entry says about its file. */
export interface StateEntry {
  path: string;
  savedAt: Date;
  /** sha256 of the file text the objects came from. */
  textHash: string;
  objectsHash: string;
  /** The objects, as a JSON `v1 List` (to be parsed like a file). */
  listText: string;
}

/** What to save for a file: its last good version. */
export interface GoodObjects {
  hash: string;
  objectsHash: string;
  objects: Resource[];
  at: Date;
}

export interface FileStateStore {
  readonly directory: string;
  /** Creates the directory (0700) and lists its entries; call once before the rest. */
  open(): Promise<void>;
  has(path: string): boolean;
  /** The first 16 hex digits of the saved objects' hash, from the entry's name. */
  currentHash(path: string): string | undefined;
  /** The entry of `path`; undefined if none, or unreadable, of another format or over the size limit (the reason in `warn`). */
  load(path: string): Promise<StateEntry | undefined>;
  /** Saves `good` as the entry of `path` unless the current entry holds the same objects. */
  save(path: string, good: GoodObjects): Promise<void>;
  remove(path: string): Promise<void>;
  /** Removes the entries of every file not in `paths` (deleted while the server was down). */
  keepOnly(paths: Iterable<string>): Promise<void>;
}

/** Options of createFileStateStore. */
export interface FileStateStoreOptions {
  directory: string;
  /** Entries larger than this are neither written nor read. */
  maxEntryBytes: number;
  warn(message: string, meta: Record<string, unknown>): void;
}

const ENTRY = /^([0-9a-f]{64})\.([0-9a-f]{16})\.json$/;

export function createFileStateStore(options: FileStateStoreOptions): FileStateStore {
  const { directory, maxEntryBytes, warn } = options;
  /** sha256(path) → current entry file names (more than one only after a crash mid-save). */
  const entries = new Map<string, string[]>();
  const pathKey = (path: string) => createHash('sha256').update(path).digest('hex');

  async function readEntry(name: string): Promise<StateEntry | undefined> {
    const file = join(directory, name);
    const info = await stat(file);
    if (info.size > maxEntryBytes) {
      warn('state entry over the size limit; ignored', { entry: file, bytes: info.size, limit: maxEntryBytes });
      return undefined;
    }
    const handle = await open(file, 'r');
    let text: string;
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    const newline = text.indexOf('\n');
    const header = JSON.parse(newline < 0 ? text : text.slice(0, newline)) as Record<string, unknown>;
    if (header.format !== STATE_FORMAT) {
      warn('state entry of another format; ignored', { entry: file, format: String(header.format), expected: STATE_FORMAT });
      return undefined;
    }
    const savedAt = new Date(String(header.savedAt));
    return { path: String(header.path), savedAt, textHash: String(header.textHash), objectsHash: String(header.objectsHash), listText: text.slice(newline + 1) };
  }

  async function unlinkQuietly(name: string): Promise<void> {
    await unlink(join(directory, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') warn('cannot remove state entry', { entry: join(directory, name), error: err.message });
    });
  }

  async function syncDirectory(): Promise<void> {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    directory,
    async open() {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      for (const name of await readdir(directory)) {
        const match = ENTRY.exec(name);
        // A temporary file left by a crash mid-write is never an entry.
        if (!match) {
          if (name.startsWith('.tmp-')) await unlinkQuietly(name);
          continue;
        }
        const list = entries.get(match[1]!) ?? [];
        list.push(name);
        entries.set(match[1]!, list);
      }
    },
    has: (path) => entries.has(pathKey(path)),
    currentHash: (path) => ENTRY.exec(entries.get(pathKey(path))?.at(-1) ?? '')?.[2],
    async load(path) {
      const names = entries.get(pathKey(path)) ?? [];
      let newest: StateEntry | undefined;
      for (const name of names) {
        try {
          const entry = await readEntry(name);
          if (entry && entry.path === path && (!newest || entry.savedAt > newest.savedAt)) newest = entry;
        } catch (err) {
          warn('unreadable state entry; ignored', { entry: join(directory, name), error: (err as Error).message });
        }
      }
      return newest;
    },
    async save(path, good) {
      const key = pathKey(path);
      const name = `${key}.${good.objectsHash.slice(0, 16)}.json`;
      const before = entries.get(key) ?? [];
      if (before.length === 1 && before[0] === name) return;
      const header = { format: STATE_FORMAT, path, savedAt: good.at.toISOString(), textHash: good.hash, objectsHash: good.objectsHash };
      const text = `${JSON.stringify(header)}\n${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: good.objects })}\n`;
      if (Buffer.byteLength(text) > maxEntryBytes) {
        warn('last good objects over the state entry size limit; not saved', { file: path, bytes: Buffer.byteLength(text), limit: maxEntryBytes });
        return;
      }
      const temporary = join(directory, `.tmp-${randomBytes(6).toString('hex')}`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(directory, name));
      await syncDirectory();
      entries.set(key, [name]);
      for (const old of before) if (old !== name) await unlinkQuietly(old);
    },
    async remove(path) {
      const key = pathKey(path);
      const names = entries.get(key) ?? [];
      entries.delete(key);
      for (const name of names) await unlinkQuietly(name);
    },
    async keepOnly(paths) {
      const keep = new Set([...paths].map(pathKey));
      for (const [key, names] of [...entries]) {
        if (keep.has(key)) continue;
        entries.delete(key);
        for (const name of names) await unlinkQuietly(name);
      }
    },
  };
}
