/**
 * Golden tests: every `testdata/diagnose/<case>.in.yaml` (a broken, or healthy, set of objects) is
 * diagnosed offline with every check, and the report, as `portico diagnose -o table` prints it, is
 * compared with `<case>.out.txt`. Certificates are judged at NOW. `UPDATE_GOLDEN=1` rewrites the outputs
 * and deletes those whose input is gone; CI never sets it.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources } from '@portico/resources';
import { ALL_CHECKS } from './checks/index.js';
import { offlineInput } from './offline-input.js';
import { renderReport } from './render-report.js';
import { runChecks } from './report.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/diagnose');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-01-01T00:00:00Z');

const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

export function renderDiagnoseGolden(inputPath: string): string {
  const { objects } = parseResources(readFileSync(inputPath, 'utf8'), inputPath, { kubernetesRules: 'warn' });
  return renderReport(runChecks(offlineInput(objects, NOW), ALL_CHECKS), 'table');
}

describe('diagnose golden files', () => {
  it.each(cases)('%s', (name) => {
    const actual = renderDiagnoseGolden(join(DIR, `${name}.in.yaml`));
    const outPath = join(DIR, `${name}.out.txt`);
    if (UPDATE) writeFileSync(outPath, actual);
    expect(existsSync(outPath)).toBe(true);
    expect(actual).toEqual(readFileSync(outPath, 'utf8'));
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      for (const f of readdirSync(DIR).filter((f) => f.endsWith('.out.txt'))) {
        if (!cases.includes(f.slice(0, -'.out.txt'.length))) unlinkSync(join(DIR, f));
      }
    });
  }
});
