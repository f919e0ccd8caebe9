/**
 * Every translator golden input (testdata/translator) also goes through IR → xDS: the snapshot must be
 * consistent, and its config dump is written to .cache/xds-from-translator/ where CI's Go checker
 * (scripts/xds-check.sh) applies Envoy's own validation rules. One process instead of one per case.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDocument } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate, type TranslateOptions } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const INPUTS = join(ROOT, 'testdata/translator');
const OUT = join(ROOT, '.cache/xds-from-translator');
const inputsOf = (dir: string) => readdirSync(join(INPUTS, dir)).filter((f) => f.endsWith('.in.yaml')).sort().map((f) => join(dir, f));
// Subfolders hold cases translated with the TranslateOptions of their options.json (golden.test.ts).
const optionFolders = readdirSync(INPUTS, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(INPUTS, e.name, 'options.json'))).map((e) => e.name).sort();
const cases = [...inputsOf(''), ...optionFolders.flatMap(inputsOf)];
const optionsOf = (file: string): TranslateOptions => (dirname(file) === '.' ? {} : (JSON.parse(readFileSync(join(INPUTS, dirname(file), 'options.json'), 'utf8')) as TranslateOptions));

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
});

describe('translator cases through xDS', () => {
  it.each(cases)('%s', (file) => {
    const path = join(INPUTS, file);
    // Translator cases include objects the API server refuses (CEL rules, duplicate list keys): their translation is tested.
      const { objects } = parseResources(readFileSync(path, 'utf8'), path, { kubernetesRules: 'warn' });
    const xds: Record<string, unknown> = {};
    for (const [name, ir] of translate(ResourceSet.from(objects), { ...optionsOf(file), now: new Date(0) }).gateways) {
      const { dump, problems } = gatewayConfigDump(ir);
      expect(problems).toEqual([]);
      xds[name] = dump;
    }
    writeFileSync(join(OUT, file.replace(/\//g, '--').replace(/\.in\.yaml$/, '.yaml')), formatDocument({ xds }, 'yaml'));
  });
});
