import { ingressAnnotationCheck } from './ingress-annotations.js';
import { inputOf, summary } from '../chain.test-util.js';

const INGRESS_CLASS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico }
spec: { controller: portico.dev/ingress-controller }
`;

function ingress(name: string, annotations: Record<string, string>, className = 'portico'): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: shop
  annotations:
${lines}
spec:
  ingressClassName: ${className}
  rules: [{ host: a.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
`;
}

describe('ingressAnnotationCheck', () => {
  it('says nothing about implemented annotations with good values', () => {
    const good = ingress('good', { 'nginx.ingress.kubernetes.io/rewrite-target': '/$1', 'nginx.ingress.kubernetes.io/use-regex': 'true' });
    expect(ingressAnnotationCheck(inputOf(INGRESS_CLASS, good))).toEqual([]);
  });

  it('FAILs an unimplemented security annotation (fail closed), WARNs an unsupported or invalid one', () => {
    const findings = ingressAnnotationCheck(inputOf(INGRESS_CLASS, ingress('mixed', {
      'nginx.ingress.kubernetes.io/auth-signin': 'https://login.example.com/start',
      'nginx.ingress.kubernetes.io/limit-connections': '5',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'yes',
    })));
    // Invalid values first (by family), then the unimplemented ones by name.
    expect(summary(findings)).toEqual(['WARN IngressAnnotationInvalid', 'FAIL IngressAnnotationFailClosed', 'WARN IngressAnnotationUnsupported']);
    expect(findings[1]).toMatchObject({
      link: 'Route',
      object: { kind: 'Ingress', namespace: 'shop', name: 'mixed' },
      field: 'metadata.annotations[nginx.ingress.kubernetes.io/auth-signin]',
    });
    expect(findings[1]!.message).toMatch(/answers 500 rather than be served unprotected/);
    expect(findings[2]!.fix).toMatch(/RateLimitPolicy/);
  });

  it('FAILs an auth-url whose Service does not exist (its paths answer 500)', () => {
    const findings = ingressAnnotationCheck(inputOf(INGRESS_CLASS, ingress('checked', { 'nginx.ingress.kubernetes.io/auth-url': 'http://auth.shop.svc/verify' })));
    expect(findings).toEqual([expect.objectContaining({ level: 'FAIL', code: 'IngressAnnotationFailClosed', field: 'metadata.annotations[nginx.ingress.kubernetes.io/auth-url]' })]);
    expect(findings[0]!.message).toBe('auth-url cannot be used: http://auth.shop.svc/verify: Service shop/auth does not exist: every path of this Ingress answers 500 rather than be served unchecked');
  });

  it('leaves alone the Ingresses of other controllers (still served by ingress-nginx during a migration)', () => {
    expect(ingressAnnotationCheck(inputOf(INGRESS_CLASS, ingress('theirs', { 'nginx.ingress.kubernetes.io/auth-url': 'http://auth/' }, 'nginx')))).toEqual([]);
  });

  it('WARNs a canary that shares no main route, and says nothing about one that does', () => {
    const main = ingress('main', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' });
    const canary = (name: string, path: string) => ingress(name, { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '10' }).replace('path: /,', `path: ${path},`);
    expect(ingressAnnotationCheck(inputOf(INGRESS_CLASS, `${main}---\n${canary('shares', '/')}`))).toEqual([]);
    const findings = ingressAnnotationCheck(inputOf(INGRESS_CLASS, `${main}---\n${canary('alone', '/beta')}`));
    expect(summary(findings)).toEqual(['WARN IngressCanaryNotServed']);
    expect(findings[0]).toMatchObject({ object: { kind: 'Ingress', namespace: 'shop', name: 'alone' }, message: expect.stringContaining('no Ingress serves host a.example.com path /beta') });
  });
});
