/**
 * xDS golden tests: `testdata/xds/<case>.in.yaml` → `<case>.out.yaml`, the config-dump sections each
 * gateway's Envoys are served. An input is either Gateway API/Ingress resources (translated first) or
 * an IR document (`ir: { "<ns>/<name>": GatewayIR }`), so xDS features can be tested on exact IR.
 * `UPDATE_GOLDEN=1` rewrites outputs and deletes orphans; CI runs the Go checker on every output.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { formatDocument, validateGatewayIR, type GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/xds');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

function gatewaysOf(path: string): Map<string, GatewayIR> {
  const text = readFileSync(path, 'utf8');
  const first = parse(text.split(/^---$/m)[0]!) as { ir?: Record<string, GatewayIR> } | null;
  if (first && typeof first === 'object' && 'ir' in first && first.ir) return new Map(Object.entries(first.ir));
  // Objects the API server refuses beyond their schema (CEL rules, duplicate list keys) still load: their translation is tested.
  const { objects } = parseResources(text, path, { kubernetesRules: 'warn' });
  return translate(ResourceSet.from(objects), { now: new Date('2026-01-01T00:00:00Z') }).gateways;
}

function render(path: string): { text: string; problems: string[] } {
  const xds: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, ir] of gatewaysOf(path)) {
    problems.push(...validateGatewayIR(ir).map((p) => `${name}: invalid IR: ${p}`));
    const { dump, problems: found } = gatewayConfigDump(ir);
    problems.push(...found.map((p) => `${name}: ${p}`));
    xds[name] = dump;
  }
  return { text: formatDocument({ xds }, 'yaml'), problems };
}

describe('xDS golden files', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', (name) => {
    const { text, problems } = render(join(DIR, `${name}.in.yaml`));
    expect(problems).toEqual([]);
    const outPath = join(DIR, `${name}.out.yaml`);
    if (UPDATE) writeFileSync(outPath, text);
    expect(existsSync(outPath)).toBe(true);
    expect(text).toEqual(readFileSync(outPath, 'utf8'));
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      for (const f of readdirSync(DIR).filter((f) => f.endsWith('.out.yaml'))) {
        if (!cases.includes(f.slice(0, -'.out.yaml'.length))) unlinkSync(join(DIR, f));
      }
    });
  }
});
