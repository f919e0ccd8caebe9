import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../cli-io.js';
import { main } from '../main.js';
import { parseCertgenArgs } from './certgen-args.js';

function capture(): { io: CliIO; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, readStdin: () => Promise.reject(new Error('no stdin')) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('portico certgen arguments', () => {
  it('targets Secrets in the namespace by default, the client Secret where the Envoys run', () => {
    expect(parseCertgenArgs(['--namespace', 'portico-system'])).toEqual({
      target: { kind: 'kubernetes', namespace: 'portico-system', envoyNamespace: 'portico-system' },
      namespace: 'portico-system',
      service: 'portico',
      clusterDomain: 'cluster.local',
      extraNames: [],
      overwrite: false,
      logLevel: 'info',
      identities: [],
    });
    expect(parseCertgenArgs(['--kubernetes', '--namespace', 'a', '--envoy-namespace', 'b'])?.target).toEqual({ kind: 'kubernetes', namespace: 'a', envoyNamespace: 'b' });
    expect(parseCertgenArgs(['--local', 'certs', '--dns-name', 'xds.example.com', '--dns-name', '10.0.0.1'])).toMatchObject({
      target: { kind: 'local', directory: 'certs' },
      extraNames: ['xds.example.com', '10.0.0.1'],
    });
    expect(parseCertgenArgs(['--local', 'certs', '--gateway', 'team-a/web', '--gateway', 'ingressclass/portico', '--gateway-namespace', 'team-b'])?.identities).toEqual([
      { kind: 'gateway', namespace: 'team-a', name: 'web' },
      { kind: 'gateway', namespace: 'ingressclass', name: 'portico' },
      { kind: 'namespace', namespace: 'team-b' },
    ]);
  });

  test.each([
    [['certgen'], 'missing --namespace NS: the namespace of Portico and its Secrets (or --local DIR for files)'],
    [['certgen', '--local', 'x', '--kubernetes'], 'give --local DIR or --kubernetes, not both'],
    [['certgen', '--namespace', 'Portico'], "invalid --namespace 'Portico': expected a DNS label (lower-case letters, digits and '-', at most 63)"],
    [['certgen', '--local', 'x', '--dns-name', 'bad_name'], "invalid --dns-name 'bad_name': expected a lower-case DNS name or an IP address"],
    [['certgen', '--namespace', 'a', '--surprise'], "unknown option '--surprise' (see 'portico certgen --help')"],
    [['certgen', '--local', 'x', '--gateway', 'web'], "invalid --gateway 'web': expected NAMESPACE/NAME"],
    [['certgen', '--local', 'x', '--gateway', 'a/b/c'], "invalid --gateway 'a/b/c': expected NAMESPACE/NAME"],
    [['certgen', '--local', 'x', '--gateway-namespace', 'A'], "invalid --gateway-namespace 'A': expected a DNS label (lower-case letters, digits and '-', at most 63)"],
    [['certgen', '--namespace', 'a', '--gateway', 'a/b'], '--gateway and --gateway-namespace need --local DIR: in Kubernetes, Portico issues each Gateway its certificate'],
  ])('%j fails with exit code 1 and one line', async (argv, message) => {
    const out = capture();
    expect(await main(argv, out.io)).toBe(1);
    expect(out.stderr()).toBe(`portico: ${message}\n`);
  });

  it('has help, also through portico help', async () => {
    const out = capture();
    expect(await main(['help', 'certgen'], out.io)).toBe(0);
    expect(out.stdout()).toMatch(/^Usage: portico certgen --namespace NS/);
    expect(out.stdout()).toContain('portico-envoy-client');
  });
});

describe('portico certgen --local', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'portico-certgen-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the files, says what it did on standard output, and never prints a key', async () => {
    const out = capture();
    expect(await main(['certgen', '--local', dir, '--namespace', 'ns1', '--log-level', 'error'], out.io)).toBe(0);
    expect(out.stdout()).toContain(`${join(dir, 'server.key')}: created\n`);
    expect(out.stdout()).toMatch(/Issued: ca, server, client \(folder .*\)\. Expiry: CA \d{4}-\d\d-\d\d, server/);
    expect(out.stdout()).toContain('xDS server names: portico, portico.ns1, portico.ns1.svc, portico.ns1.svc.cluster.local, localhost, 127.0.0.1\n');
    const again = capture();
    expect(await main(['certgen', '--local', dir, '--namespace', 'ns1', '--gateway', 'default/demo'], again.io)).toBe(0);
    expect(again.stdout()).toContain('Kept every certificate');
    expect(again.stdout()).toContain(`${join(dir, 'identities/ns/default/gateway/demo/tls.crt')}: created\n`);
    expect(again.stdout()).toMatch(/Identity spiffe:\/\/portico\/ns\/default\/gateway\/demo: issued, expires \d{4}-/);
    for (const text of [out.stdout(), out.stderr(), again.stdout(), again.stderr()]) expect(text).not.toMatch(/PRIVATE KEY/);
    expect(readFileSync(join(dir, 'server.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });
});
