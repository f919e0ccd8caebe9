import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameSignature, scanFolder, scansDiffer } from './scan-folder.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-scan-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, text = 'x: 1\n'): void {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('scanFolder', () => {
  it('lists resource files like loadResources does: recursive, by extension, sorted, hidden skipped', async () => {
    write('b.yaml');
    write('a/z.yml');
    write('a.json');
    write('c/d/e.YAML');
    write('notes.txt');
    write('.hidden.yaml');
    write('.git/config.yaml');
    const scan = await scanFolder(dir);
    expect([...scan.files.keys()]).toEqual(['a.json', 'a/z.yml', 'b.yaml', 'c/d/e.YAML']);
    expect([...scan.directories.keys()]).toEqual(['', 'a', 'c', 'c/d']);
  });

  it('follows symlinks the way a ConfigMap volume uses them, and reads each file once', async () => {
    write('..2024_01_01/gw.yaml');
    symlinkSync('..2024_01_01', join(dir, '..data'));
    symlinkSync('..data/gw.yaml', join(dir, 'gw.yaml'));
    symlinkSync('.', join(dir, 'loop')); // must not recurse forever
    symlinkSync('missing.yaml', join(dir, 'dangling.yaml'));
    const scan = await scanFolder(dir);
    expect([...scan.files.keys()]).toEqual(['gw.yaml']);
    expect(scan.outside).toEqual([]);
  });

  it('lists symlinks leading out of the folder instead of following them', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portico-scan-outside-'));
    try {
      writeFileSync(join(outside, 'x.yaml'), 'x: 1\n');
      write('a.yaml');
      symlinkSync(join(outside, 'x.yaml'), join(dir, 'file.yaml'));
      symlinkSync(outside, join(dir, 'folder'));
      write('sub/b.yaml');
      symlinkSync('..', join(dir, 'sub', 'up')); // back to the folder itself: inside, and walked once
      symlinkSync('../..', join(dir, 'sub', 'above'));
      const scan = await scanFolder(dir);
      expect([...scan.files.keys()]).toEqual(['a.yaml', 'sub/b.yaml']);
      expect(scan.outside).toEqual(['file.yaml', 'folder', 'sub/above']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects when the folder itself is missing', async () => {
    await expect(scanFolder(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });

  it('gives each file a signature that changes when it is written', async () => {
    write('a.yaml', 'x: 1\n');
    const before = await scanFolder(dir);
    expect(scansDiffer(before, await scanFolder(dir))).toBe(false);
    // Same size, explicit new mtime: a same-length edit.
    write('a.yaml', 'x: 2\n');
    utimesSync(join(dir, 'a.yaml'), new Date(), new Date(Date.now() + 5000));
    const after = await scanFolder(dir);
    expect(sameSignature(before.files.get('a.yaml'), after.files.get('a.yaml'))).toBe(false);
    expect(scansDiffer(before, after)).toBe(true);
  });

  it('tells added files and folders apart from an unchanged scan', async () => {
    write('a.yaml');
    const before = await scanFolder(dir);
    mkdirSync(join(dir, 'empty'));
    const added = await scanFolder(dir);
    expect(scansDiffer(before, added)).toBe(true);
    // Deleted and made again: same name, another directory.
    rmSync(join(dir, 'empty'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    const remade = await scanFolder(dir);
    expect([...remade.directories.keys()]).toEqual([...added.directories.keys()]);
    expect(scansDiffer(added, remade)).toBe(true);
  });
});
