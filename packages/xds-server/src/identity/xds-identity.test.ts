/** Identities in client certificates: parsing the URI SAN, and which gateways each may claim. */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createGatewayAuthorizer } from './gateway-authorization.js';
import {
  gatewayIdentityUri,
  gatewayIdentityUriOf,
  identityAllows,
  identityOfCertificate,
  namespaceIdentityUri,
  parseIdentityUri,
  type XdsIdentity,
} from './xds-identity.js';

const TD = 'portico';

/** A self-signed certificate with these subjectAltName entries (openssl syntax), DER-encoded. */
function certificate(subjectAltName?: string): Buffer {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=portico-envoy/O=Portico', '-keyout', '/dev/null', '-outform', 'DER'];
  if (subjectAltName) args.push('-addext', `subjectAltName=${subjectAltName}`);
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('identity URIs', () => {
  it('round-trips the gateway and namespace forms', () => {
    expect(parseIdentityUri(gatewayIdentityUri(TD, 'team-a', 'web.v2'), TD)).toEqual({ kind: 'gateway', namespace: 'team-a', name: 'web.v2', uri: 'spiffe://portico/ns/team-a/gateway/web.v2' });
    expect(parseIdentityUri(namespaceIdentityUri(TD, 'team-a'), TD)).toEqual({ kind: 'namespace', namespace: 'team-a', uri: 'spiffe://portico/ns/team-a/gateways' });
    expect(gatewayIdentityUriOf(TD, 'ingressclass/portico')).toBe('spiffe://portico/ns/ingressclass/gateway/portico');
    expect(gatewayIdentityUriOf(TD, 'no-slash')).toBeUndefined();
  });

  it.each([
    ['another trust domain', 'spiffe://evil/ns/team-a/gateway/web'],
    ['a trust domain that only starts the same', 'spiffe://portico.evil/ns/team-a/gateway/web'],
    ['a path below a gateway', 'spiffe://portico/ns/team-a/gateway/web/extra'],
    ['a wildcard', 'spiffe://portico/ns/team-a/gateway/*'],
    ['an upper-case namespace', 'spiffe://portico/ns/Team-A/gateways'],
    ['a dot segment', 'spiffe://portico/ns/team-a/gateway/..'],
    ['an empty name', 'spiffe://portico/ns/team-a/gateway/'],
    ['a query', 'spiffe://portico/ns/team-a/gateways?x=1'],
  ])('refuses %s', (_, uri) => {
    expect(parseIdentityUri(uri, TD)).toBeUndefined();
  });
});

describe('which gateways an identity may claim', () => {
  const gateway: XdsIdentity = { kind: 'gateway', namespace: 'team-a', name: 'web', uri: '' };
  const namespace: XdsIdentity = { kind: 'namespace', namespace: 'team-a', uri: '' };
  const shared: XdsIdentity = { kind: 'shared', subject: 'CN=portico-envoy' };

  it.each([
    [gateway, 'team-a/web', false, true],
    [gateway, 'team-a/web2', false, false],
    [gateway, 'team-b/web', false, false],
    [gateway, 'team-a/web/x', false, false],
    [namespace, 'team-a/web', false, true],
    [namespace, 'team-a/other', false, true],
    [namespace, 'team-ab/web', false, false],
    [namespace, 'team-a/', false, false],
    [shared, 'team-a/web', false, false],
    [shared, 'team-a/web', true, true],
    [shared, 'malformed', true, false],
  ] as const)('%j claiming %s (shared allowed: %s) → %s', (identity, key, allowShared, allowed) => {
    expect(identityAllows(identity, key, allowShared)).toBe(allowed);
  });
});

describe('the identity of a certificate', () => {
  const of = (san?: string) => identityOfCertificate(new X509Certificate(certificate(san)), TD);

  it('reads the one Portico URI among other SANs', () => {
    expect(of('DNS:envoy.example, URI:spiffe://portico/ns/team-a/gateway/web')).toEqual({ identity: { kind: 'gateway', namespace: 'team-a', name: 'web', uri: 'spiffe://portico/ns/team-a/gateway/web' } });
  });

  it('treats a certificate without a SPIFFE URI as the shared certificate of earlier versions', () => {
    expect(of()).toEqual({ identity: { kind: 'shared', subject: 'CN=portico-envoy, O=Portico' } });
    expect(of('URI:https://example.com/x')).toMatchObject({ identity: { kind: 'shared' } });
  });

  it('refuses two identities, a foreign one, and a URI holding a separator', () => {
    expect(of('URI:spiffe://portico/ns/a/gateway/x, URI:spiffe://portico/ns/b/gateway/y')).toEqual({ problem: 'the certificate names 2 SPIFFE identities; one is allowed' });
    expect(of('URI:spiffe://other/ns/a/gateway/x')).toEqual({ problem: "'spiffe://other/ns/a/gateway/x' is no Portico gateway identity of trust domain 'portico'" });
    // Node quotes such a value; it must not be read as `spiffe://portico/ns/a/gateway/x`.
    expect(of('URI:"spiffe://portico/ns/a/gateway/x, URI:spiffe://portico/ns/b/gateways"')).toHaveProperty('problem');
  });

  it('authorizes by the verified certificate only', () => {
    const authorize = createGatewayAuthorizer();
    const web = certificate('URI:spiffe://portico/ns/team-a/gateway/web');
    expect(authorize('team-a/web', web)).toEqual({ allowed: true, identity: 'spiffe://portico/ns/team-a/gateway/web' });
    expect(authorize('team-b/web', web)).toEqual({ allowed: false, identity: 'spiffe://portico/ns/team-a/gateway/web', reason: "the certificate's identity does not cover gateway 'team-b/web'" });
    expect(authorize('team-a/web', undefined)).toMatchObject({ allowed: false, reason: 'the connection carries no verified client certificate' });
    expect(authorize('team-a/web', Buffer.from('not DER'))).toMatchObject({ allowed: false, reason: 'the client certificate cannot be parsed' });
    const legacy = certificate();
    expect(authorize('team-a/web', legacy)).toMatchObject({ allowed: false, identity: 'no Portico identity (subject CN=portico-envoy, O=Portico)' });
    expect(createGatewayAuthorizer({ allowSharedClientCertificate: true })('team-a/web', legacy)).toMatchObject({ allowed: true });
    expect(createGatewayAuthorizer({ trustDomain: 'corp.example' })('team-a/web', web)).toMatchObject({ allowed: false });
    // A claim comes from the client: a huge one is refused and shown cut.
    const huge = `team-a/${'x'.repeat(100_000)}`;
    const refused = authorize(huge, web);
    expect(refused.allowed).toBe(false);
    expect(JSON.stringify(refused).length).toBeLessThan(600);
  });
});
