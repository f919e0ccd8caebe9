import { checkBackendPolicies } from './backend-policy.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';

const ROUTE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;

const policy = (name: string, target: string, body: string, created = '2025-01-01T00:00:00Z') => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendPolicy
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  targetRefs: [{ group: "", kind: Service, name: ${target} }]
  ${body}
`;

const BASE = GATEWAY + ROUTE + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080);
const summary = (yaml: string) => checkBackendPolicies(inputOf(yaml)).map((f) => `${f.gateway ?? '-'} ${f.level} ${f.code} ${f.object.name}`);

describe('checkBackendPolicies', () => {
  it('gives one OK per gateway whose traffic an accepted policy governs, saying what it sets', () => {
    const findings = checkBackendPolicies(inputOf(BASE + policy('checks', 'web', 'healthCheck: { type: HTTP, http: { path: /healthz } }\n  outlierDetection: {}')));
    expect(findings.map((f) => `${f.gateway} ${f.link} ${f.level} ${f.code}`)).toEqual(['default/eg BackendPolicy OK PolicyValid']);
    expect(findings[0]!.message).toBe('HTTP health check on /healthz, outlier detection for Service default/web');
  });

  it('warns about the newer of two policies on one Service (Conflicted), fails an invalid one, warns about an unused one', () => {
    const yaml =
      BASE +
      policy('older', 'web', 'connectTimeout: 1s') +
      policy('newer', 'web', 'connectTimeout: 2s', '2025-06-01T00:00:00Z') +
      policy('bad', 'web', 'loadBalancer: { type: RingHash }') +
      policy('unused', 'other', 'connectTimeout: 1s');
    expect(summary(yaml).sort()).toEqual(['- WARN PolicyTargetUnused unused', 'default/eg FAIL PolicyInvalid bad', 'default/eg OK PolicyValid older', 'default/eg WARN PolicyConflicted newer']);
  });
});
