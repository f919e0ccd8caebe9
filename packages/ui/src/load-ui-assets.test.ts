/**
 * The build (scripts/build-web.mjs, `npm run build:ui`) and the loader the admin server reads it with:
 * the files index.html names are the files the loader serves, the same sources give the same hashed
 * names, and an unbuilt package is reported as such instead of failing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadUiAssets } from './index.js';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_SCRIPT = join(PACKAGE_DIR, 'scripts/build-web.mjs');

async function buildInto(dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [BUILD_SCRIPT, '--out', dir], { cwd: PACKAGE_DIR });
}

describe('the dashboard build and its loader', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'portico-ui-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('reports an unbuilt app as undefined', async () => {
    expect(await loadUiAssets(join(scratch, 'never-built'))).toBeUndefined();
    await mkdir(join(scratch, 'empty'));
    expect(await loadUiAssets(join(scratch, 'empty'))).toBeUndefined();
  });

  it('serves exactly the hashed files index.html names, minified, without source maps or inline code', async () => {
    const out = join(scratch, 'a');
    await buildInto(out);
    const assets = (await loadUiAssets(out))!;
    expect(assets).toBeDefined();
    const html = assets.index.toString('utf8');
    const linked = [...html.matchAll(/(?:src|href)="\/ui\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    expect(linked.sort()).toEqual([...assets.files.keys()].sort());
    const names = [...assets.files.keys()];
    const js = names.find((n) => /^app-[A-Z0-9]{8}\.js$/.test(n))!;
    const css = names.find((n) => /^app-[A-Z0-9]{8}\.css$/.test(n))!;
    expect(js).toBeDefined();
    expect(css).toBeDefined();
    expect(assets.files.get(js)!.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.files.get(css)!.contentType).toBe('text/css; charset=utf-8');
    expect(names.some((n) => n.endsWith('.map'))).toBe(false);
    const bundle = assets.files.get(js)!.body.toString('utf8');
    expect(bundle.includes('sourceMappingURL')).toBe(false);
    // Minified: tens of kilobytes on a handful of lines (the rest are the licence comments).
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle.split('\n').length).toBeLessThan(40);
    // CSP default-src 'self': no inline script or style, nothing from another origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('gives the same names and bytes for the same sources', async () => {
    const [a, b] = [join(scratch, 'a'), join(scratch, 'b')];
    await buildInto(b);
    const [first, second] = [(await loadUiAssets(a))!, (await loadUiAssets(b))!];
    expect(second.index.equals(first.index)).toBe(true);
    expect([...second.files.keys()].sort()).toEqual([...first.files.keys()].sort());
    for (const [name, file] of first.files) expect(second.files.get(name)!.body.equals(file.body)).toBe(true);
  });

  it('starts every build from an empty folder, so stale assets are not served', async () => {
    const out = join(scratch, 'a');
    await writeFile(join(out, 'assets', 'app-STALE000.js'), 'old');
    await buildInto(out);
    expect((await loadUiAssets(out))!.files.has('app-STALE000.js')).toBe(false);
  });

  it("reads the package's own dist/web by default", async () => {
    expect(await loadUiAssets()).toEqual(await loadUiAssets(join(PACKAGE_DIR, 'dist/web')));
  });
});
