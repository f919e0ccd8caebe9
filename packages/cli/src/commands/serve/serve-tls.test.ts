/** `portico serve --xds-tls-*`: all three or none, checked before anything binds. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';
import { parseServeArgs } from './serve-args.js';

function capture(): { io: CliIO; stderr: () => string } {
  let stderr = '';
  return { io: { stdout: { write: () => true }, stderr: { write: (c: string) => (stderr += c) }, readStdin: () => Promise.reject(new Error('no stdin')) }, stderr: () => stderr };
}

describe('portico serve --xds-tls-cert/--xds-tls-key/--xds-tls-ca', () => {
  it('takes the three files', () => {
    expect(parseServeArgs(['--xds-tls-cert', 'c.pem', '--xds-tls-key', 'k.pem', '--xds-tls-ca', 'ca.pem'])?.xdsTls).toEqual({ certFile: 'c.pem', keyFile: 'k.pem', caFile: 'ca.pem' });
    expect(parseServeArgs([])?.xdsTls).toBeUndefined();
  });

  it('accepts the shared client certificate of earlier versions only when told, and only with mTLS', () => {
    const tls = ['--xds-tls-cert', 'c.pem', '--xds-tls-key', 'k.pem', '--xds-tls-ca', 'ca.pem'];
    expect(parseServeArgs(tls)?.xdsAllowSharedClientCertificate).toBeUndefined();
    expect(parseServeArgs([...tls, '--xds-allow-shared-client-certificate'])?.xdsAllowSharedClientCertificate).toBe(true);
  });

  it('in Kubernetes, gives each Gateway its own client certificate from the CA Secret, unless a shared Secret is named', () => {
    const tls = ['--xds-tls-cert', 'c.pem', '--xds-tls-key', 'k.pem', '--xds-tls-ca', 'ca.pem', '--kubernetes', '--namespace', 'portico-system'];
    const envoy = (args: string[]) => parseServeArgs(args)?.kubernetes?.envoy;
    expect(envoy(tls)).toMatchObject({ clientCertificates: { caSecret: { namespace: 'portico-system', name: 'portico-xds-ca-key' } } });
    expect(envoy(tls)?.tlsSecretName).toBeUndefined();
    const shared = envoy([...tls, '--envoy-tls-secret', 'portico-envoy-client', '--xds-allow-shared-client-certificate']);
    expect(shared).toMatchObject({ tlsSecretName: 'portico-envoy-client' });
    expect(shared?.clientCertificates).toBeUndefined();
    // Plain text xDS: nothing to mount.
    expect(envoy(['--kubernetes'])).not.toHaveProperty('clientCertificates');
    expect(envoy(['--kubernetes'])).not.toHaveProperty('tlsSecretName');
  });

  test.each([
    [['--xds-tls-cert', 'c.pem'], 'mTLS needs all three of --xds-tls-cert, --xds-tls-key and --xds-tls-ca'],
    [['--xds-tls-cert', '', '--xds-tls-key', 'k', '--xds-tls-ca', 'ca'], '--xds-tls-cert, --xds-tls-key and --xds-tls-ca need file paths, not empty strings'],
    [['--xds-allow-shared-client-certificate'], '--xds-allow-shared-client-certificate needs --xds-tls-cert, --xds-tls-key and --xds-tls-ca'],
  ])('%j is refused', async (args, message) => {
    const out = capture();
    expect(await main(['serve', ...args], out.io)).toBe(1);
    expect(out.stderr()).toBe(`portico: ${message}\n`);
  });

  it('refuses unusable files before binding anything, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-serve-tls-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
      writeFileSync(join(dir, 'key.pem'), 'not a key');
      const out = capture();
      const args = ['serve', '--resources', dir, '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0'];
      expect(await main([...args, '--xds-tls-cert', join(dir, 'cert.pem'), '--xds-tls-key', join(dir, 'key.pem'), '--xds-tls-ca', join(dir, 'ca.pem')], out.io)).toBe(1);
      expect(out.stderr()).toBe(`portico: xDS TLS: cannot read the CA bundle '${join(dir, 'ca.pem')}': ENOENT\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
