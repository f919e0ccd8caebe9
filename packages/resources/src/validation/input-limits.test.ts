import { ResourceLoadError } from '../loading/errors.js';
import { MAX_ANNOTATIONS_BYTES, MAX_OBJECT_BYTES, formatBytes } from './input-limits.js';
import { parseResources } from '../loading/parse-resources.js';

function loadError(text: string): ResourceLoadError {
  try {
    parseResources(text, 'big.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ResourceLoadError);
    return e as ResourceLoadError;
  }
  throw new Error('expected a ResourceLoadError');
}

const configMap = (metadata: string, data = '{}') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: apps\n${metadata}data: ${data}\n`;

describe('input limits: the API server refuses it, so do we', () => {
  it('annotations: at most 256 KiB of keys and values together (ValidateAnnotations)', () => {
    // Exactly at the limit: key `a` (1 byte) + value.
    const at = configMap(`  annotations:\n    a: ${'b'.repeat(MAX_ANNOTATIONS_BYTES - 1)}\n`);
    expect(parseResources(at, 'ok.yaml').objects).toHaveLength(1);
    const e = loadError(configMap(`  annotations:\n    a: ${'b'.repeat(MAX_ANNOTATIONS_BYTES / 2)}\n    c: ${'d'.repeat(MAX_ANNOTATIONS_BYTES / 2)}\n`));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toBe('big.yaml: document 1 (ConfigMap apps/c): metadata.annotations: Too long: must have at most 262144 bytes (has 262146)');
  });

  it('counts annotation bytes as UTF-8, as Go does', () => {
    // 'é' is 2 bytes: 131,072 of them are 262,144 bytes, plus the key.
    const e = loadError(configMap(`  annotations:\n    a: ${'é'.repeat(MAX_ANNOTATIONS_BYTES / 2)}\n`));
    expect(e.detail).toContain('(has 262145)');
  });

  it('objects: at most 1.5 MiB (etcd request limit), with file, document, object, size and limit', () => {
    const data = `{k: ${'x'.repeat(MAX_OBJECT_BYTES)}}`;
    const e = loadError(`apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n${configMap('', data)}`);
    expect(e).toMatchObject({ code: 'TOO_LARGE', document: 2, object: 'ConfigMap apps/c' });
    const size = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'apps' }, data: { k: 'x'.repeat(MAX_OBJECT_BYTES) } }).length;
    expect(e.message).toBe(
      `big.yaml: document 2 (ConfigMap apps/c): line 5, column 1: object is ${formatBytes(size)}, over the API server's limit of 1,572,864 bytes (1.5 MiB) per object (etcd's request size)`,
    );
  });

  it('checks each item of a List on its own', () => {
    const item = (name: string, size: number) => `{apiVersion: v1, kind: ConfigMap, metadata: {name: ${name}}, data: {k: ${'x'.repeat(size)}}}`;
    const list = (size: number) => `apiVersion: v1\nkind: List\nitems:\n- ${item('a', 1000)}\n- ${item('b', size)}\n`;
    expect(parseResources(list(1_000_000), 'ok.yaml').objects).toHaveLength(2);
    expect(loadError(list(MAX_OBJECT_BYTES)).message).toMatch(/^big\.yaml: document 1 \(ConfigMap default\/b\): items\[1\]: object is /);
  });
});

describe('input limits: YAML aliases', () => {
  const bomb = (copies: number, size: number) => {
    let text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  annotations:\n    a0: &big ${'x'.repeat(size)}\n`;
    for (let i = 1; i < copies; i++) text += `    a${i}: *big\n`;
    return text;
  };

  it('refuses a 1 MiB string aliased 99 times before expanding it', () => {
    const used = process.memoryUsage().heapUsed;
    const e = loadError(bomb(100, 1024 * 1024));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toBe(
      'big.yaml: document 1: line 1, column 1: aliases expand to 103,809,024 bytes (99 MiB) more, over the limit of 1,572,864 bytes (1.5 MiB) per document',
    );
    // Nothing close to 99 MiB was built.
    expect(process.memoryUsage().heapUsed - used).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses an exponential bomb (nested aliases) in one walk', () => {
    let text = 'a0: &a0 [xxxxxxxxxx, xxxxxxxxxx]\n';
    for (let i = 1; i < 30; i++) text += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
    const started = performance.now();
    expect(loadError(text).detail).toMatch(/^aliases expand to [\d,]+ bytes \([\d.]+ MiB\) more/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('accepts the small aliases people use (shared labels)', () => {
    const item = (name: string, labels: string) => `- {apiVersion: v1, kind: ConfigMap, metadata: {name: ${name}, labels: ${labels}}}\n`;
    const text = `apiVersion: v1\nkind: List\nitems:\n${item('a', '&labels {team: a, tier: web}')}${item('b', '*labels')}`;
    const { objects } = parseResources(text, 'ok.yaml');
    expect(objects.map((o) => o.metadata.labels)).toEqual([{ team: 'a', tier: 'web' }, { team: 'a', tier: 'web' }]);
  });
});
