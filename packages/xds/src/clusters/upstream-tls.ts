/**
 * BackendTLSPolicy (UpstreamTLSIR) → the TLS transport socket of a backend's cluster: Envoy
 * originates TLS, sends the policy's hostname as SNI and verifies the backend's certificate
 * against the policy's CA bundle and subject alternative names (GEP-1897).
 */
import type { Proto3Json } from '@portico/envoy';
import type { UpstreamProtocol, UpstreamTLSIR } from '@portico/ir';
import { certificateSdsConfig } from '../secrets.js';
import { typedConfig } from '../typed-config.js';

const UPSTREAM_TLS_CONTEXT = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/**
 * The system trust store for `wellKnownCACertificates: System`. Envoy has no "use the OS roots"
 * switch (CertificateValidationContext.system_root_certs is not implemented), so it is given the
 * bundle by path: this is where the envoyproxy/envoy image (Debian/Ubuntu based) and distroless
 * images keep ca-certificates' bundle.
 */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** `Cluster.transport_socket` for a backend with a BackendTLSPolicy. */
export function upstreamTlsTransportSocket(tls: UpstreamTLSIR, protocol: UpstreamProtocol): Proto3Json {
  const commonTlsContext: Proto3Json = { validationContext: validationContext(tls) };
  // GEP-3155: the Gateway's client certificate, over SDS like listener certificates (secrets.ts), so
  // the Cluster carries no key material.
  if (tls.clientCertificate) commonTlsContext.tlsCertificateSdsSecretConfigs = [certificateSdsConfig(tls.clientCertificate)];
  const alpn = alpnProtocols(protocol);
  if (alpn.length > 0) commonTlsContext.alpnProtocols = alpn;
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: typedConfig(UPSTREAM_TLS_CONTEXT, { sni: tls.sni, commonTlsContext }),
  };
}

function validationContext(tls: UpstreamTLSIR): Proto3Json {
  // GEP-1897: the policy's CA certificates when it names some; otherwise (System) the platform's
  // trust store. Envoy verifies nothing without a trusted CA, so an IR that (wrongly) has neither
  // still gets the system store: a failing handshake is better than an unverified one.
  const trustedCa = tls.caCertificates ? { inlineString: tls.caCertificates } : { filename: SYSTEM_CA_BUNDLE };
  const context: Proto3Json = { trustedCa };
  // The certificate must carry one of these SANs (the policy's hostname unless it lists
  // subjectAltNames). Envoy's DNS matcher honours a wildcard SAN in the certificate (RFC 6125).
  if (tls.subjectAltNames.length > 0) {
    context.matchTypedSubjectAltNames = tls.subjectAltNames.map((s) => ({
      sanType: s.type === 'URI' ? 'URI' : 'DNS',
      matcher: { exact: s.value },
    }));
  }
  return context;
}

/**
 * ALPN offered to the backend. Envoy speaks the protocol the cluster's explicit HttpProtocolOptions
 * choose whatever ALPN says, so the offer must agree: `h2` for HTTP/2 (without it many servers,
 * Go's net/http among them, assume HTTP/1.1 over TLS and reject the h2 preface), `http/1.1` for
 * HTTP/1.1, nothing for opaque TCP streams.
 */
function alpnProtocols(protocol: UpstreamProtocol): string[] {
  if (protocol === 'HTTP2') return ['h2'];
  if (protocol === 'HTTP') return ['http/1.1'];
  return [];
}
