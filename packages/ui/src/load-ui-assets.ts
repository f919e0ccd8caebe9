/**
 * The built browser app (`npm run build:ui` → packages/ui/dist/web/) as the admin server serves it:
 * index.html at `/ui`, every other file at `/ui/assets/<file>` under its content-hashed name.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiAsset {
  body: Buffer;
  /** The Content-Type to answer with, charset included for text. */
  contentType: string;
}

export interface UiAssets {
  /** dist/web/index.html: it names the assets by their hashed file names. */
  index: Buffer;
  /** The files of dist/web/assets/ by file name (`app-<hash>.js`, the key of `/ui/assets/<file>`). */
  files: Map<string, UiAsset>;
}

/** Both src/ (tests run the sources) and dist/ sit next to the package's dist/web. */
const BUILT_WEB_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Reads the built app; undefined when it was not built (no index.html), so the server can answer 503
 * and say how to build it instead of failing. `dir` is for tests; the server uses the package's own.
 */
export async function loadUiAssets(dir: string = BUILT_WEB_DIR): Promise<UiAssets | undefined> {
  let index: Buffer;
  try {
    index = await readFile(join(dir, 'index.html'));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const files = new Map<string, UiAsset>();
  const assetsDir = join(dir, 'assets');
  for (const entry of await readdir(assetsDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files.set(entry.name, {
      body: await readFile(join(assetsDir, entry.name)),
      contentType: CONTENT_TYPES[extname(entry.name)] ?? 'application/octet-stream',
    });
  }
  return { index, files };
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}
