/**
 * One walk of the watched folder: which resource files exist, a cheap signature of each (to tell which
 * ones need reading again), and which directories exist (to watch each of them). It selects files exactly
 * as `loadResources` does for a folder, so `portico translate -f DIR` and the file provider agree.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isInsideFolder } from '@portico/resources';

/** The loader's rule (packages/resources/src/loading/load-resources.ts): resource files by extension. */
const RESOURCE_FILE = /\.(ya?ml|json)$/i;

/**
 * What a file looked like when scanned. Nanosecond mtime and size catch writes; the inode catches an
 * editor or kubelet that renames a new file over the old one; ctime catches a `chmod` that makes an
 * unreadable file readable (mtime stays put).
 */
export interface FileSignature {
  mtimeNs: bigint;
  ctimeNs: bigint;
  size: bigint;
  ino: bigint;
}

/** The outcome of one walk. Paths are relative to the folder, `/`-separated, sorted. */
export interface FolderScan {
  files: Map<string, FileSignature>;
  /**
   * Every directory walked (`''` being the folder itself) and its identity (inode and birth time: ext4
   * hands a freed inode number straight to the next mkdir). A directory deleted and made again under the
   * same name is a new directory, and a watch on the old one hears nothing more.
   */
  directories: Map<string, string>;
  /** The folder with its symlinks resolved: every file read must resolve below it. */
  realRoot: string;
  /** Symlinks (relative paths) that lead out of the folder: neither followed nor read. */
  outside: string[];
}

/**
 * Walks `root` recursively, skipping hidden entries (a ConfigMap volume's `..data/` and `..<timestamp>/`
 * copies, `.git`, editors' `.swp` files) and following symlinks (ConfigMap volumes are made of them)
 * as long as they stay inside the folder. Rejects only when `root` itself cannot be read; a subfolder
 * or file that vanishes mid-walk is left out.
 */
export async function scanFolder(root: string): Promise<FolderScan> {
  const files = new Map<string, FileSignature>();
  const directories = new Map<string, string>();
  const realRoot = await realpath(root);
  const outside: string[] = [];
  await walk({ root, realRoot, files, directories, visited: new Set(), outside }, '');
  return { files: sortedMap(files), directories: sortedMap(directories), realRoot, outside: outside.sort() };
}

interface Walk {
  root: string;
  realRoot: string;
  files: Map<string, FileSignature>;
  directories: Map<string, string>;
  visited: Set<string>;
  outside: string[];
}

async function walk(w: Walk, relative: string): Promise<void> {
  const { root, files, directories, visited } = w;
  const dir = join(root, relative);
  const isRoot = relative === '';
  let entries: Dirent[];
  let identity: string;
  try {
    // A symlink back up the tree must not loop forever.
    const real = await realpath(dir);
    if (!isInsideFolder(w.realRoot, real)) return void w.outside.push(relative);
    if (visited.has(real)) return;
    visited.add(real);
    const info = await stat(dir, { bigint: true });
    identity = `${info.ino}:${info.birthtimeNs}`;
    entries = (await readdir(dir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'));
  } catch (err) {
    if (isRoot) throw err;
    return;
  }
  directories.set(relative, identity);
  const children = entries.map((entry) => entry.name);
  // stat (not lstat) follows symlinks, so a ConfigMap symlink reports the file it currently points at.
  const infos = await Promise.all(entries.map((entry) => statInside(w, join(dir, entry.name), entry.isSymbolicLink())));
  const subfolders: string[] = [];
  children.forEach((name, i) => {
    const info = infos[i];
    const path = isRoot ? name : posix.join(relative, name);
    if (info === 'outside') return void w.outside.push(path);
    if (!info) return; // a dangling symlink, or deleted since readdir
    if (info.isDirectory()) subfolders.push(path);
    else if (info.isFile() && RESOURCE_FILE.test(name)) files.set(path, { mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs, size: info.size, ino: info.ino });
  });
  for (const sub of subfolders) await walk(w, sub);
}

/** stat of an entry; for a symlink, only when it resolves inside the folder. */
async function statInside(w: Walk, path: string, isSymlink: boolean) {
  try {
    if (isSymlink && !isInsideFolder(w.realRoot, await realpath(path))) return 'outside';
    return await stat(path, { bigint: true });
  } catch {
    return undefined;
  }
}

/** True when two signatures describe the same file contents as far as stat can tell. */
export function sameSignature(a: FileSignature | undefined, b: FileSignature | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.size === b.size && a.ino === b.ino;
}

/** True when two scans differ in any file signature or directory (the rescan fallback's question). */
export function scansDiffer(a: FolderScan, b: FolderScan): boolean {
  if (a.files.size !== b.files.size || a.directories.size !== b.directories.size) return true;
  for (const [path, signature] of a.files) if (!sameSignature(signature, b.files.get(path))) return true;
  for (const [path, identity] of a.directories) if (b.directories.get(path) !== identity) return true;
  return false;
}

/** Same order as the loader: plain code-unit comparison of the paths. */
function sortedMap<V>(map: Map<string, V>): Map<string, V> {
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
