/**
 * Listener certificateRefs (GatewayTLSConfig): each must be a core Secret, in the namespace of the
 * listener's owner (its Gateway or ListenerSet) or allowed by a ReferenceGrant from that owner's kind,
 * holding a parseable `tls.crt` chain and a `tls.key` that matches it. GEP-1713: a grant to Gateways
 * does not extend to ListenerSets, nor one to ListenerSets to Gateways.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CertificateIR } from '@portico/ir';
import type { SecretObjectReference } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import { isReferenceAllowed } from '../backends/reference-grants.js';
import { decodeSecretValue } from './secrets.js';

export type CertificateResolution =
  | { ok: true; certificate: CertificateIR }
  | { ok: false; reason: 'InvalidCertificateRef' | 'RefNotPermitted'; message: string };

export function resolveCertificateRef(
  ctx: TranslationContext,
  gatewayNamespace: string,
  ref: SecretObjectReference,
  ownerKind: 'Gateway' | 'ListenerSet' = 'Gateway',
): CertificateResolution {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const namespace = ref.namespace ?? gatewayNamespace;
  const display = `${namespace}/${ref.name}`;
  if (group !== '' || kind !== 'Secret') {
    return { ok: false, reason: 'InvalidCertificateRef', message: `certificateRef ${group || 'core'}/${kind} ${ref.name} is not supported: only core Secrets are` };
  }
  const from = { group: 'gateway.networking.k8s.io', kind: ownerKind, namespace: gatewayNamespace };
  if (!isReferenceAllowed(ctx.resources, from, { group: '', kind: 'Secret', namespace, name: ref.name })) {
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `certificateRef to Secret ${display} is not permitted: no ReferenceGrant in namespace ${namespace} allows ${ownerKind}s from namespace ${gatewayNamespace} to refer to it`,
    };
  }
  const secret = ctx.resources.get('Secret', namespace, ref.name);
  if (!secret) return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${display} does not exist` };
  const chain = decodeSecretValue(secret, 'tls.crt');
  const key = decodeSecretValue(secret, 'tls.key');
  if (!chain || !key) {
    return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${display} must have the keys tls.crt and tls.key` };
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(chain);
  } catch {
    return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${display}: tls.crt is not a PEM certificate` };
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) {
      return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${display}: tls.key does not match the certificate in tls.crt` };
    }
  } catch {
    return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${display}: tls.key is not a PEM private key` };
  }
  return {
    ok: true,
    certificate: {
      secret: display,
      certificateChain: chain,
      privateKey: key,
      dnsNames: dnsNames(leaf),
      notAfter: new Date(leaf.validTo).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

function dnsNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  return san
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}
