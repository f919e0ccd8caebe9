/**
 * Golden tests: every `testdata/convert/<case>.in.yaml` is converted as `portico convert -f` does and
 * compared with `<case>.out.yaml`: the report (standard error) as comments on top, then the objects.
 * `UPDATE_GOLDEN=1` rewrites the outputs and deletes those whose input is gone; CI never sets it.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../testdata/convert');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

async function converted(input: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: async () => '',
  } as CliIO;
  const code = await main(['convert', '-f', input], io);
  const report = stderr.split('\n').filter((l) => l !== '').map((l) => `# ${l}\n`).join('');
  return `# exit code ${code}\n${report}${stdout}`;
}

describe('convert golden files', () => {
  it.each(cases)('%s', async (name) => {
    const actual = await converted(join(DIR, `${name}.in.yaml`));
    const outPath = join(DIR, `${name}.out.yaml`);
    if (UPDATE) writeFileSync(outPath, actual);
    expect(existsSync(outPath)).toBe(true);
    expect(actual).toEqual(readFileSync(outPath, 'utf8'));
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      for (const f of readdirSync(DIR).filter((f) => f.endsWith('.out.yaml'))) {
        if (!cases.includes(f.slice(0, -'.out.yaml'.length))) unlinkSync(join(DIR, f));
      }
    });
  }
});
