#!/usr/bin/env node
// Bundles the browser app (src/web) into dist/web: index.html naming content-hashed assets
// (assets/app-<hash>.js, assets/app-<hash>.css, assets/icon-<hash>.svg), minified, no source maps unless
// asked (`--sourcemap`). The same sources always give the same names and bytes, so the admin server can
// serve the assets as immutable. Usage: node scripts/build-web.mjs [--out DIR] [--sourcemap]
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB_SRC = join(PACKAGE_DIR, 'src/web');
/** Where index.html links the assets: the admin server serves them under this path (`/ui/assets/<file>`). */
const ASSETS_URL = '/ui/assets/';

function parseArgs(argv) {
  const options = { outDir: join(PACKAGE_DIR, 'dist/web'), sourcemap: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) options.outDir = resolve(argv[++i]);
    else if (argv[i] === '--sourcemap') options.sourcemap = true;
    else throw new Error(`build-web: unknown argument ${argv[i]} (usage: build-web.mjs [--out DIR] [--sourcemap])`);
  }
  return options;
}

/** A short content hash for files esbuild does not emit itself (the icon). */
function contentHash(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 10);
}

async function buildWeb({ outDir, sourcemap }) {
  const assetsDir = join(outDir, 'assets');
  // Old hashed files would pile up forever: every build starts from an empty folder.
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });

  const result = await build({
    absWorkingDir: PACKAGE_DIR,
    entryPoints: { app: join(WEB_SRC, 'main.tsx') },
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    platform: 'browser',
    minify: true,
    sourcemap: sourcemap ? 'linked' : false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });

  const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint !== undefined);
  if (!entry || !entry[1].cssBundle) throw new Error('build-web: esbuild produced no app bundle with its CSS');
  const appJs = basename(entry[0]);
  const appCss = basename(entry[1].cssBundle);

  const icon = await readFile(join(WEB_SRC, 'icon.svg'));
  const iconName = `icon-${contentHash(icon)}.svg`;
  await writeFile(join(assetsDir, iconName), icon);

  const template = await readFile(join(WEB_SRC, 'index.html'), 'utf8');
  const html = template
    .replace('%APP_JS%', ASSETS_URL + appJs)
    .replace('%APP_CSS%', ASSETS_URL + appCss)
    .replace('%ICON%', ASSETS_URL + iconName);
  await writeFile(join(outDir, 'index.html'), html);
  return { outDir, files: [appJs, appCss, iconName] };
}

const started = Date.now();
const built = await buildWeb(parseArgs(process.argv.slice(2)));
console.log(`build-web: ${built.files.join(', ')} → ${built.outDir} (${Date.now() - started} ms)`);
