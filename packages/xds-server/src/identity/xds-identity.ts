/**
 * Who an xDS client is, read from its TLS client certificate, and which gateways it may serve.
 *
 * An Envoy says which gateway it serves in `node.cluster` (`<namespace>/<name>`); with mutual TLS
 * its certificate says which gateways it is allowed to claim, as one SPIFFE-style URI SAN:
 *   - `spiffe://<trust domain>/ns/<namespace>/gateway/<name>` — that gateway only (what the
 *     infrastructure manager issues for each Gateway's Envoys, and `certgen --gateway ns/name`);
 *   - `spiffe://<trust domain>/ns/<namespace>/gateways` — every gateway of that namespace (one
 *     certificate for a team that runs its Envoys itself: `certgen --gateway-namespace ns`).
 * The IngressClass stand-in gateway's key is `ingressclass/<class>`, so its identity is
 * `…/ns/ingressclass/gateway/<class>`: the same rule, no special case.
 *
 * A certificate without any Portico identity (the one shared `portico-envoy` client certificate of
 * earlier versions) may claim nothing, unless the server is told to accept it for any gateway
 * (`allowSharedClientCertificate`, the documented upgrade path). A certificate with two or more
 * identities, or an identity of another trust domain, is refused: SPIFFE allows one ID per
 * certificate, and guessing which one was meant is how a check goes wrong.
 */
import { X509Certificate } from 'node:crypto';

/** The trust domain certgen issues identities in, unless told otherwise. */
export const DEFAULT_TRUST_DOMAIN = 'portico';

export type XdsIdentity =
  | { kind: 'gateway'; namespace: string; name: string; uri: string }
  | { kind: 'namespace'; namespace: string; uri: string }
  /** No Portico identity: the shared client certificate of earlier versions (its subject, for logs). */
  | { kind: 'shared'; subject: string };

/** Either the certificate's identity, or why it has none that can be used. */
export type IdentityResult = { identity: XdsIdentity } | { problem: string };

/** A Kubernetes namespace (RFC 1123 label). */
const NAMESPACE = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** A Kubernetes object name (RFC 1123 subdomain): also every character SPIFFE allows in a path segment. */
const OBJECT_NAME = '[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?';
const GATEWAY_PATH = new RegExp(`^/ns/(${NAMESPACE})/gateway/(${OBJECT_NAME})$`);
const NAMESPACE_PATH = new RegExp(`^/ns/(${NAMESPACE})/gateways$`);
const SPIFFE = /^spiffe:\/\/([^/]+)(\/.*)$/;

export function gatewayIdentityUri(trustDomain: string, namespace: string, name: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/gateway/${name}`;
}

export function namespaceIdentityUri(trustDomain: string, namespace: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/gateways`;
}

/** The identity a gateway key (`namespace/name`) needs; undefined when the key is not of that shape. */
export function gatewayIdentityUriOf(trustDomain: string, gatewayKey: string): string | undefined {
  const [namespace, name, ...rest] = gatewayKey.split('/');
  if (!namespace || !name || rest.length > 0) return undefined;
  return gatewayIdentityUri(trustDomain, namespace, name);
}

/** Parses one URI SAN; undefined when it is no Portico identity of `trustDomain`. */
export function parseIdentityUri(uri: string, trustDomain: string): XdsIdentity | undefined {
  const spiffe = SPIFFE.exec(uri);
  if (!spiffe || spiffe[1] !== trustDomain) return undefined;
  const path = spiffe[2]!;
  const gateway = GATEWAY_PATH.exec(path);
  if (gateway) return { kind: 'gateway', namespace: gateway[1]!, name: gateway[2]!, uri };
  const namespace = NAMESPACE_PATH.exec(path);
  if (namespace) return { kind: 'namespace', namespace: namespace[1]!, uri };
  return undefined;
}

/**
 * The identity a client certificate carries. Node prints URI SANs as `URI:<value>`, and quotes a
 * value holding a separator or a quote (`URI:"a, b"`): such a value matches no identity pattern, so
 * a crafted SAN can only make a certificate refused, never let it pass as another.
 */
export function identityOfCertificate(certificate: X509Certificate, trustDomain: string): IdentityResult {
  const uris = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
  const spiffe = uris.filter((uri) => uri.startsWith('spiffe://') || uri.startsWith('"spiffe://'));
  if (spiffe.length === 0) return { identity: { kind: 'shared', subject: certificate.subject.replace(/\n/g, ', ') } };
  if (spiffe.length > 1) return { problem: `the certificate names ${spiffe.length} SPIFFE identities; one is allowed` };
  const identity = parseIdentityUri(spiffe[0]!, trustDomain);
  if (!identity) return { problem: `'${spiffe[0]}' is no Portico gateway identity of trust domain '${trustDomain}'` };
  return { identity };
}

/** Whether `identity` may serve the gateway `namespace/name`. */
export function identityAllows(identity: XdsIdentity, gatewayKey: string, allowShared: boolean): boolean {
  const [namespace, name, ...rest] = gatewayKey.split('/');
  if (!namespace || !name || rest.length > 0) return false;
  switch (identity.kind) {
    case 'gateway':
      return identity.namespace === namespace && identity.name === name;
    case 'namespace':
      return identity.namespace === namespace;
    case 'shared':
      return allowShared;
  }
}

/** For logs and error messages: the URI, or the subject of a certificate without one. */
export function describeIdentity(identity: XdsIdentity): string {
  return identity.kind === 'shared' ? `no Portico identity (subject ${identity.subject})` : identity.uri;
}
