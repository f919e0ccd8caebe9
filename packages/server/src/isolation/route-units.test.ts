import type { GatewayIR, HTTPListenerIR } from '@portico/ir';
import { sharedIR, type RouteSpec } from './nack-fixtures.test-util.js';
import { changedUnits, parseUnitKey, probeTable, routeUnits, unitKeyOf, unitValues, withoutUnits } from './route-units.js';

const A: RouteSpec = { namespace: 'team-a', name: 'a', hostname: 'a.example', rules: [{ path: '/one' }, { path: '/two', header: 'x{2}' }] };
const B: RouteSpec = { namespace: 'team-b', name: 'b', hostname: 'b.example', rules: [{ path: '/b' }] };

const paths = (ir: GatewayIR) =>
  (ir.listeners[0] as HTTPListenerIR).virtualHosts.flatMap((v) => v.routes.map((r) => `${v.name}${r.match.path?.value}${r.match.headers?.[0]?.value ?? ''}`));

describe('route units', () => {
  it('are one rule of one route object, keyed Kind/namespace/name/rule/<i>', () => {
    const units = routeUnits(sharedIR([A, B]));
    expect([...units.keys()].sort()).toEqual(['HTTPRoute/team-a/a/rule/0', 'HTTPRoute/team-a/a/rule/1', 'HTTPRoute/team-b/b/rule/0']);
    expect(unitKeyOf({ kind: 'Ingress', namespace: 'n', name: 'i' })).toBe('Ingress/n/i');
    expect(parseUnitKey('HTTPRoute/team-a/a/rule/1')).toEqual({ kind: 'HTTPRoute', namespace: 'team-a', name: 'a', rule: 1 });
    expect(parseUnitKey('Ingress/n/i')).toEqual({ kind: 'Ingress', namespace: 'n', name: 'i' });
  });

  it('changed: new or different rules only; every rule when there is no previous table', () => {
    const before = sharedIR([A, B]);
    const after = sharedIR([{ ...A, rules: [A.rules[0]!, { path: '/two', header: 'y' }] }, B, { namespace: 'team-c', name: 'c', rules: [{ path: '/c' }] }]);
    expect(changedUnits(after, before)).toEqual(['HTTPRoute/team-a/a/rule/1', 'HTTPRoute/team-c/c/rule/0']);
    expect(changedUnits(before, undefined)).toHaveLength(3);
    expect(changedUnits(before, sharedIR([A, B]))).toEqual([]);
  });

  it('withoutUnits drops a rule and keeps every untouched part as the same object', () => {
    const ir = sharedIR([A, B]);
    const out = withoutUnits(ir, new Set(['HTTPRoute/team-a/a/rule/1']));
    expect(paths(out)).toEqual(['a.example/one', 'b.example/b']);
    const [hostA, hostB] = (out.listeners[0] as HTTPListenerIR).virtualHosts;
    expect(hostB).toBe((ir.listeners[0] as HTTPListenerIR).virtualHosts[1]);
    expect(hostA).not.toBe((ir.listeners[0] as HTTPListenerIR).virtualHosts[0]);
    expect(out.backends).toBe(ir.backends);
    expect(withoutUnits(ir, new Set())).toBe(ir);
    expect(withoutUnits(ir, new Set(['HTTPRoute/nobody/x/rule/0']))).toBe(ir);
  });

  it('a probe table keeps held rules as the client runs them (or leaves new ones out) and serves the rest new', () => {
    const running = sharedIR([A, B]);
    const refused = sharedIR([{ ...A, rules: [{ path: '/one-v2' }, { path: '/two', header: 'bad' }] }, B, { namespace: 'team-c', name: 'c', hostname: 'b.example', rules: [{ path: '/c' }] }]);
    const held = new Set(['HTTPRoute/team-a/a/rule/1', 'HTTPRoute/team-c/c/rule/0']);
    expect(paths(probeTable(refused, running, held))).toEqual(['a.example/one-v2', 'a.example/twox{2}', 'b.example/b']);
    // Without the table the client runs, held rules are left out.
    expect(paths(probeTable(refused, undefined, held))).toEqual(['a.example/one-v2', 'b.example/b']);
    expect(probeTable(refused, running, new Set())).toBe(refused);
  });

  it('values are what the user wrote (paths, header names and values), not the names Portico made', () => {
    const values = unitValues(routeUnits(sharedIR([A])).get('HTTPRoute/team-a/a/rule/1')!);
    expect(values).toEqual(expect.arrayContaining(['/two', 'x-team', 'x{2}']));
    expect(values.some((v) => v.includes('team-a/a/rule'))).toBe(false);
    expect(values.some((v) => v.includes('team-a/echo'))).toBe(false);
  });
});
