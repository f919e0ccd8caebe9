import { describe, expect, it } from '@jest/globals';
import type { Secret } from '@portico/resources';
import type { IngressAnnotations } from './annotations/ingress-annotations.js';
import { ingressSecurity } from './ingress-security.js';

const ALICE = 'alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=';
const secret = (stringData: Record<string, string>): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'users', namespace: 'web' }, stringData }) as Secret;
const lookup = (s: Secret | undefined) => (namespace: string, name: string) => (namespace === 'web' && name === 'users' ? s : undefined);
const file: IngressAnnotations = { regexPaths: false, basicAuth: { secret: 'users', secretType: 'auth-file' } };

describe('ingressSecurity', () => {
  it('is nothing without source ranges or basic auth', () => {
    expect(ingressSecurity(lookup(undefined), 'web', 'app', { regexPaths: false })).toEqual({});
  });

  it('gives the SecurityIR of a SecurityPolicy, under a key no SecurityPolicy can have', () => {
    const out = ingressSecurity(lookup(secret({ auth: `${ALICE}\n\n` })), 'web', 'app', { ...file, ipAccess: { deny: ['10.0.0.0/8'] } });
    expect(out).toEqual({ security: { policy: 'Ingress/web/app', ipAccess: { deny: ['10.0.0.0/8'] }, basicAuth: { secret: 'web/users', htpasswd: ALICE } } });
  });

  it('fails closed (500) naming the hash type Envoy cannot verify, never the hash', () => {
    for (const [hash, kind] of [['$apr1$abc$def', 'Apache MD5'], ['$2y$05$xyz', 'bcrypt'], ['$6$salt$h', 'crypt(3)'], ['pa55word!', 'crypt or plain-text']]) {
      const out = ingressSecurity(lookup(secret({ auth: `${ALICE}\nbob:${hash}` })), 'web', 'app', file);
      expect(out).toMatchObject({ failClosed: { status: 500 } });
      const problem = (out as { problem: string }).problem;
      expect(problem).toContain(`line 2 is a${kind === 'Apache MD5' ? 'n' : ''} ${kind}`);
      expect(problem).not.toContain(hash);
    }
  });

  it('fails closed on a missing Secret or key, a duplicate user, an empty auth-map', () => {
    const problem = (s: Secret | undefined, a = file) => (ingressSecurity(lookup(s), 'web', 'app', a) as { problem?: string }).problem;
    expect(problem(undefined)).toMatch(/does not exist/);
    expect(problem(secret({ other: ALICE }))).toMatch(/has no key auth/);
    expect(problem(secret({ auth: `${ALICE}\n${ALICE}` }))).toMatch(/"alice" is listed twice/);
    expect(problem(secret({}), { regexPaths: false, basicAuth: { secret: 'users', secretType: 'auth-map' } })).toMatch(/holds no user \(auth-map/);
  });

  it('reads an auth-map Secret as one entry per key, sorted', () => {
    const out = ingressSecurity(lookup(secret({ bob: '{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0=\n', alice: '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=' })), 'web', 'app', { regexPaths: false, basicAuth: { secret: 'users', secretType: 'auth-map' } });
    expect(out).toMatchObject({ security: { basicAuth: { htpasswd: `${ALICE}\nbob:{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0=` } } });
  });
});
