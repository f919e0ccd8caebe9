import { describe, expect, it } from '@jest/globals';
import type { CertificateIR } from '@portico/ir';
import { validateMessage } from '@portico/envoy';
import { buildCertificateSecret, certificateSdsConfig, certificateSecrets } from './secrets.js';

const SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';

function cert(secret: string): CertificateIR {
  return {
    secret,
    certificateChain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
    dnsNames: ['example.com'],
    notAfter: '2030-01-01T00:00:00Z',
  };
}

describe('certificate secrets', () => {
  it('builds a valid tls_certificate Secret named by the Kubernetes Secret', () => {
    const s = buildCertificateSecret(cert('default/example-tls'));
    expect(s.name).toBe('default/example-tls');
    expect(validateMessage(SECRET, s.resource)).toEqual([]);
    expect(s.resource).toEqual({
      name: 'default/example-tls',
      tlsCertificate: {
        certificateChain: { inlineString: cert('x').certificateChain },
        privateKey: { inlineString: cert('x').privateKey },
      },
    });
  });

  it('sends a certificate used twice once', () => {
    expect(certificateSecrets([cert('a/x'), cert('b/y'), cert('a/x')]).map((s) => s.name)).toEqual(['a/x', 'b/y']);
  });

  it('references secrets over ADS', () => {
    expect(certificateSdsConfig(cert('a/x'))).toEqual({ name: 'a/x', sdsConfig: { ads: {}, resourceApiVersion: 'V3' } });
  });
});
