/**
 * Listener certificates as SDS Secrets (`envoy.extensions.transport_sockets.tls.v3.Secret`).
 *
 * Why SDS rather than certificates inline in the Listener: one Secret per Kubernetes Secret, named by
 * it, so rotating a certificate pushes one small Secret and Envoy swaps it on live filter chains
 * without draining the listener; a certificate used by several listeners (or SNI chains) is sent once;
 * and the Listener itself carries no key material, so it can be diffed, logged and dumped freely.
 */
import type { CertificateIR } from '@portico/ir';
import type { Proto3Json } from '@portico/envoy';
import { adsConfigSource } from './config-source.js';
import { certificateSecretName } from './names.js';
import type { NamedResource } from './resources.js';

export function buildCertificateSecret(certificate: CertificateIR): NamedResource {
  const name = certificateSecretName(certificate);
  return {
    name,
    resource: {
      name,
      tlsCertificate: {
        certificateChain: { inlineString: certificate.certificateChain },
        privateKey: { inlineString: certificate.privateKey },
      },
    },
  };
}

/** The reference a TLS context makes to a certificate Secret, fetched over ADS. */
export function certificateSdsConfig(certificate: CertificateIR): Proto3Json {
  return { name: certificateSecretName(certificate), sdsConfig: adsConfigSource() };
}

/** The Secrets of `certificates`, one per name, in first-seen order. */
export function certificateSecrets(certificates: CertificateIR[]): NamedResource[] {
  const byName = new Map<string, NamedResource>();
  for (const c of certificates) if (!byName.has(certificateSecretName(c))) byName.set(certificateSecretName(c), buildCertificateSecret(c));
  return [...byName.values()];
}
