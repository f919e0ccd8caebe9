/**
 * `portico diagnose` end to end (issue 14): the compiled CLI on broken variants of examples/ — a route
 * asking the HTTPS listener for a hostname it does not serve, a backend in another namespace without a
 * ReferenceGrant — each gives its FAIL line with the fix and exit code 2; applying the printed
 * ReferenceGrant makes that FAIL go away. Then a running `portico serve` on the broken hostname variant,
 * diagnosed through its admin server (--admin), with an evidence bundle that holds its views and no
 * key or certificate material (examples/ has a TLS Secret).
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { PORTICO_BIN, startServeProcess, type ServeProcess } from '../support/serve-process.js';

jest.setTimeout(60_000);

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples');
const SECRET_FILE = readFileSync(join(EXAMPLES, '60-tls-secret.yaml'), 'utf8');

/** Runs the CLI; resolves with its exit code and output (a non-zero exit is a result here, not an error). */
function portico(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, [PORTICO_BIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      ok({ code, stdout, stderr });
    });
  });
}

/** A copy of examples/ with one file's text changed. */
function variant(file: string, from: string, to: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-diagnose-e2e-'));
  cpSync(EXAMPLES, dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer holds ${JSON.stringify(from)}: update the variant`);
  writeFileSync(path, text.replace(from, to));
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  return dir;
}

interface Finding {
  level: string;
  link: string;
  code: string;
  object: { kind: string; namespace?: string; name: string };
  field?: string;
  message: string;
  fix?: string;
}

/** Findings an offline run has too, TLS ones without their wording (see the --admin test). */
function comparable(findings: readonly Finding[]): unknown[] {
  return findings.filter((f) => f.link !== 'DataPlane').map((f) => (f.link === 'TLS' ? { ...f, message: '(certificate description)' } : f));
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const WRONG_HOSTNAME = () => variant('10-http-routes.yaml', '  - name: demo\n  hostnames: [shop.example.com, localhost]', '  - name: demo\n    sectionName: https\n  hostnames: [shop.example.org]');

describe('portico diagnose on examples/', () => {
  it('finds nothing wrong with examples/ as they are', async () => {
    const { code, stdout } = await portico(['diagnose', '--resources', EXAMPLES]);
    expect(stdout).not.toContain('FAIL');
    expect(code).toBeLessThan(2);
  });

  it('a route asking the HTTPS listener for a hostname it does not serve: FAIL with the hostname to add', async () => {
    const dir = WRONG_HOSTNAME();
    dirs.push(dir);
    const table = await portico(['diagnose', '--resources', dir, '--gateway', 'default/demo']);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/FAIL Route +HTTPRoute\/default\/shop spec\.parentRefs\[0\]: not accepted by Gateway default\/demo: .*Closest: listener https, because its hostname \*\.example\.com matches none of the route's hostnames shop\.example\.org.* \[NoMatchingListenerHostname\]/);
    expect(table.stdout).toContain("fix: add shop.example.com (a name under *.example.com) to the route's spec.hostnames, or set listener https's hostname to cover shop.example.org");
  });

  it('a backend in another namespace without a ReferenceGrant: FAIL whose fix, applied, clears it', async () => {
    const payments = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: payments }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: payments }\nspec: { ports: [{ name: http, port: 80 }] }\n';
    const dir = variant('10-http-routes.yaml', '    - name: web\n      port: 80', '    - name: web\n      namespace: payments\n      port: 80', { '95-payments.yaml': payments });
    dirs.push(dir);
    const broken = await portico(['diagnose', '-f', dir, '-o', 'json']);
    expect(broken.code).toBe(2);
    const findings = JSON.parse(broken.stdout).findings as Finding[];
    const missing = findings.find((f) => f.link === 'ReferenceGrant' && f.level === 'FAIL');
    expect(missing).toMatchObject({ code: 'RefNotPermitted', object: { kind: 'HTTPRoute', namespace: 'default', name: 'shop' }, field: 'spec.rules[3].backendRefs[0]' });
    const grant = missing!.fix!.split('\n').slice(1).join('\n');
    expect(grant).toContain('namespace: payments');

    writeFileSync(join(dir, '96-grant.yaml'), `${grant}\n`);
    const fixed = await portico(['diagnose', '-f', dir, '-o', 'json']);
    const after = JSON.parse(fixed.stdout).findings as Finding[];
    expect(after.filter((f) => f.link === 'ReferenceGrant' && f.level === 'FAIL')).toEqual([]);
    expect(after).toContainEqual(expect.objectContaining({ link: 'ReferenceGrant', level: 'OK', code: 'RefPermitted' }));
  });
});

describe('portico diagnose --admin on a running portico serve', () => {
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
  });

  it('reports the same FAIL from the server, and bundles its views without secret material', async () => {
    const dir = WRONG_HOSTNAME();
    dirs.push(dir);
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady();
    const admin = `http://127.0.0.1:${serve.adminPort}`;
    const bundle = join(dir, 'evidence.tar.gz');

    const live = await portico(['diagnose', '--admin', admin, '-o', 'json', '--bundle', bundle]);
    expect(live.code).toBe(2);
    const offline = await portico(['diagnose', '--resources', dir, '-o', 'json']);
    // The server decided the same statuses this command decides offline. Only a server knows its
    // proxies (none is connected here: the DataPlane link says so), and it names a certificate by
    // what its IR kept (the Secret's data never leaves it), so those are compared apart.
    const liveFindings = JSON.parse(live.stdout).findings as Finding[];
    expect(comparable(liveFindings)).toEqual(comparable(JSON.parse(offline.stdout).findings));
    expect(liveFindings.filter((f) => f.link === 'DataPlane' && f.level === 'FAIL').map((f) => f.code)).toContain('NoProxyConnected');
    expect(liveFindings.find((f) => f.link === 'TLS')).toMatchObject({ level: 'OK', message: expect.stringContaining('the certificate the server loaded from Secret default/example-com-tls (DNS example.com, *.example.com;') });

    await new Promise<void>((ok, fail) => execFile('tar', ['-xzf', bundle, '-C', dir], (error) => (error ? fail(error) : ok())));
    const [folder] = readdirSync(dir).filter((f) => f.startsWith('portico-diagnose-'));
    const files = readdirSync(join(dir, folder!)).sort();
    expect(files).toEqual(['README.txt', 'clients.json', 'ir.json', 'report.json', 'report.txt', 'resources.json', 'status.json', 'xds.json']);
    const texts = files.map((f) => readFileSync(join(dir, folder!, f), 'utf8'));
    const all = texts.join('\n');
    expect(all).toContain('[NoMatchingListenerHostname]');
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).not.toContain('BEGIN CERTIFICATE');
    for (const [, value] of SECRET_FILE.matchAll(/tls\.(?:crt|key): (\S+)/g)) expect(all).not.toContain(value!.slice(0, 60));
  });

  it('exits 3 when the admin server cannot be reached', async () => {
    const { code, stderr } = await portico(['diagnose', '--admin', 'http://127.0.0.1:1']);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot reach the admin server');
  });
});
