import { checkSecurityPolicies } from './security-policy.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';

const ROUTE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ name: admin, backendRefs: [{ name: web, port: 80 }] }]
`;

const policy = (name: string, target: string, body: string, created = '2025-01-01T00:00:00Z') => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  targetRefs: [${target}]
  ${body}
`;

const ROUTE_REF = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web }';
const BASE = GATEWAY + ROUTE + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080);
const summary = (yaml: string) => checkSecurityPolicies(inputOf(yaml)).map((f) => `${f.gateway ?? '-'} ${f.level} ${f.code} ${f.object.name}`);

describe('checkSecurityPolicies', () => {
  it('gives an OK per gateway an accepted policy protects, saying what it enforces', () => {
    const findings = checkSecurityPolicies(inputOf(BASE + policy('ips', ROUTE_REF, 'ipAccess: { deny: [10.0.0.0/8] }')));
    expect(findings.map((f) => `${f.gateway} ${f.link} ${f.level} ${f.code}`)).toEqual(['default/eg SecurityPolicy OK PolicyValid']);
    expect(findings[0]!.message).toBe('IP allow 0 / deny 1 CIDRs on HTTPRoute default/web (the most specific policy wins: rule > route > listener > Gateway)');
  });

  it('fails a policy that cannot be enforced (its targets answer 500) and warns about the newer of two on one target', () => {
    const yaml = BASE + policy('broken', ROUTE_REF, 'basicAuth: { users: { name: missing } }') + policy('newer', ROUTE_REF, 'ipAccess: { deny: [10.0.0.0/8] }', '2025-06-01T00:00:00Z');
    expect(summary(yaml).sort()).toEqual(['default/eg FAIL PolicyInvalid broken', 'default/eg WARN PolicyConflicted newer']);
  });

  it('warns about a missing rule name on the gateway, and about a policy whose route no gateway of ours serves', () => {
    const rule = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: nope }';
    const ghost = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: ghost }';
    expect(summary(BASE + policy('rule', rule, 'ipAccess: { deny: [10.0.0.0/8] }') + policy('ghost', ghost, 'ipAccess: { deny: [10.0.0.0/8] }')).sort()).toEqual([
      '- WARN PolicyTargetUnused ghost',
      'default/eg WARN PolicyTargetNotFound rule',
    ]);
  });

  it('summarises an extAuth policy, and warns on each gateway where its auth Service has no ready endpoint', () => {
    const auth = service('auth', '[{ name: http, port: 8000 }]');
    const body = 'extAuth: { http: { backendRef: { name: auth, port: 8000 } }, failOpen: true }';
    const ready = checkSecurityPolicies(inputOf(BASE + auth + readySlice('auth', 'http', 9000) + policy('ext', ROUTE_REF, body)));
    expect(ready.map((f) => `${f.level} ${f.code}`)).toEqual(['OK PolicyValid']);
    expect(ready[0]!.message).toContain('HTTP ext_authz (Service default/auth:8000, fail open)');
    const down = checkSecurityPolicies(inputOf(BASE + auth + policy('ext', ROUTE_REF, body)));
    expect(down.map((f) => `${f.gateway} ${f.level} ${f.code} ${f.field}`)).toEqual(['default/eg WARN PolicyAuthServiceUnavailable spec.extAuth']);
    expect(down[0]!.message).toBe('the extAuth Service default/auth port 8000 has no ready endpoint: every check fails, so its targets are served unchecked (failOpen: true)');
  });
});
