/**
 * Policies in the dashboard's graph, on small inputs translated and diagnosed offline: how a policy's
 * conditions read, where its edges land (listener, rule, Service port, a section that does not exist),
 * which policies are drawn alone or not at all, and that diagnose's findings land on the policy.
 */
import { ALL_CHECKS, offlineInput, runChecks } from '@portico/diagnose';
import { parseResources } from '@portico/resources';
import type { GraphDocument } from '@portico/ui';
import { buildGraph, findingNode } from './build-graph.js';
import { policyConditionHealth } from './policy-nodes.js';

const NOW = new Date('2027-01-01T00:00:00Z');

const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: other }
spec: { controllerName: example.com/other }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: theirs, namespace: default }
spec:
  gatewayClassName: other
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: eg }]
  rules: [{ name: main, backendRefs: [{ name: web, port: 80 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
`;

function graphOf(policies: string): GraphDocument {
  const objects = parseResources(`${BASE}---\n${policies}`, 'test.yaml', { kubernetesRules: 'warn' }).objects;
  const input = offlineInput(objects, NOW);
  return buildGraph(input, runChecks(input, ALL_CHECKS), { version: 'test', translatedAt: NOW.toISOString() });
}

const security = (name: string, target: string, extra = 'ipAccess: { deny: [192.0.2.0/24] }') => `
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [${target}]
  ${extra}
`;

describe('policyConditionHealth', () => {
  const accepted = (status: 'True' | 'False', reason: string) => ({ type: 'Accepted', status, reason, message: '' });
  it('reads a lost conflict and a missing section as warnings, any other refusal as an error', () => {
    expect(policyConditionHealth(accepted('True', 'Accepted'))).toBe('ok');
    expect(policyConditionHealth(accepted('False', 'Conflicted'))).toBe('warning');
    expect(policyConditionHealth(accepted('False', 'TargetNotFound'))).toBe('warning');
    expect(policyConditionHealth(accepted('False', 'Invalid'))).toBe('error');
    expect(policyConditionHealth({ type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: '' })).toBe('error');
  });
});

describe('policy nodes', () => {
  it('draws a policy on a listener, a rule and a Service port with an edge to each, labelled with the section', () => {
    const graph = graphOf(
      [
        security('on-listener', '{ group: gateway.networking.k8s.io, kind: Gateway, name: eg, sectionName: http }'),
        security('on-rule', '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: app, sectionName: main }'),
        `apiVersion: gateway.portico.dev/v1alpha1
kind: BackendPolicy
metadata: { name: on-port, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: web }]
  healthCheck: { type: TCP }
`,
      ].join('---\n'),
    );
    const edges = graph.edges.filter((e) => e.kind === 'policy').map(({ id, health, label }) => ({ id, health, label }));
    expect(edges).toEqual([
      { id: 'BackendPolicy/default/on-port->Service/default/web', health: 'ok', label: undefined },
      { id: 'SecurityPolicy/default/on-listener->Listener/default/eg/http', health: 'ok', label: undefined },
      { id: 'SecurityPolicy/default/on-rule->HTTPRoute/default/app', health: 'ok', label: 'rule main' },
    ]);
    const onRule = graph.nodes.find((n) => n.id === 'SecurityPolicy/default/on-rule')!;
    expect(onRule).toMatchObject({ kind: 'SecurityPolicy', namespace: 'default', gateways: ['default/eg'], health: 'ok', facts: { targets: 'HTTPRoute default/app/main', settings: 'ipAccess', attached: 'yes' } });
    expect(onRule.conditions).toEqual([expect.objectContaining({ type: 'Accepted', status: 'True', parent: 'Gateway/default/eg' })]);
    // Listed after everything they target.
    expect(graph.nodes.slice(-3).map((n) => n.kind)).toEqual(['SecurityPolicy', 'SecurityPolicy', 'BackendPolicy']);
  });

  it('points a policy on a listener that does not exist at its Gateway, as a warning saying so', () => {
    const graph = graphOf(security('typo', '{ group: gateway.networking.k8s.io, kind: Gateway, name: eg, sectionName: htp }'));
    const node = graph.nodes.find((n) => n.id === 'SecurityPolicy/default/typo')!;
    expect(node.health).toBe('warning');
    expect(node.conditions).toContainEqual(expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'TargetNotFound' }));
    const edge = graph.edges.find((e) => e.from === node.id)!;
    expect(edge).toMatchObject({ to: 'Gateway/default/eg', kind: 'policy', health: 'warning' });
    expect(edge.label).toMatch(/^listener htp \(not a listener of the Gateway\); TargetNotFound/);
  });

  it('draws a policy whose target does not exist alone, not attached, with the reason and its finding', () => {
    const graph = graphOf(
      [
        security('ghost', '{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: ghost }'),
        `apiVersion: gateway.portico.dev/v1alpha1
kind: BackendPolicy
metadata: { name: gone, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: gone }]
  healthCheck: { type: TCP }
`,
      ].join('---\n'),
    );
    const ghost = graph.nodes.find((n) => n.id === 'SecurityPolicy/default/ghost')!;
    expect(ghost).toMatchObject({ health: 'warning', gateways: [], facts: { attached: 'no: HTTPRoute default/ghost does not exist' } });
    expect(ghost.badges.map((b) => b.code)).toEqual(['PolicyTargetUnused']);
    expect(graph.edges.some((e) => e.from === ghost.id || e.to === ghost.id)).toBe(false);
    const gone = graph.nodes.find((n) => n.id === 'BackendPolicy/default/gone')!;
    expect(gone).toMatchObject({ health: 'warning', gateways: [], facts: { attached: 'no: Service default/gone does not exist' } });
  });

  it('leaves out a policy that targets only another controller\'s Gateway', () => {
    const graph = graphOf(security('theirs', '{ group: gateway.networking.k8s.io, kind: Gateway, name: theirs }'));
    expect(graph.nodes.some((n) => n.id === 'SecurityPolicy/default/theirs')).toBe(false);
  });

  it('finds the node of a finding about a policy', () => {
    const input = offlineInput([], NOW);
    const object = { kind: 'RateLimitPolicy', namespace: 'apps', name: 'limit' };
    expect(findingNode({ link: 'RateLimitPolicy', object, level: 'WARN', code: 'PolicyConflicted', message: '' }, input)).toBe('RateLimitPolicy/apps/limit');
    expect(findingNode({ link: 'ReferenceGrant', object: { kind: 'ReferenceGrant', namespace: 'apps', name: 'g' }, level: 'WARN', code: 'X', message: '' }, input)).toBeUndefined();
  });
});
