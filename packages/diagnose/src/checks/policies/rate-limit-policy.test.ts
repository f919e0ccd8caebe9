import { checkRateLimitPolicies } from './rate-limit-policy.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';

const ROUTE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ name: admin, backendRefs: [{ name: web, port: 80 }] }]
`;

const policy = (name: string, target: string, rules: string, created = '2025-01-01T00:00:00Z') => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: RateLimitPolicy
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  targetRefs: [${target}]
  local: { rules: ${rules} }
`;

const ROUTE_REF = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web }';
const PER_SECOND = '[{ limit: { requests: 5, unit: Second } }]';
const BASE = GATEWAY + ROUTE + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080);
const summary = (yaml: string) => checkRateLimitPolicies(inputOf(yaml)).map((f) => `${f.gateway ?? '-'} ${f.level} ${f.code} ${f.object.name}`);

describe('checkRateLimitPolicies', () => {
  it('gives an OK per gateway an accepted policy limits, saying what it limits', () => {
    const rules = '[{ limit: { requests: 5, unit: Second } }, { limit: { requests: 2, unit: Minute }, clientSelector: { header: { name: x-user } } }, { limit: { requests: 9, unit: Hour }, clientSelector: { sourceIP: true } }]';
    const findings = checkRateLimitPolicies(inputOf(BASE + policy('limits', ROUTE_REF, rules)));
    expect(findings.map((f) => `${f.gateway} ${f.link} ${f.level} ${f.code}`)).toEqual(['default/eg RateLimitPolicy OK PolicyValid']);
    expect(findings[0]!.message).toBe(
      '5/Second for all requests, 2/Minute for each x-user value, 9/Hour for each client IP on HTTPRoute default/web, per Envoy instance and route (the most specific policy wins: rule > route > listener > Gateway)',
    );
  });

  it('fails a policy its CEL rules refuse (two rules without selector) and warns about the newer of two on one target', () => {
    const twoShared = '[{ limit: { requests: 1, unit: Second } }, { limit: { requests: 2, unit: Second } }]';
    const yaml = BASE + policy('broken', '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: admin }', twoShared) + policy('older', ROUTE_REF, PER_SECOND) + policy('newer', ROUTE_REF, PER_SECOND, '2025-06-01T00:00:00Z');
    expect(summary(yaml).sort()).toEqual(['default/eg FAIL PolicyInvalid broken', 'default/eg OK PolicyValid older', 'default/eg WARN PolicyConflicted newer']);
  });

  it('warns about a missing rule name on the gateway, and about a policy whose route no gateway of ours serves', () => {
    const rule = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: nope }';
    const ghost = '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: ghost }';
    expect(summary(BASE + policy('rule', rule, PER_SECOND) + policy('ghost', ghost, PER_SECOND)).sort()).toEqual(['- WARN PolicyTargetUnused ghost', 'default/eg WARN PolicyTargetNotFound rule']);
  });
});
