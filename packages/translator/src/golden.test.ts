/**
 * Golden tests: every `testdata/translator/<case>.in.yaml` is translated and compared with
 * `<case>.out.yaml` (the loader's warnings, the statuses we write, diagnostics for objects without conditions, the redacted
 * IR). `UPDATE_GOLDEN=1` rewrites the outputs
 * and deletes those whose input is gone; CI never sets it. A subfolder holds cases translated with
 * options other than the defaults, the TranslateOptions its `options.json` spells out (e.g.
 * `external-names-allowed/`: what `portico serve --allow-external-name-services` translates).
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDocument, redactIR, validateGatewayIR } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import type { ObjectStatus } from './result.js';
import type { TranslateOptions } from './options.js';
import { translate } from './translate.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/translator');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-01-01T00:00:00Z');

const caseNames = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();
/** Subfolders with an `options.json`: their cases are `<folder>/<case>`. */
const optionFolders = readdirSync(DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(DIR, e.name, 'options.json')))
  .map((e) => e.name)
  .sort();
const cases = [...caseNames(DIR), ...optionFolders.flatMap((folder) => caseNames(join(DIR, folder)).map((name) => `${folder}/${name}`))];

function optionsOf(name: string): TranslateOptions {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? {} : (JSON.parse(readFileSync(join(DIR, name.slice(0, slash), 'options.json'), 'utf8')) as TranslateOptions);
}

/** What a golden output holds: statuses first (what users see), then the IR. */
export function renderGolden(inputPath: string, options: TranslateOptions = {}): string {
  // Objects the API server refuses beyond their schema (CEL rules, duplicate list keys) still load here,
  // with a warning in the golden: the translator must cope with them (older CRDs admit some of them).
  const { objects, warnings } = parseResources(readFileSync(inputPath, 'utf8'), inputPath, { kubernetesRules: 'warn' });
  // What the loader dropped or overrode (unknown fields, duplicates): the statuses and IR make sense only with it.
  const loadWarnings = warnings.map((w) => `document ${w.document}: ${w.message}`);
  const result = translate(ResourceSet.from(objects as never), { ...options, now: NOW });
  const statuses = [...result.statuses.values()].sort(byKindThenName).map((s) => ({ kind: s.kind, ...(s.namespace ? { namespace: s.namespace } : {}), name: s.name, status: s.status }));
  const ir = Object.fromEntries([...result.gateways].map(([k, v]) => [k, redactIR(v)]));
  const problems = [...result.gateways.values()].flatMap((g) => validateGatewayIR(g).map((p) => `${g.name}: ${p}`));
  return formatDocument({ ...(problems.length ? { invalidIR: problems } : {}), ...(loadWarnings.length ? { loadWarnings } : {}), statuses, ...(result.diagnostics.length ? { diagnostics: result.diagnostics } : {}), ir }, 'yaml');
}

const KIND_ORDER = ['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'BackendPolicy', 'Ingress'];

function byKindThenName(a: ObjectStatus, b: ObjectStatus): number {
  const ka = `${a.namespace ?? ''}/${a.name}`;
  const kb = `${b.namespace ?? ''}/${b.name}`;
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

describe('translator golden files', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', (name) => {
    const actual = renderGolden(join(DIR, `${name}.in.yaml`), optionsOf(name));
    const outPath = join(DIR, `${name}.out.yaml`);
    if (UPDATE) writeFileSync(outPath, actual);
    expect(existsSync(outPath)).toBe(true);
    expect(actual).toEqual(readFileSync(outPath, 'utf8'));
    expect(actual).not.toContain('invalidIR:');
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      for (const folder of ['', ...optionFolders]) {
        for (const f of readdirSync(join(DIR, folder)).filter((f) => f.endsWith('.out.yaml'))) {
          if (!cases.includes(join(folder, f.slice(0, -'.out.yaml'.length)))) unlinkSync(join(DIR, folder, f));
        }
      }
    });
  }
});
