import { checkBackendTrafficPolicies } from './backend-traffic-policy.js';
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
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  targetRefs: [{ group: "", kind: Service, name: ${target} }]
  ${body}
`;

const BASE = GATEWAY + ROUTE + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080);
const summary = (yaml: string) => checkBackendTrafficPolicies(inputOf(yaml)).map((f) => `${f.gateway ?? '-'} ${f.level} ${f.code} ${f.object.name}`);

describe('checkBackendTrafficPolicies', () => {
  it('gives one OK per gateway whose traffic an accepted policy governs, saying what it applies', () => {
    const findings = checkBackendTrafficPolicies(inputOf(BASE + policy('sessions', 'web', 'sessionPersistence: { type: Cookie, cookie: { name: sid } }')));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code}`)).toEqual(['default/eg OK PolicyValid']);
    expect(findings[0]!.message).toBe("session persistence by cookie sid (a route rule's own wins) for Service default/web");
  });

  it('warns about the newer of two policies on one Service (Conflicted) and keeps the older one OK', () => {
    const yaml = BASE + policy('older', 'web', 'retryConstraint: { budget: { percent: 10 } }') + policy('newer', 'web', 'retryConstraint: { budget: { percent: 50 } }', '2025-06-01T00:00:00Z');
    expect(summary(yaml).sort()).toEqual(['default/eg OK PolicyValid older', 'default/eg WARN PolicyConflicted newer']);
  });

  it('warns when the target Service does not exist, on the gateway whose route names it', () => {
    const route = ROUTE.replace('name: web, port: 80', 'name: ghost, port: 80');
    expect(summary(GATEWAY + route + policy('ghost', 'ghost', 'retryConstraint: {}'))).toEqual(['default/eg WARN PolicyTargetNotFound ghost']);
  });

  it('reports a policy no route of ours uses once, cluster-wide', () => {
    expect(summary(GATEWAY + service('idle', '[{ name: http, port: 80 }]') + policy('idle', 'idle', 'retryConstraint: {}'))).toEqual(['- WARN PolicyTargetUnused idle']);
  });
});
