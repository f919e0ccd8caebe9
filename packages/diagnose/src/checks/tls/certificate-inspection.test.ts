import { inspectCABundle, inspectKeyPair, nameCovers } from './certificate-inspection.js';
import { testPem } from './test-certs.test-util.js';
import { TEST_NOW } from '../test-objects.test-util.js';

const pair = (crts: string[], key: string, now = TEST_NOW) => inspectKeyPair(crts.map(testPem).join(''), testPem(key), now, 'Secret default/x');
const codes = (r: { problems: { level: string; code: string }[] }) => r.problems.map((p) => `${p.level} ${p.code}`);

describe('nameCovers', () => {
  it('matches exact names and one-label wildcards, case-insensitively', () => {
    expect(nameCovers('www.example.com', 'WWW.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'shop.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'a.shop.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('*.example.com', '*.example.com')).toBe(true);
    expect(nameCovers('www.example.com', '*.example.com')).toBe(false);
  });
});

describe('inspectKeyPair', () => {
  it('accepts a chain in order with its key', () => {
    const r = pair(['www.crt', 'intermediate.crt'], 'www.key');
    expect(r.problems).toEqual([]);
    expect(r.chain).toHaveLength(2);
  });

  it('judges validity at the given time: expired, expiring within 14 days, not yet valid', () => {
    expect(codes(pair(['expired.crt'], 'expired.key'))).toEqual(['FAIL CertificateExpired']);
    expect(codes(pair(['expiring.crt'], 'expiring.key'))).toEqual(['WARN CertificateExpiresSoon']);
    expect(codes(pair(['expiring.crt'], 'expiring.key', new Date('2025-12-20T00:00:00Z')))).toEqual([]);
    expect(codes(pair(['notyet.crt'], 'notyet.key'))).toEqual(['FAIL CertificateNotYetValid']);
  });

  it('tells a key of another certificate from a chain listed out of order', () => {
    expect(codes(pair(['www.crt'], 'other.key'))).toEqual(['FAIL CertificateKeyMismatch']);
    expect(codes(pair(['intermediate.crt', 'www.crt'], 'www.key'))).toEqual(['FAIL CertificateChainOrder']);
    // The key fits, but the root did not issue the server certificate (its intermediate did).
    expect(codes(pair(['www.crt', 'ca.crt'], 'www.key'))).toEqual(['WARN CertificateChainOrder']);
  });

  it('reports PEM that does not parse', () => {
    expect(codes(inspectKeyPair('not a certificate', testPem('www.key'), TEST_NOW, 'x'))).toEqual(['FAIL CertificateUnparsable']);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(codes(inspectKeyPair(broken, testPem('www.key'), TEST_NOW, 'x'))).toEqual(['FAIL CertificateUnparsable']);
    expect(codes(inspectKeyPair(testPem('www.crt'), 'garbage', TEST_NOW, 'x'))).toEqual(['FAIL PrivateKeyUnparsable']);
  });

  it('never puts PEM or key material into words', () => {
    const cases = [pair(['www.crt'], 'other.key'), pair(['expired.crt'], 'expired.key'), pair(['intermediate.crt', 'www.crt'], 'www.key')];
    const key = testPem('www.key').split('\n')[1]!;
    for (const p of cases.flatMap((c) => c.problems)) {
      const text = `${p.message} ${p.fix ?? ''}`;
      expect(text).not.toMatch(/BEGIN|PRIVATE KEY/);
      expect(text).not.toContain(key);
    }
    expect(cases[0]!.problems[0]!.message).toMatch(/CN=www\.example\.com \(DNS www\.example\.com, example\.com; notAfter 2027-01-01T00:00:00Z; sha256 [0-9A-F:]{23}…\)/);
  });
});

describe('inspectCABundle', () => {
  it('parses every certificate of the bundle and judges each', () => {
    expect(codes(inspectCABundle(testPem('ca.crt') + testPem('intermediate.crt'), TEST_NOW, 'ConfigMap default/ca'))).toEqual([]);
    expect(codes(inspectCABundle(testPem('ca.crt') + testPem('expired-ca.crt'), TEST_NOW, 'ConfigMap default/ca'))).toEqual(['FAIL CertificateExpired']);
    expect(codes(inspectCABundle('', TEST_NOW, 'ConfigMap default/ca'))).toEqual(['FAIL CertificateUnparsable']);
  });
});
