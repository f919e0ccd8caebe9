/**
 * Package dependencies point one way (DESIGN.md §2): a package imports only the packages listed for it
 * below, in its source and in its package.json, and never deep-imports another package's files: only
 * the entry points its package.json `exports` declares (`@portico/server`, and `@portico/server/kubernetes`,
 * kept apart so that serving files never loads the Kubernetes client).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = join(ROOT, 'packages');

/** From DESIGN.md §2, top to bottom. Packages not created yet are listed so the rule is ready for them. */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['server', 'diagnose', 'provider', 'xds-server', 'translator', 'xds', 'envoy', 'ir', 'resources'],
  // diagnose (issue 14, not in DESIGN.md's table yet): judges what the translators and the xDS server produce.
  diagnose: ['xds-server', 'translator', 'xds', 'envoy', 'ir', 'resources'],
  server: ['ui', 'diagnose', 'provider', 'xds-server', 'translator', 'xds', 'envoy', 'ir', 'resources'],
  // ui (issue 16): the dashboard's browser app and its built assets; the server serves them.
  ui: [],
  provider: ['resources'],
  'xds-server': ['envoy'],
  translator: ['resources', 'ir'],
  xds: ['ir', 'envoy'],
  envoy: [],
  ir: [],
  resources: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](@portico\/[^'"]+)['"]|import\(\s*['"](@portico\/[^'"]+)['"]\s*\)/g;

const packages = readdirSync(PACKAGES).filter((p) => existsSync(join(PACKAGES, p, 'package.json')));

/** A package's public entry points: the keys of its package.json `exports` (`.`, `./kubernetes`, …). */
function entryPoints(pkg: string): Set<string> {
  const manifestPath = join(PACKAGES, pkg, 'package.json');
  if (!existsSync(manifestPath)) return new Set();
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  return new Set(Object.keys(manifest.exports ?? { '.': true }));
}

describe('package dependency direction', () => {
  it('knows every package', () => {
    expect(packages.filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  it.each(packages)('%s imports only the packages below it', (pkg) => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(PACKAGES, pkg, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = (m[1] ?? m[2])!;
        const [target, ...path] = spec.slice('@portico/'.length).split('/') as [string, ...string[]];
        if (!ALLOWED[pkg]!.includes(target)) violations.push(`${file}: imports ${spec}`);
        else if (!entryPoints(target).has(path.length > 0 ? `./${path.join('/')}` : '.')) violations.push(`${file}: deep import ${spec}`);
      }
    }
    const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (dep.startsWith('@portico/') && !ALLOWED[pkg]!.includes(dep.slice('@portico/'.length))) violations.push(`package.json depends on ${dep}`);
    }
    expect(violations).toEqual([]);
  });
});
