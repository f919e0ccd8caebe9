import { checkRateLimitService } from './rate-limit-service.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';

const ROUTE = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;

const policy = (name: string, limits: string) => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: RateLimitPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web }]
${limits}`;

const GLOBAL = '  global: { rules: [{ limit: { requests: 100, unit: Minute } }] }\n';
const BASE = GATEWAY + ROUTE + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080);

describe('checkRateLimitService', () => {
  it('fails a global policy while Portico has no rate-limit service, saying how to configure one', () => {
    const findings = checkRateLimitService(inputOf(BASE + policy('global', GLOBAL)));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code} ${f.object.name} ${f.field}`)).toEqual(['default/eg FAIL RateLimitServiceMissing global spec.global']);
    expect(findings[0]!.fix).toContain('--rate-limit-service HOST:PORT');
    expect(findings[0]!.fix).toContain('rateLimit.enabled=true');
  });

  it('says nothing of local-only policies', () => {
    expect(checkRateLimitService(inputOf(BASE + policy('local', '  local: { rules: [{ limit: { requests: 5, unit: Second } }] }\n')))).toEqual([]);
  });

  it('with a service: an OK per Gateway that uses it, with its address and failure mode', () => {
    const findings = checkRateLimitService(inputOf(BASE + policy('global', GLOBAL), { rateLimitService: { host: 'ratelimit.portico-system.svc', port: 8081, failOpen: false } }));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code}`)).toEqual(['default/eg OK RateLimitServiceConfigured']);
    expect(findings[0]!.message).toBe('global rate limits are asked of ratelimit.portico-system.svc:8081 (domain portico/default/eg, 100 ms); when it cannot answer, requests get 500 (fail closed)');
  });
});
