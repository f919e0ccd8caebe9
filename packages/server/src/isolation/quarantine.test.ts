import type { HTTPListenerIR } from '@portico/ir';
import { quarantineEntry, SHARED, sharedIR, type RouteSpec } from './nack-fixtures.test-util.js';
import { createQuarantine, type QuarantineEntry } from './quarantine.js';
import { routeUnits, unitFingerprint } from './route-units.js';

const A: RouteSpec = { namespace: 'team-a', name: 'a', rules: [{ path: '/a' }, { path: '/special', header: 'a{1001}' }] };
const B: RouteSpec = { namespace: 'team-b', name: 'b', rules: [{ path: '/b' }] };
const UNIT = 'HTTPRoute/team-a/a/rule/1';

function entryFor(routes: RouteSpec[], unit = UNIT, error = 'invalid repetition size: {1001}'): QuarantineEntry {
  return quarantineEntry(unit, { rule: 1, fingerprint: unitFingerprint(routeUnits(sharedIR(routes)).get(unit)!), error });
}

const paths = (ir: ReturnType<typeof sharedIR>) => (ir.listeners[0] as HTTPListenerIR).virtualHosts.flatMap((v) => v.routes.map((r) => r.match.path?.value));

describe('createQuarantine', () => {
  it('leaves a quarantined rule out of every IR of its gateway, and only of its gateway', () => {
    const quarantine = createQuarantine();
    quarantine.add([entryFor([A, B])]);
    const ir = sharedIR([A, B]);
    const { ir: applied, released } = quarantine.apply(SHARED, ir);
    expect(released).toEqual([]);
    expect(paths(applied).sort()).toEqual(['/a', '/b']);
    // The same IR again is the same result (no rebuild downstream).
    expect(quarantine.apply(SHARED, ir).ir).toBe(applied);
    expect(quarantine.apply('default/other', ir).ir).toBe(ir);
    expect(quarantine.entries().map((e) => e.unit)).toEqual([UNIT]);
    expect(quarantine.entries('default/other')).toEqual([]);
  });

  it('releases the rule when its object changes it, or when it is gone, and says so', () => {
    const quarantine = createQuarantine();
    quarantine.add([entryFor([A, B])]);
    const revision = quarantine.revision(SHARED);
    // Another team's change does not release it.
    expect(quarantine.apply(SHARED, sharedIR([A, { ...B, rules: [{ path: '/b2' }] }])).released).toEqual([]);
    const fixed = sharedIR([{ ...A, rules: [A.rules[0]!, { path: '/special', header: 'fixed' }] }, B]);
    const { ir, released } = quarantine.apply(SHARED, fixed);
    expect(released.map((e) => e.unit)).toEqual([UNIT]);
    expect(ir).toBe(fixed);
    expect(quarantine.revision(SHARED)).toBeGreaterThan(revision);
    expect(quarantine.entries()).toEqual([]);

    quarantine.add([entryFor([A, B])]);
    expect(quarantine.apply(SHARED, sharedIR([B])).released.map((e) => e.unit)).toEqual([UNIT]);
  });

  it('forgets a gateway that is gone', () => {
    const quarantine = createQuarantine();
    quarantine.add([entryFor([A, B])]);
    quarantine.forget(SHARED);
    expect(quarantine.entries()).toEqual([]);
  });
});
