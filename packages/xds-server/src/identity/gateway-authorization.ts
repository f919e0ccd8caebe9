/**
 * The check an mTLS xDS server makes on each stream: may the client whose certificate was verified in
 * the TLS handshake serve the gateway its node claims (`node.cluster`)? Everything a stream is sent
 * belongs to that one gateway — its listeners, clusters and the private keys of its SDS secrets — so
 * a stream that passes this check can be sent nothing of another gateway, and a stream that fails it
 * is ended before anything is sent.
 */
import { X509Certificate } from 'node:crypto';
import { DEFAULT_TRUST_DOMAIN, describeIdentity, identityAllows, identityOfCertificate } from './xds-identity.js';

export interface GatewayAuthorizationOptions {
  /** The trust domain of accepted identities; default `portico`. */
  trustDomain?: string;
  /**
   * Compatibility with the one shared client certificate of earlier versions: a certificate signed by
   * the CA but naming no Portico identity may claim any gateway. Off by default: it lets any Envoy
   * (or anyone holding that certificate) fetch any gateway's TLS private keys.
   */
  allowSharedClientCertificate?: boolean;
}

export type GatewayAuthorization =
  | { allowed: true; identity: string }
  | { allowed: false; identity: string; reason: string };

/** `peerCertificate`: the DER bytes of the verified client certificate, undefined when there is none. */
export type GatewayAuthorizer = (gateway: string, peerCertificate: Buffer | undefined) => GatewayAuthorization;

/**
 * The longest gateway key that can exist (a 63-character namespace, `/`, a 253-character name): a
 * longer claim is shown cut, because it comes from the client and goes into logs and error texts.
 */
const MAX_SHOWN_CLAIM = 317;

/** The claimed gateway as logs and statuses show it. */
export function shownClaim(gateway: string): string {
  return gateway.length > MAX_SHOWN_CLAIM ? `${gateway.slice(0, MAX_SHOWN_CLAIM)}… (${gateway.length} characters)` : gateway;
}

export function createGatewayAuthorizer(options: GatewayAuthorizationOptions = {}): GatewayAuthorizer {
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const allowShared = options.allowSharedClientCertificate ?? false;
  return (gateway, peerCertificate) => {
    // grpc-js gives no certificate when the socket is not TLS or the handshake did not verify it.
    if (!peerCertificate) return { allowed: false, identity: 'no verified client certificate', reason: 'the connection carries no verified client certificate' };
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(peerCertificate);
    } catch {
      return { allowed: false, identity: 'an unreadable certificate', reason: 'the client certificate cannot be parsed' };
    }
    const result = identityOfCertificate(certificate, trustDomain);
    if ('problem' in result) return { allowed: false, identity: `fingerprint ${certificate.fingerprint256}`, reason: result.problem };
    const identity = describeIdentity(result.identity);
    if (identityAllows(result.identity, gateway, allowShared)) return { allowed: true, identity };
    const reason =
      result.identity.kind === 'shared'
        ? 'the certificate names no gateway identity (the shared client certificate of earlier versions is accepted only with --xds-allow-shared-client-certificate)'
        : `the certificate's identity does not cover gateway '${shownClaim(gateway)}'`;
    return { allowed: false, identity, reason };
  };
}
