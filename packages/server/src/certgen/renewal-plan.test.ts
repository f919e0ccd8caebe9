import { X509Certificate } from 'node:crypto';
import { issueCertificateAuthority, issueClientCertificate, issueServerCertificate } from './issue-certificates.js';
import { serverNames } from './names.js';
import { planRenewal, subjectAltNames, type StoredCertificates, type XdsCertificates } from './renewal-plan.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-01-10T12:00:00Z');
const NAMES = serverNames({ namespace: 'portico-system' });

/** What a store returns after a run that wrote `certificates`. */
function storedOf({ ca, server, client }: XdsCertificates): StoredCertificates {
  return { ca: { ...ca }, server: { ...server }, client: { ...client } };
}

const first = planRenewal({}, { names: NAMES, now: NOW });
const stored = storedOf(first.certificates);
const later = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

describe('planRenewal', () => {
  it('issues everything into an empty store, leaves signed by the new CA and carrying it as their CA bundle', () => {
    expect(first.issued).toEqual({ ca: 'absent', server: 'the CA was issued now', client: 'the CA was issued now' });
    const { ca, server, client } = first.certificates;
    const caCert = new X509Certificate(ca.cert);
    for (const leaf of [server, client]) {
      expect(new X509Certificate(leaf.cert).checkIssued(caCert)).toBe(true);
      expect(leaf.ca).toBe(ca.cert);
    }
  });

  it('keeps everything on a second run (the same PEM texts, nothing issued)', () => {
    const again = planRenewal(stored, { names: NAMES, now: later(1) });
    expect(again.issued).toEqual({});
    expect(again.certificates).toEqual(first.certificates);
  });

  it('renews leaves that expire within 30 days under the same CA; the CA stays', () => {
    const renewed = planRenewal(stored, { names: NAMES, now: later(340) });
    expect(Object.keys(renewed.issued).sort()).toEqual(['client', 'server']);
    expect(renewed.issued.server).toMatch(/^expires 2027-01-10T.*within the renewal window$/);
    expect(renewed.certificates.ca).toEqual(first.certificates.ca);
    expect(new X509Certificate(renewed.certificates.server.cert).checkIssued(new X509Certificate(first.certificates.ca.cert))).toBe(true);
    // 36 days before the leaves expire, nothing is due yet.
    expect(planRenewal(stored, { names: NAMES, now: later(329) }).issued).toEqual({});
  });

  it('reissues the whole set when the CA expires within 30 days', () => {
    const renewed = planRenewal(stored, { names: NAMES, now: later(5 * 365 - 10) });
    expect(renewed.issued.ca).toMatch(/within the renewal window/);
    expect(renewed.certificates.ca.cert).not.toBe(first.certificates.ca.cert);
  });

  it('reissues only the server certificate when the names asked for change', () => {
    const names = serverNames({ namespace: 'portico-system', extraNames: ['xds.example.com'] });
    const renewed = planRenewal(stored, { names, now: NOW });
    expect(renewed.issued).toEqual({ server: 'names other hosts than asked' });
    expect(subjectAltNames(new X509Certificate(renewed.certificates.server.cert)).dnsNames).toContain('xds.example.com');
    expect(renewed.certificates.client).toEqual(first.certificates.client);
  });

  it('compares IPv6 names in any spelling', () => {
    const names = serverNames({ extraNames: ['::1', '10.0.0.1'] });
    const withIps = planRenewal({}, { names, now: NOW });
    expect(planRenewal(storedOf(withIps.certificates), { names, now: NOW }).issued).toEqual({});
  });

  it('reissues everything on overwrite', () => {
    expect(Object.keys(planRenewal(stored, { names: NAMES, now: NOW, overwrite: true }).issued).sort()).toEqual(['ca', 'client', 'server']);
  });

  it.each<[string, (s: StoredCertificates) => StoredCertificates, Record<string, string>]>([
    ['a missing client Secret', (s) => ({ ...s, client: undefined }), { client: 'absent' }],
    ['a server key that belongs to another certificate', (s) => ({ ...s, server: { ...s.server, key: first.certificates.client.key } }), { server: 'its private key does not match' }],
    ['a server certificate that is not PEM', (s) => ({ ...s, server: { ...s.server, cert: 'garbage' } }), { server: 'not a readable certificate' }],
    ['a client certificate used as the server certificate', (s) => ({ ...s, server: { ...s.client } }), { server: 'lacks the serverAuth extended key usage' }],
  ])('reissues one leaf for %s', (_what, change, issued) => {
    expect(planRenewal(change(stored), { names: NAMES, now: NOW }).issued).toEqual(issued);
  });

  it('reissues a leaf another CA signed', () => {
    const otherCa = issueCertificateAuthority({ now: NOW });
    const foreign = { ...issueClientCertificate(otherCa, { now: NOW }), ca: otherCa.cert };
    expect(planRenewal({ ...stored, client: foreign }, { names: NAMES, now: NOW }).issued).toEqual({ client: 'not signed by the current CA' });
  });

  it.each<[string, StoredCertificates['ca'], string]>([
    ['without its key (only ca.crt kept)', { cert: first.certificates.ca.cert }, 'its private key is absent'],
    ['that is a leaf', { cert: first.certificates.server.cert, key: first.certificates.server.key }, 'not a CA certificate'],
  ])('starts over from a new CA given a CA %s', (_what, ca, reason) => {
    const renewed = planRenewal({ ...stored, ca }, { names: NAMES, now: NOW });
    expect(renewed.issued).toEqual({ ca: reason, server: 'the CA was issued now', client: 'the CA was issued now' });
  });

  it('never issues a leaf that outlives its CA', () => {
    const ca = issueCertificateAuthority({ now: NOW });
    const server = issueServerCertificate(ca, NAMES, { now: later(5 * 365 - 100) });
    expect(new Date(new X509Certificate(server.cert).validTo).getTime()).toBe(new Date(new X509Certificate(ca.cert).validTo).getTime());
  });
});
