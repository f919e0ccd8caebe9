/** The Shadowing check: one WARN per shadowed match with its winner and fix; OK for a clean gateway. */
import { parseResources } from '@portico/resources';
import { offlineInput } from '../../offline-input.js';
import { shadowingCheck } from './shadowing.js';

const NOW = new Date('2026-01-01T00:00:00Z');

const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { ports: [{ port: 80 }] }
`;

function route(name: string, created: string, match: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  parentRefs: [{ name: eg }]
  rules:
  - matches: [${match}]
    backendRefs: [{ name: web, port: 80 }]
`;
}

function inputOf(yaml: string) {
  return offlineInput(parseResources(yaml, 'in.yaml').objects, NOW);
}

describe('shadowingCheck', () => {
  it('warns on the newer of two routes with the same match, naming the winner, the step and the fix', () => {
    const input = inputOf(BASE + route('old', '2024-01-01T00:00:00Z', '{ path: { type: PathPrefix, value: /api } }') + route('new', '2025-01-01T00:00:00Z', '{ path: { type: PathPrefix, value: /api } }'));
    const findings = shadowingCheck(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      level: 'WARN',
      link: 'Shadowing',
      gateway: 'default/eg',
      object: { kind: 'HTTPRoute', namespace: 'default', name: 'new' },
      field: 'spec.rules[0].matches[0]',
      code: 'OverlapsRoute',
    });
    expect(findings[0]!.message).toContain('HTTPRoute default/old rule 0 match 0 (PathPrefix /api)');
    expect(findings[0]!.message).toContain('creationTimestamp: 2024-01-01T00:00:00Z before 2025-01-01T00:00:00Z (decides)');
    expect(findings[0]!.fix).toContain('reordering rules or routes changes nothing');
  });

  it('says OK once for a gateway whose matches a header tells apart', () => {
    const input = inputOf(
      BASE + route('old', '2024-01-01T00:00:00Z', '{ path: { type: PathPrefix, value: /api }, headers: [{ name: x-canary, value: "1" }] }') + route('new', '2025-01-01T00:00:00Z', '{ path: { type: PathPrefix, value: /api } }'),
    );
    expect(shadowingCheck(input)).toEqual([
      expect.objectContaining({ level: 'OK', gateway: 'default/eg', object: { kind: 'Gateway', namespace: 'default', name: 'eg' }, code: 'NoShadowedRules' }),
    ]);
  });

  it('reads the routes\' portico.dev/Shadowed conditions when the translation carries no analysis', () => {
    const input = inputOf(BASE + route('old', '2024-01-01T00:00:00Z', '{ path: { type: Exact, value: /x } }') + route('new', '2025-01-01T00:00:00Z', '{ path: { type: Exact, value: /x } }'));
    const { shadowed: _analysis, ...withoutAnalysis } = input.translation;
    const findings = shadowingCheck({ ...input, translation: withoutAnalysis });
    expect(findings).toEqual([
      expect.objectContaining({ level: 'WARN', gateway: 'default/eg', object: { kind: 'HTTPRoute', namespace: 'default', name: 'new' }, code: 'OverlapsRoute' }),
    ]);
    expect(findings[0]!.message).toContain('HTTPRoute default/old rule 0 match 0 (Exact /x)');
  });
});
