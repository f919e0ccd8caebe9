import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDocument, redactIR, REDACTED } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import { documentChunks, LazyList, renderDocument, type ChunkOptions } from './document-chunks.js';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/xds');

function translated(file: string) {
  const path = join(TESTDATA, file);
  return translate(ResourceSet.from(parseResources(readFileSync(path, 'utf8'), path).objects)).gateways;
}

/** The awkward corners of both formats: quoting, multi-line strings, empty collections, undefined, nesting. */
const AWKWARD = {
  '@type': 'type.googleapis.com/x',
  yes: ['yes', 'no', 'on', '1.0', '', ' leading', 'trailing ', 'a: b', '- dash', '#hash', 'null', '~'],
  multi: 'line one\nline two\n\n  indented line\n',
  nested: [[1, [2, 3]], [], {}, [{ a: 1, b: [] }], null, undefined, { deep: { deeper: { deepest: [{ x: 'y' }] } } }],
  skipped: undefined,
  'key with spaces': { 'and: colon': true, '': 'empty key' },
  numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
  unicode: 'héllo ✓ "quoted" \\ back',
  longKey: { [`k${'x'.repeat(1100)}`]: { a: [1, 2, 3] } },
};

const joined = (document: unknown, format: 'json' | 'yaml', options: ChunkOptions) => [...documentChunks(document, format, options)].join('');

describe('documentChunks', () => {
  it.each(['json', 'yaml'] as const)('prints %s byte for byte as formatDocument, whatever the piece size', (format) => {
    const dump = { xds: Object.fromEntries([...translated('tls-terminate-route.in.yaml')].map(([key, ir]) => [key, gatewayConfigDump(ir).dump])), versions: { a: 'b' } };
    for (const document of [AWKWARD, dump, { empty: {} }, []]) {
      const expected = formatDocument(document, format);
      for (const pieceNodes of [0, 1, 3, 50, 10_000]) expect(joined(document, format, { pieceNodes })).toBe(expected);
    }
  });

  it.each(['json', 'yaml'] as const)('redacts as redactIR does, even when walking the IR in small pieces (%s)', (format) => {
    const gateways = translated('tls-terminate-route.in.yaml');
    const document = { ir: Object.fromEntries(gateways) };
    const expected = formatDocument({ ir: Object.fromEntries([...gateways].map(([key, ir]) => [key, redactIR(ir)])) }, format);
    expect(expected).toContain(REDACTED);
    expect(expected).not.toContain('PRIVATE KEY');
    const transform = (value: unknown, key: string | undefined) => (key === undefined ? redactIR(value) : redactIR({ [key]: value })[key]);
    const wholeKeys = new Set(['privateKey', 'certificateChain', 'caCertificates']);
    for (const pieceNodes of [0, 2, 40]) expect(joined(document, format, { transform, wholeKeys, pieceNodes })).toBe(expected);
  });

  it.each(['json', 'yaml'] as const)('prints lazy lists as the arrays they make, items made only when reached (%s)', (format) => {
    const items = [{ a: 1 }, 'two', [3], { nested: { deep: [4, 5] } }];
    let made = 0;
    const lazy = (list: unknown[]) =>
      new LazyList(function* () {
        for (const item of list) {
          made++;
          yield item;
        }
      });
    const document = { objects: lazy(items), empty: lazy([]), inner: { small: lazy(['x']) }, after: true };
    const expected = formatDocument({ objects: items, empty: [], inner: { small: ['x'] }, after: true }, format);
    const chunks = documentChunks(document, format, { pieceNodes: 2 });
    expect(made).toBe(0);
    expect([...chunks].join('')).toBe(expected);
    expect(made).toBe(items.length + 1);
  });

  it('renders in time slices to the same bytes', async () => {
    const document = { list: Array.from({ length: 2000 }, (_, i) => ({ name: `item-${i}`, tags: ['a', 'b'] })) };
    let turns = 0;
    const counter = setInterval(() => turns++, 0);
    const buffers = await renderDocument(documentChunks(document, 'yaml', { pieceNodes: 5 }), { sliceMs: 0, bufferBytes: 1024 });
    clearInterval(counter);
    expect(Buffer.concat(buffers).toString('utf8')).toBe(formatDocument(document, 'yaml'));
    expect(buffers.length).toBeGreaterThan(10);
    // sliceMs 0: the event loop ran between pieces (timers fired while rendering).
    expect(turns).toBeGreaterThan(0);
  });
});
