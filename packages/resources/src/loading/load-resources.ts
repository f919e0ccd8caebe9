/**
 * Loads resources from the inputs a user names on the command line (`-f`): files, folders (read
 * recursively) and `-` for standard input.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ResourceLoadError } from './errors.js';
import { createLoadCollector, type LoadResult } from './load-result.js';
import { collectResources } from './parse-resources.js';

/** Options of loadResources. */
export interface LoadOptions {
  /** The text `-` stands for; when absent, `-` reads process.stdin to its end. */
  stdin?: string;
  /**
   * Keep going past what cannot be loaded: each unreadable input and each malformed document is handed
   * to this instead of being thrown, and everything else loads (what the file provider does per file,
   * here per document). Without it, the first one throws.
   */
  onInvalid?: (error: ResourceLoadError) => void;
}

/** The name standard input goes by in errors and warnings. */
export const STDIN_SOURCE = '<stdin>';

const RESOURCE_FILE = /\.(ya?ml|json)$/i;

/**
 * Loads every input in order: a file path (read whatever its extension), a folder (every `*.yaml`,
 * `*.yml` and `*.json` below it, sorted by path), or `-` (standard input). Throws ResourceLoadError at the
 * first input that cannot be read or holds a malformed document, unless `options.onInvalid` takes them.
 */
export async function loadResources(inputs: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const collector = createLoadCollector();
  const { onInvalid } = options;
  for (const input of inputs) {
    if (input === '-') {
      collectResources(options.stdin ?? (await readStdin()), STDIN_SOURCE, collector, onInvalid);
      continue;
    }
    const files = await settled(expandInput(input));
    if ('error' in files) {
      report(files.error, onInvalid);
      continue;
    }
    // Read in parallel, parse in order: errors and objects then follow the sorted file order.
    const texts = await Promise.all(files.value.map((file) => settled(readText(file))));
    files.value.forEach((file, i) => {
      const text = texts[i]!;
      if ('error' in text) report(text.error, onInvalid);
      else collectResources(text.value, file, collector, onInvalid);
    });
  }
  return collector.result();
}

function settled<T>(work: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Hands a load error to `onInvalid` when there is one; throws it otherwise (and anything else, a bug). */
function report(error: unknown, onInvalid: LoadOptions['onInvalid']): void {
  if (onInvalid && error instanceof ResourceLoadError) onInvalid(error);
  else throw error;
}

/** The files an input stands for: itself, or the resource files of the folder it names. */
async function expandInput(input: string): Promise<string[]> {
  const info = await stat(input).catch((err: unknown) => {
    throw readFailed(input, err);
  });
  if (!info.isDirectory()) return [input];
  const files: string[] = [];
  await walk(input, files, new Set(), await realpath(input));
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * True when `path` (a real path, symlinks resolved) is `root` or below it. A symlink in a folder may
 * point within it (a ConfigMap volume is made of such links), never out of it: what the folder's owner
 * did not put there is neither loaded nor quoted in an error.
 */
export function isInsideFolder(root: string, path: string): boolean {
  const rel = relative(root, path);
  // `..2025_01_01/x.yaml` (a ConfigMap volume's folder) is inside; `../x.yaml` is not.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function walk(dir: string, files: string[], visited: Set<string>, root: string): Promise<void> {
  // A symlink back up the tree must not loop forever.
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw readFailed(dir, err);
  });
  for (const entry of entries) {
    // Hidden entries are skipped: a ConfigMap volume holds every file twice more, under `..data/` and a
    // `..<timestamp>/` folder, and `.git` is never input.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Follow symlinks (ConfigMap volumes are made of them), as long as they stay inside the folder.
    if (entry.isSymbolicLink()) {
      const target = await realpath(path).catch(() => undefined);
      if (target === undefined || !isInsideFolder(root, target)) continue;
    }
    const isDirectory = entry.isSymbolicLink() ? (await stat(path).catch(() => undefined))?.isDirectory() : entry.isDirectory();
    if (isDirectory) await walk(path, files, visited, root);
    else if (RESOURCE_FILE.test(entry.name)) files.push(path);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw readFailed(file, err);
  }
}

function readFailed(source: string, err: unknown): ResourceLoadError {
  const code = (err as NodeJS.ErrnoException).code;
  const detail =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : `cannot read: ${(err as Error).message}`;
  return new ResourceLoadError({ code: 'READ_FAILED', source, detail }, { cause: err });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
