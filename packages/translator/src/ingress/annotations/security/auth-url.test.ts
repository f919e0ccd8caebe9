/**
 * auth-url's reading of the URL (annotations/security/auth-url.ts): which host forms name an in-cluster Service,
 * which an external host, and which fail the Ingress closed. The goldens (ingress-nginx-auth-url*) show
 * the IR; these pin the parsing corners.
 */
import type { Ingress } from '@portico/resources';
import { parseIngressAnnotations } from '../registry.js';

const N = 'nginx.ingress.kubernetes.io/';

function parsed(annotations: Record<string, string>) {
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'shop', annotations }, spec: {} } as unknown as Ingress;
  return parseIngressAnnotations(ingress);
}

describe('auth-url', () => {
  it.each([
    ['http://auth.security.svc.cluster.local:9000/validate', { service: { name: 'auth', namespace: 'security' }, port: 9000, path: '/validate' }],
    ['http://auth.security.svc/validate', { service: { name: 'auth', namespace: 'security' }, port: 80, path: '/validate' }],
    ['http://auth.security', { service: { name: 'auth', namespace: 'security' }, port: 80, path: '/' }],
    ['http://auth:8080/a%20b', { service: { name: 'auth' }, port: 8080, path: '/a b' }],
    ['http://Auth.Example.NET/check', { external: 'auth.example.net', port: 80, path: '/check' }],
  ])('%s', (url, expected) => {
    const { annotations, problems } = parsed({ [`${N}auth-url`]: url, [`${N}auth-response-headers`]: 'X-User , X-Email' });
    expect(problems).toEqual([]);
    expect(annotations.authURL).toMatchObject({ ...expected, responseHeaders: ['x-user', 'x-email'] });
    expect(annotations.failClosed).toBeUndefined();
  });

  it.each([
    ['https://$host/oauth2/auth', 'nginx variables'],
    ['https://auth.security.svc/check', 'is https'],
    ['ftp://auth/check', 'not an http:// URL'],
    ['http://10.0.0.1/check', 'DNS name'],
    ['http://user:pw@auth/check', 'credentials'],
    ['http://auth/check?x=1', 'query string'],
  ])('%s fails the Ingress closed (500)', (url, why) => {
    const { annotations, problems } = parsed({ [`${N}auth-url`]: url });
    expect(annotations.failClosed?.status).toBe(500);
    expect(annotations.authURL).toBeUndefined();
    expect(problems[0]!.message).toContain(why);
  });

  it('reports the companions without auth-url (no effect), and an unreadable auth-always-set-cookie', () => {
    const alone = parsed({ [`${N}auth-response-headers`]: 'X-User', [`${N}auth-cache-key`]: '$remote_user' });
    expect(alone.problems.map((p) => p.message)).toEqual([
      `${N}auth-response-headers: "X-User" has no effect without auth-url`,
      `${N}auth-cache-key: "$remote_user" has no effect without auth-url`,
    ]);
    expect(alone.annotations.failClosed).toBeUndefined();
    const cookie = parsed({ [`${N}auth-url`]: 'http://auth/check', [`${N}auth-always-set-cookie`]: 'sometimes' });
    expect(cookie.annotations.authURL).toBeDefined();
    expect(cookie.problems.map((p) => p.reason)).toEqual(['invalid']);
  });
});
