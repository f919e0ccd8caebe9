/**
 * `portico diagnose` end to end (issue 14): the compiled CLI on broken variants of examples/ — a route
 * asking the HTTPS listener for a hostname it does not serve, a backend in another namespace without a
 * ReferenceGrant — each gives its FAIL line with the fix and exit code 2; applying the printed
 * ReferenceGrant makes that FAIL go away. Then a running `portico serve` on the broken hostname variant,
 * diagnosed through its admin server (--admin), with an evidence bundle that holds its views and latest
 * log entries and no key or certificate material (examples/ has a TLS Secret). The other broken variants the issue names — a
 * wrong Service port, Pods failing their readiness probe, an expired (and an expiring) certificate, a
 * shadowed rule — each give their line with the fix, and all of them at once one report.
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueServerCertificate } from '@portico/server';
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
  return variantOf([[file, from, to]], extra);
}

/** A copy of examples/ with each edit's first `from` replaced by `to`, and `extra` files written (added or replaced). */
function variantOf(edits: readonly (readonly [file: string, from: string, to: string])[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-diagnose-e2e-'));
  dirs.push(dir);
  cpSync(EXAMPLES, dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} no longer holds ${JSON.stringify(from)}: update the variant`);
    writeFileSync(path, text.replace(from, to));
  }
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  return dir;
}

const DAY_MS = 86_400_000;

/**
 * examples/60-tls-secret.yaml with a certificate for the same names (example.com, *.example.com) issued
 * `daysAgo` days ago: leaves are valid 365 days, so 400 days ago is expired and 360 days ago expires in 5.
 */
function tlsSecretIssued(daysAgo: number): string {
  const now = new Date(Date.now() - daysAgo * DAY_MS);
  const ca = issueCertificateAuthority({ now });
  const leaf = issueServerCertificate(ca, { dnsNames: ['example.com', '*.example.com'], ipAddresses: [] }, { now });
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: example-com-tls\n  namespace: default\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${base64(leaf.cert)}\n  tls.key: ${base64(leaf.key)}\n`;
}

/** The shop route's catch-all rule sends to a port the Service web does not have (it has 80, named http). */
const WRONG_PORT: readonly [string, string, string] = ['10-http-routes.yaml', '    - name: web\n      port: 80', '    - name: web\n      port: 8080'];
/** web's only endpoint is not ready: its Pod runs but fails its readiness probe. */
const NOT_READY: readonly [string, string, string] = [
  '50-backends.yaml',
  '  port: 9001\n  protocol: TCP\nendpoints:\n- addresses: [127.0.0.1]\n  conditions:\n    ready: true',
  '  port: 9001\n  protocol: TCP\nendpoints:\n- addresses: [127.0.0.1]\n  conditions:\n    ready: false',
];
/** A newer-named route with shop's hostname and its /catalog match: shop's redirect rule never matches. */
const PROMO_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: promo, namespace: default }
spec:
  parentRefs: [{ name: demo }]
  hostnames: [shop.example.com]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /catalog } }]
    backendRefs: [{ name: web, port: 80 }]
