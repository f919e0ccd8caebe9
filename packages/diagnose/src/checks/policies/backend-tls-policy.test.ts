import { checkBackendTLSPolicies } from './backend-tls-policy.js';
import { caConfigMapYaml } from '../tls/test-certs.test-util.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';

const ROUTE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ backendRefs: [{ name: web, port: 443 }] }]
`;

const policy = (validation: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: web, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: web }]
  validation: ${validation}
`;

const BASE = GATEWAY + ROUTE + service('web', '[{ name: https, port: 443 }]') + readySlice('web', 'https', 8443);
const summary = (yaml: string) => checkBackendTLSPolicies(inputOf(yaml)).map((f) => `${f.gateway ?? '-'} ${f.level} ${f.code} ${f.field ?? ''}`.trim());

describe('checkBackendTLSPolicies', () => {
  it('gives one OK per gateway whose traffic a sound policy governs', () => {
    expect(summary(BASE + policy('{ hostname: web.default.svc, caCertificateRefs: [{ group: "", kind: ConfigMap, name: ca }] }') + caConfigMapYaml('ca', 'ca.crt'))).toEqual(['default/eg OK PolicyValid']);
  });

  it('refuses an IP address as hostname: it cannot be sent as SNI (the loader refuses wildcards and other non-DNS names)', () => {
    expect(summary(BASE + policy('{ hostname: 10.0.0.1, wellKnownCACertificates: System }'))).toEqual(['default/eg FAIL PolicyHostnameInvalid spec.validation.hostname']);
  });

  it('names the keys a CA Secret has when ca.crt is not one of them', () => {
    const secret = `---
apiVersion: v1
kind: Secret
metadata: { name: ca, namespace: default }
stringData: { tls.crt: "x", tls.key: "k" }
`;
    const findings = checkBackendTLSPolicies(inputOf(BASE + policy('{ hostname: web.default.svc, caCertificateRefs: [{ group: "", kind: Secret, name: ca }] }') + secret));
    const missing = findings.find((f) => f.code === 'CACertificateMissing');
    expect(missing?.message).toBe('Secret default/ca has no key ca.crt (it has tls.crt, tls.key)');
    expect(findings.map((f) => f.code)).toContain('PolicyNoValidCACertificate');
  });

  it('reports a policy no route uses once, cluster-wide', () => {
    const unused = GATEWAY + service('web', '[{ name: https, port: 443 }]') + policy('{ hostname: web.default.svc, wellKnownCACertificates: System }');
    expect(summary(unused)).toEqual(['- WARN PolicyTargetUnused spec.targetRefs[0]']);
  });
});
