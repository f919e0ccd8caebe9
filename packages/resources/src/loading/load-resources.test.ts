import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceLoadError } from './errors.js';
import { loadResources, STDIN_SOURCE } from './load-resources.js';

const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const names = (objects: { metadata: { name: string } }[]) => objects.map((o) => o.metadata.name);

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-load-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, text: string): string {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('loadResources', () => {
  it('reads a folder recursively: yaml, yml and json files, sorted by path', async () => {
    write('b.yaml', namespace('b'));
    write('a/z.yml', `${namespace('az')}---\n${namespace('az2')}`);
    write('a.json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a-json' } }));
    write('c/d/e.yaml', namespace('cde'));
    write('notes.txt', 'not: yaml: at all');
    write('README.md', '# docs');
    const { objects, warnings } = await loadResources([dir]);
    expect(names(objects)).toEqual(['a-json', 'az', 'az2', 'b', 'cde']);
    expect(warnings).toEqual([]);
  });

  it('skips hidden entries, so a mounted ConfigMap volume is read once', async () => {
    // The kubelet's layout: files are symlinks into `..data`, itself a symlink to a timestamped folder.
    write('..2024_01_01_00_00_00.1/gateway.yaml', namespace('mounted'));
    symlinkSync('..2024_01_01_00_00_00.1', join(dir, '..data'));
    symlinkSync(join('..data', 'gateway.yaml'), join(dir, 'gateway.yaml'));
    write('.git/config.yaml', 'not: a resource');
    const { objects } = await loadResources([dir]);
    expect(names(objects)).toEqual(['mounted']);
  });

  it('does not loop on a symlink back up the tree', async () => {
    write('sub/a.yaml', namespace('a'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    expect(names((await loadResources([dir])).objects)).toEqual(['a']);
  });

  it('does not follow a symlink that leads out of the folder, to a file or a folder', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portico-outside-'));
    try {
      writeFileSync(join(outside, 'secret.yaml'), 'root:x:0:0:root:/root:/bin/bash\n');
      write('a.yaml', namespace('a'));
      symlinkSync(join(outside, 'secret.yaml'), join(dir, 'passwd.yaml'));
      symlinkSync(outside, join(dir, 'elsewhere'));
      expect(names((await loadResources([dir])).objects)).toEqual(['a']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reads files in the order given, whatever their extension, and names them as given', async () => {
    const second = write('second.txt', namespace('second'));
    const first = write('first.yaml', `${namespace('first')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n`);
    const { objects, warnings } = await loadResources([second, first]);
    expect(names(objects)).toEqual(['second', 'first']);
    expect(warnings).toEqual([{ source: first, document: 2, message: 'skipping unsupported kind Pod (v1)' }]);
  });

  it('reads `-` from the stdin option', async () => {
    const file = write('a.yaml', namespace('file'));
    const { objects } = await loadResources([file, '-'], { stdin: namespace('piped') });
    expect(names(objects)).toEqual(['file', 'piped']);
  });

  it('names stdin in errors', async () => {
    await expect(loadResources(['-'], { stdin: 'apiVersion: v1\nkind: [\n' })).rejects.toMatchObject({
      code: 'YAML_SYNTAX',
      source: STDIN_SOURCE,
      message: expect.stringMatching(/^<stdin>: document 1: line \d+, column \d+: /),
    });
  });

  it('reports an object defined in two files', async () => {
    write('a.yaml', namespace('dup'));
    const b = write('b.yaml', namespace('dup'));
    const { objects, warnings } = await loadResources([dir]);
    expect(objects).toHaveLength(1);
    expect(warnings).toEqual([
      { source: b, document: 1, message: `Namespace dup is also defined in ${join(dir, 'a.yaml')} document 1; the later definition wins` },
    ]);
  });

  it('stops at the first malformed document, naming its file', async () => {
    write('a.yaml', namespace('ok'));
    const bad = write('b.yaml', `${namespace('ok2')}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: Magic}\n`);
    await expect(loadResources([dir])).rejects.toThrow(
      `${bad}: document 2 (Service default/s): spec.type: must be one of: ClusterIP, NodePort, LoadBalancer, ExternalName (got "Magic")`,
    );
  });

  it('reports a missing input as READ_FAILED', async () => {
    const missing = join(dir, 'missing.yaml');
    const error = await loadResources([missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLoadError);
    expect(error).toMatchObject({ code: 'READ_FAILED', source: missing, message: `${missing}: no such file or directory` });
  });

  describe('with onInvalid: reports what does not load and loads the rest', () => {
    it('a bad document among good ones: the others of its file and every other file load', async () => {
      write('a.yaml', `${namespace('a1')}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: Magic}\n---\n${namespace('a3')}`);
      write('b/c.yaml', namespace('c'));
      const errors: ResourceLoadError[] = [];
      const { objects } = await loadResources([dir], { onInvalid: (e) => errors.push(e) });
      expect(names(objects)).toEqual(['a1', 'a3', 'c']);
      expect(errors.map((e) => e.message)).toEqual([
        `${join(dir, 'a.yaml')}: document 2 (Service default/s): spec.type: must be one of: ClusterIP, NodePort, LoadBalancer, ExternalName (got "Magic")`,
      ]);
    });

    it('a YAML syntax error costs only its document', async () => {
      const file = write('a.yaml', `${namespace('a1')}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: broken\n---\n${namespace('a3')}`);
      const errors: ResourceLoadError[] = [];
      const { objects } = await loadResources([file], { onInvalid: (e) => errors.push(e) });
      expect(names(objects)).toEqual(['a1', 'a3']);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'YAML_SYNTAX', source: file, document: 2 });
    });

    it('a List with one bad item is left out whole, its warnings too', async () => {
      const list = `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'in-list' } })}\n- { apiVersion: v1, kind: Namespace }\n`;
      const file = write('a.yaml', `${list}---\n${namespace('after')}`);
      const errors: ResourceLoadError[] = [];
      const { objects, warnings } = await loadResources([file], { onInvalid: (e) => errors.push(e) });
      expect(names(objects)).toEqual(['after']);
      expect(warnings).toEqual([]);
      expect(errors.map((e) => e.message)).toEqual([`${file}: document 1 (Namespace): items[1].metadata.name: is required`]);
    });

    it('a missing input and stdin: reported in input order, the rest loads', async () => {
      const missing = join(dir, 'missing.yaml');
      const good = write('good.yaml', namespace('good'));
      const errors: ResourceLoadError[] = [];
      const { objects } = await loadResources([missing, '-', good], { stdin: 'kind: [', onInvalid: (e) => errors.push(e) });
      expect(names(objects)).toEqual(['good']);
      expect(errors.map((e) => [e.code, e.source])).toEqual([
        ['READ_FAILED', missing],
        ['YAML_SYNTAX', STDIN_SOURCE],
      ]);
    });
  });

  it('loads an empty folder as nothing', async () => {
    expect(await loadResources([dir])).toEqual({ objects: [], warnings: [] });
  });
});