`;

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
    const table = await portico(['diagnose', '--resources', dir, '--gateway', 'default/demo']);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/FAIL Route +HTTPRoute\/default\/shop spec\.parentRefs\[0\]: not accepted by Gateway default\/demo: .*Closest: listener https, because its hostname \*\.example\.com matches none of the route's hostnames shop\.example\.org.* \[NoMatchingListenerHostname\]/);
    expect(table.stdout).toContain("fix: add shop.example.com (a name under *.example.com) to the route's spec.hostnames, or set listener https's hostname to cover shop.example.org");
  });

  it('a backend in another namespace without a ReferenceGrant: FAIL whose fix, applied, clears it', async () => {
    const payments = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: payments }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: payments }\nspec: { ports: [{ name: http, port: 80 }] }\n';
    const dir = variant('10-http-routes.yaml', '    - name: web\n      port: 80', '    - name: web\n      namespace: payments\n      port: 80', { '95-payments.yaml': payments });
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

  /** The table for default/demo: exit code and text. */
  const demo = (dir: string) => portico(['diagnose', '--resources', dir, '--gateway', 'default/demo']);

  it('a backendRef port the Service does not have: FAIL naming the port it has', async () => {
    const { code, stdout } = await demo(variantOf([WRONG_PORT]));
    expect(code).toBe(2);
    expect(stdout).toContain('FAIL Backend          HTTPRoute/default/shop spec.rules[3].backendRefs[0].port: Service default/web has no port 8080: requests of rule 3 get 500 [ServicePortNotFound]\n       fix: use port 80 (http)\n');
  });

  it('Pods failing their readiness probe: FAIL predicting the 503, with where to look', async () => {
    const { code, stdout } = await demo(variantOf([NOT_READY]));
    expect(code).toBe(2);
    expect(stdout).toContain(
      'FAIL Backend          HTTPRoute/default/shop spec.rules[3].backendRefs[0]: Service default/web port 80 (http) has no ready endpoint (1 endpoint not ready: the Pods run but fail their readiness probe, or are shutting down): requests of rule 3 get 503 [NoReadyEndpoints]\n' +
        '       fix: see why the Pods are not ready: kubectl describe pods -n default (Readiness probe failed events)\n',
    );
  });

  it('an expired certificate on the HTTPS listener: FAIL with the renewal fix; one expiring in 5 days: WARN, exit code 1', async () => {
    const expired = await demo(variantOf([], { '60-tls-secret.yaml': tlsSecretIssued(400) }));
    expect(expired.code).toBe(2);
    expect(expired.stdout).toMatch(
      /FAIL TLS +Gateway\/default\/demo spec\.listeners\[1\]\.tls\.certificateRefs\[0\]: Secret default\/example-com-tls certificate CN=example\.com, O=Portico \(DNS example\.com, \*\.example\.com; notAfter [^;]+; sha256 [^)]+\) expired 3[45] days ago: clients refuse it \[CertificateExpired\]\n +fix: renew it/,
    );
    const expiring = await demo(variantOf([], { '60-tls-secret.yaml': tlsSecretIssued(360) }));
    expect(expiring.code).toBe(1);
    expect(expiring.stdout).toMatch(/WARN TLS +Gateway\/default\/demo spec\.listeners\[1\]\.tls\.certificateRefs\[0\]: .* expires in [45] days \[CertificateExpiresSoon\]\n +fix: renew it/);
  });

  it('a rule another route shadows: WARN naming the winner and the precedence step that decided, exit code 1', async () => {
    const { code, stdout } = await demo(variantOf([], { '15-promo-route.yaml': PROMO_ROUTE }));
    expect(code).toBe(1);
    for (const listener of ['http', 'https']) {
      expect(stdout).toContain(
        `WARN Shadowing        HTTPRoute/default/shop spec.rules[2].matches[0]: rule 2 (name: old-catalog) match 0 (PathPrefix /catalog) never matches for hostname shop.example.com on listener ${listener}: ` +
          'HTTPRoute default/promo rule 0 match 0 (PathPrefix /catalog) has the same hostname and match and comes first (precedence: route hostname: tie (shop.example.com); match precedence: tie; ' +
          'creationTimestamp: tie (none); namespace/name: default/promo before default/shop (decides)) [OverlapsRoute]\n       fix: Route precedence is fixed by the Gateway API',
      );
    }
  });

  it('every break at once (the report of the closing note): one line each, with its object and field, exit code 2', async () => {
    const canary = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: canary }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: api-v2, namespace: canary }\nspec: { ports: [{ name: http, port: 8080, targetPort: 9003 }] }\n';
    const dir = variantOf(
      [
        WRONG_PORT,
        // The canary rule's backend moved to a namespace of its own, without a ReferenceGrant there.
        ['10-http-routes.yaml', '    - name: api-v2\n      port: 8080\n  - name: api\n', '    - name: api-v2\n      namespace: canary\n      port: 8080\n  - name: api\n'],
        // api-v1's endpoint (90 % of /api) fails its readiness probe.
        ['50-backends.yaml', '  port: 9002\n  protocol: TCP\nendpoints:\n- addresses: [127.0.0.1]\n  conditions:\n    ready: true', '  port: 9002\n  protocol: TCP\nendpoints:\n- addresses: [127.0.0.1]\n  conditions:\n    ready: false'],
      ],
      { '15-promo-route.yaml': PROMO_ROUTE, '60-tls-secret.yaml': tlsSecretIssued(360), '95-canary.yaml': canary },
    );
    const { code, stdout } = await portico(['diagnose', '--resources', dir, '--gateway', 'default/demo', '-o', 'json']);
    expect(code).toBe(2);
    const problems = (JSON.parse(stdout).findings as Finding[]).filter((f) => f.level !== 'OK').map((f) => `${f.level} ${f.code} ${f.object.kind}/${f.object.name} ${f.field}`);
    expect(problems.sort()).toEqual([
      'FAIL NoReadyEndpoints HTTPRoute/shop spec.rules[1].backendRefs[0]',
      'FAIL RefNotPermitted HTTPRoute/shop spec.rules[0].backendRefs[0]',
      'FAIL ServicePortNotFound HTTPRoute/shop spec.rules[3].backendRefs[0].port',
      'WARN CertificateExpiresSoon Gateway/demo spec.listeners[1].tls.certificateRefs[0]',
      'WARN OverlapsRoute HTTPRoute/shop spec.rules[2].matches[0]',
      'WARN OverlapsRoute HTTPRoute/shop spec.rules[2].matches[0]',
    ]);
  });
});

describe('portico diagnose --admin on a running portico serve', () => {
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
  });

  it('reports the same FAIL from the server, and bundles its views without secret material', async () => {
    const dir = WRONG_HOSTNAME();
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
    expect(files).toEqual(['README.txt', 'clients.json', 'ir.json', 'logs.json', 'report.json', 'report.txt', 'resources.json', 'status.json', 'xds.json']);
    // The server's own latest log entries: its start ("serving", with its ports) among them.
    const logs = JSON.parse(readFileSync(join(dir, folder!, 'logs.json'), 'utf8')) as { entries: { level: string; message: string; admin?: number }[] };
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'info', message: 'serving', admin: serve.adminPort }));
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
