import type { Ingress } from '@portico/resources';
import { sessionPersistence } from '../apply.js';
import { parseIngressAnnotations } from '../registry.js';

function ingressWith(annotations: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'n', annotations }, spec: {} } as Ingress;
}
const N = 'nginx.ingress.kubernetes.io/';

describe('affinity: cookie', () => {
  it('defaults to INGRESSCOOKIE, a session cookie on the matched path', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'cookie' }));
    expect(problems).toEqual([]);
    expect(annotations.sessionAffinity).toEqual({ cookieName: 'INGRESSCOOKIE' });
    expect(sessionPersistence(annotations.sessionAffinity!, '/shop', false)).toEqual({ type: 'Cookie', name: 'INGRESSCOOKIE', cookiePath: '/shop', lifetime: 'Session' });
  });

  it('reads name, path and max-age (which wins over expires); persistent mode is what Envoy does', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'cookie', [`${N}session-cookie-name`]: 'route', [`${N}session-cookie-path`]: '/id', [`${N}session-cookie-max-age`]: '60', [`${N}session-cookie-expires`]: '7', [`${N}affinity-mode`]: 'persistent', [`${N}session-cookie-change-on-failure`]: 'false' }));
    expect(problems).toEqual([]);
    expect(sessionPersistence(annotations.sessionAffinity!, '/x', false)).toEqual({ type: 'Cookie', name: 'route', cookiePath: '/id', lifetime: 'Permanent', absoluteTimeoutMs: 60_000 });
    expect(parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'cookie', [`${N}session-cookie-expires`]: '7' })).annotations.sessionAffinity?.ttlSeconds).toBe(7);
  });

  it('uses / for regular-expression paths without session-cookie-path, and says so', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'cookie', [`${N}use-regex`]: 'true' }));
    expect(sessionPersistence(annotations.sessionAffinity!, '/v[0-9]+', true).cookiePath).toBe('/');
    expect(problems).toMatchObject([{ annotation: `${N}affinity`, reason: 'invalid' }]);
  });

  it('reports what it cannot do: another affinity, bad values, balanced, change-on-failure, cookie attributes', () => {
    expect(parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'ip' })).annotations.sessionAffinity).toBeUndefined();
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}affinity`]: 'cookie', [`${N}session-cookie-name`]: 'a;b', [`${N}session-cookie-path`]: 'rel', [`${N}session-cookie-max-age`]: '-1', [`${N}affinity-mode`]: 'balanced', [`${N}session-cookie-change-on-failure`]: 'true', [`${N}session-cookie-samesite`]: 'None', [`${N}session-cookie-domain`]: 'example.com' }));
    expect(annotations.sessionAffinity).toEqual({ cookieName: 'INGRESSCOOKIE' });
    expect(problems.map((p) => [p.annotation.slice(N.length), p.reason])).toEqual([
      ['session-cookie-name', 'invalid'],
      ['session-cookie-path', 'invalid'],
      ['session-cookie-max-age', 'invalid'],
      ['affinity-mode', 'unsupported'],
      ['session-cookie-change-on-failure', 'unsupported'],
      ['session-cookie-samesite', 'unsupported'],
      ['session-cookie-domain', 'unsupported'],
    ]);
  });

  it('reports session-cookie-* without affinity', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}session-cookie-name`]: 'x' }));
    expect(annotations.sessionAffinity).toBeUndefined();
    expect(problems[0]!.message).toContain('has no effect without affinity: cookie');
  });

  it('ignores a canary\'s affinity, naming ingress-nginx\'s sticky canary behaviour', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true', [`${N}affinity`]: 'cookie' }));
    expect(annotations.sessionAffinity).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('affinity-canary-behavior (sticky)');
  });
});
