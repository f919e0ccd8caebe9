import { parseResources, ResourceSet, type ListenerSet } from '@portico/resources';
import { statusKey, translate } from '@portico/translator';
import { quarantineEntry, sharedGatewayYaml, translateShared, type RouteSpec } from './nack-fixtures.test-util.js';
import type { QuarantineEntry } from './quarantine.js';
import { withQuarantineStatuses } from './quarantine-status.js';

const A: RouteSpec = { namespace: 'team-a', name: 'a', rules: [{ path: '/a' }, { path: '/special', header: 'bad' }] };
const B: RouteSpec = { namespace: 'team-b', name: 'b', rules: [{ path: '/b' }] };
const NOW = new Date('2026-01-02T00:00:00.000Z');

const entry = (unit: string, fields: Partial<QuarantineEntry>) => quarantineEntry(unit, { since: NOW.toISOString(), ...fields });

const conditionsOf = (result: ReturnType<typeof translateShared>, name: string, namespace: string) => {
  const status = result.statuses.get(statusKey('HTTPRoute', namespace, name))!;
  return (status.status as { parents: { conditions: { type: string; status: string; reason: string; message: string }[] }[] }).parents[0]!.conditions;
};

describe('withQuarantineStatuses', () => {
  it('says PartiallyInvalid, with Envoy words, when other rules of the route are still served', () => {
    const result = translateShared([A, B]);
    const before = result.statuses.get(statusKey('HTTPRoute', 'team-a', 'a'));
    const out = withQuarantineStatuses(result, [entry('HTTPRoute/team-a/a/rule/1', { rule: 1 })], NOW);
    const conditions = conditionsOf(out, 'a', 'team-a');
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True' });
    const partial = conditions.find((c) => c.type === 'PartiallyInvalid')!;
    expect(partial).toMatchObject({ status: 'True', reason: 'UnsupportedValue', lastTransitionTime: NOW.toISOString() });
    expect(partial.message).toMatch(/^Dropped Rule 1: Envoy \(envoy-1\) refused .*invalid repetition size: \{1001\}$/);
    // Nothing else changes, and the translator's objects are untouched.
    expect(out.statuses.get(statusKey('HTTPRoute', 'team-b', 'b'))).toBe(result.statuses.get(statusKey('HTTPRoute', 'team-b', 'b')));
    expect(result.statuses.get(statusKey('HTTPRoute', 'team-a', 'a'))).toBe(before);
    expect(conditionsOf(result, 'a', 'team-a').some((c) => c.type === 'PartiallyInvalid')).toBe(false);
  });

  it('says Accepted=False when every rule of the route is quarantined', () => {
    const result = translateShared([B]);
    const out = withQuarantineStatuses(result, [entry('HTTPRoute/team-b/b/rule/0', { namespace: 'team-b', name: 'b', rule: 0 })], NOW);
    const conditions = conditionsOf(out, 'b', 'team-b');
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(conditions.some((c) => c.type === 'PartiallyInvalid')).toBe(false);
  });

  it('gives an Ingress a diagnostic, and changes nothing without entries', () => {
    const result = translateShared([B]);
    expect(withQuarantineStatuses(result, [], NOW)).toBe(result);
    const out = withQuarantineStatuses(result, [entry('Ingress/web/site', { kind: 'Ingress', namespace: 'web', name: 'site' })], NOW);
    expect(out.diagnostics).toEqual([expect.objectContaining({ kind: 'Ingress', namespace: 'web', name: 'site', message: expect.stringContaining('invalid repetition size') })]);
  });

  it('marks the parent entry of a route attached through a ListenerSet of the gateway (GEP-1713)', () => {
    // The shared Gateway with allowedListeners, a ListenerSet of team-a on it, and route `a` naming the set.
    const yaml = sharedGatewayYaml([A])
      .replace('  gatewayClassName: portico\n', '  gatewayClassName: portico\n  allowedListeners: { namespaces: { from: All } }\n')
      .replace('parentRefs: [{ name: shared, namespace: default }]', 'parentRefs: [{ kind: ListenerSet, name: team-listeners }]')
      .concat(`---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: team-listeners, namespace: team-a }
spec:
  parentRef: { name: shared, namespace: default }
  listeners:
  - { name: http, protocol: HTTP, port: 8081 }
`);
    const objects = parseResources(yaml, 'listenerset.yaml').objects;
    const result = translate(ResourceSet.from(objects));
    expect(conditionsOf(result, 'a', 'team-a').find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True' });
    const listenerSets = objects.filter((o): o is ListenerSet => o.kind === 'ListenerSet');
    const out = withQuarantineStatuses(result, [entry('HTTPRoute/team-a/a/rule/1', { rule: 1 })], NOW, listenerSets);
    expect(conditionsOf(out, 'a', 'team-a').find((c) => c.type === 'PartiallyInvalid')).toMatchObject({ status: 'True', reason: 'UnsupportedValue' });
    // Without knowing the ListenerSet's Gateway, the entry is not this gateway's to mark.
    const unmarked = withQuarantineStatuses(result, [entry('HTTPRoute/team-a/a/rule/1', { rule: 1 })], NOW);
    expect(conditionsOf(unmarked, 'a', 'team-a').some((c) => c.type === 'PartiallyInvalid')).toBe(false);
  });
});
