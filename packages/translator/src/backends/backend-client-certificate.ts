/**
 * The Gateway's client certificate towards TLS backends (Gateway `spec.tls.backend.clientCertificateRef`,
 * GEP-3155). It is resolved like a listener certificate (a core Secret with `tls.crt` and a matching
 * `tls.key`, ReferenceGrant across namespaces); a problem sets the Gateway's ResolvedRefs=False with
 * InvalidClientCertificateRef or RefNotPermitted and leaves the Gateway accepted (gateway_types.go
 * GatewayBackendTLS.ClientCertificateRef). Whether a backend speaks TLS at all is still its
 * BackendTLSPolicy's decision: the certificate is added to the backends that have one.
 */
import type { BackendIR, CertificateIR } from '@portico/ir';
import type { Gateway } from '@portico/resources';
import { resolveCertificateRef } from '../gateways/certificates.js';
import type { TranslationContext } from '../context.js';

export type BackendClientCertificate =
  | { ok: true; certificate: CertificateIR }
  | { ok: false; reason: 'InvalidClientCertificateRef' | 'RefNotPermitted'; message: string };

export function resolveBackendClientCertificate(ctx: TranslationContext, gateway: Gateway, namespace: string): BackendClientCertificate | undefined {
  const ref = gateway.spec.tls?.backend?.clientCertificateRef;
  if (!ref) return undefined;
  const result = resolveCertificateRef(ctx, namespace, ref);
  if (result.ok) return result;
  const reason = result.reason === 'RefNotPermitted' ? 'RefNotPermitted' : 'InvalidClientCertificateRef';
  return { ok: false, reason, message: `tls.backend.clientCertificateRef: ${result.message.replace(/^certificateRef (to )?/, '')}` };
}

/** The last copy made of each (cached, shared) backend, to hand out again while the certificate is the same. */
const copies = new WeakMap<BackendIR, BackendIR>();

/**
 * `backend` as this gateway uses it: with its client certificate when it originates TLS. A copy only
 * then, since backends are shared between gateways (and cached between translations) and the
 * certificate is one gateway's; the same copy as last time while backend and certificate are
 * unchanged, so that the xDS side keeps reusing its cluster (it keys its caches on identity).
 */
export function withClientCertificate(backend: BackendIR, certificate: CertificateIR | undefined): BackendIR {
  if (!certificate || !backend.tls || backend.protocol === 'UDP') return backend;
  const previous = copies.get(backend);
  if (previous?.tls?.clientCertificate && sameCertificate(previous.tls.clientCertificate, certificate)) return previous;
  const copy = { ...backend, tls: { ...backend.tls, clientCertificate: certificate } };
  copies.set(backend, copy);
  return copy;
}

function sameCertificate(a: CertificateIR, b: CertificateIR): boolean {
  return a.secret === b.secret && a.certificateChain === b.certificateChain && a.privateKey === b.privateKey;
}
