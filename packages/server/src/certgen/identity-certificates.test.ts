/** Identity client certificates: issued with exactly one URI SAN, kept while good, reissued when not. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityOfCertificate } from '@portico/xds-server';
import { runCertgen } from './certgen.js';
import { identityCertificateProblem, identityUriOf, planIdentityCertificate } from './identity-certificates.js';
import { issueCertificateAuthority, issueClientCertificate } from './issue-certificates.js';
import { createLocalStore } from './local-store.js';
import { serverNames } from './names.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-01-10T12:00:00Z');
const ca = issueCertificateAuthority({ now: NOW });
const WEB = identityUriOf({ kind: 'gateway', namespace: 'team-a', name: 'web' }, 'portico');

describe('identity client certificates', () => {
  const first = planIdentityCertificate(undefined, ca, { identityUri: WEB, now: NOW });

  it('names the identity as its one URI SAN, for client authentication, signed by the CA', () => {
    expect(first.issued).toBe('absent');
    const certificate = new X509Certificate(first.certificate.cert);
    expect(certificate.subjectAltName).toBe('URI:spiffe://portico/ns/team-a/gateway/web');
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(certificate.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(first.certificate.ca).toBe(ca.cert);
    // What the xDS server reads from it.
    expect(identityOfCertificate(certificate, 'portico')).toEqual({ identity: { kind: 'gateway', namespace: 'team-a', name: 'web', uri: WEB } });
    expect(identityUriOf({ kind: 'namespace', namespace: 'team-a' }, 'corp')).toBe('spiffe://corp/ns/team-a/gateways');
  });

  it('is kept while good, and reissued for another identity, a new CA, or near its expiry', () => {
    const kept = planIdentityCertificate(first.certificate, ca, { identityUri: WEB, now: new Date(NOW.getTime() + DAY_MS) });
    expect(kept).toEqual({ certificate: first.certificate });
    const other = 'spiffe://portico/ns/team-a/gateway/api';
    expect(identityCertificateProblem(first.certificate, ca, { identityUri: other, now: NOW })).toBe(`does not name exactly the identity ${other}`);
    expect(identityCertificateProblem(first.certificate, issueCertificateAuthority({ now: NOW }), { identityUri: WEB, now: NOW })).toBe('not signed by the current CA');
    expect(identityCertificateProblem(first.certificate, ca, { identityUri: WEB, now: new Date(NOW.getTime() + 340 * DAY_MS) })).toMatch(/within the renewal window/);
    // The shared certificate of earlier versions is no identity certificate.
    const shared = { ...issueClientCertificate(ca, { now: NOW }), ca: ca.cert };
    expect(identityCertificateProblem(shared, ca, { identityUri: WEB, now: NOW })).toBe(`does not name exactly the identity ${WEB}`);
  });
});

describe('portico certgen --local DIR --gateway ns/name --gateway-namespace ns', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portico-identities-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const names = serverNames({ extraNames: ['localhost'] });
  const identities = [
    { kind: 'gateway', namespace: 'team-a', name: 'web' },
    { kind: 'namespace', namespace: 'team-b' },
  ] as const;

  it('writes one folder per identity, named like its URI path, and nothing on a second run', async () => {
    const result = await runCertgen({ store: createLocalStore(dir), names, identities, now: NOW });
    expect(result.identities.map((i) => [i.uri, i.issued])).toEqual([
      ['spiffe://portico/ns/team-a/gateway/web', 'absent'],
      ['spiffe://portico/ns/team-b/gateways', 'absent'],
    ]);
    const web = join(dir, 'identities/ns/team-a/gateway/web');
    expect(new X509Certificate(readFileSync(join(web, 'tls.crt'))).subjectAltName).toBe('URI:spiffe://portico/ns/team-a/gateway/web');
    expect(readFileSync(join(web, 'ca.crt'), 'utf8')).toBe(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    expect(statSync(join(web, 'tls.key')).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(readFileSync(join(dir, 'identities/ns/team-b/gateways/tls.crt'))).subjectAltName).toBe('URI:spiffe://portico/ns/team-b/gateways');

    const again = await runCertgen({ store: createLocalStore(dir), names, identities, now: NOW });
    expect(again.identities.every((i) => i.issued === undefined)).toBe(true);
    expect(again.written.every((w) => w.action === 'unchanged')).toBe(true);

    const overwritten = await runCertgen({ store: createLocalStore(dir), names, identities, now: NOW, overwrite: true });
    expect(overwritten.identities.map((i) => i.issued)).toEqual(['not signed by the current CA', 'not signed by the current CA']);
  });
});
