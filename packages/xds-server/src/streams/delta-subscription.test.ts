/** The per-type bookkeeping behind the delta stream, where the stream tests cannot see it. */
import { acceptInFlight, openSubscription, pendingChanges, refuseInFlight, updateSubscription } from './delta-subscription.js';
import type { CachedResource } from '../types.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

function resources(spec: Record<string, string>): Map<string, CachedResource> {
  return new Map(Object.entries(spec).map(([name, version]) => [name, { name, version, bytes: new Uint8Array(1), wildcard: true }]));
}

describe('delta subscription', () => {
  it('opens legacy wildcard only for LDS/CDS without names, and takes initial versions as held', () => {
    expect(openSubscription(LDS, {}).wildcard).toBe(true);
    expect(openSubscription(LDS, { resourceNamesSubscribe: ['a'] }).wildcard).toBe(false);
    expect(openSubscription(LDS, { resourceNamesSubscribe: ['*', 'a'] }).wildcard).toBe(true);
    expect(openSubscription(RDS, {}).wildcard).toBe(false);
    expect(openSubscription(RDS, { resourceNamesSubscribe: ['*'] }).wildcard).toBe(false);
    const s = openSubscription(RDS, { resourceNamesSubscribe: ['a'], initialResourceVersions: { a: '1' } });
    expect([...s.held]).toEqual([['a', '1']]);
    expect([...s.names]).toEqual(['a']);
  });

  it('forgets the refusal of a resource that is gone and that the client does not hold', () => {
    const s = openSubscription(RDS, { resourceNamesSubscribe: ['a'] });
    s.inFlight = { nonce: 'n', version: 'v', updated: new Map([['a', '1']]), removed: new Set<string>() };
    refuseInFlight(s);
    expect([...s.refused]).toEqual([['a', '1']]);
    expect(pendingChanges(s, resources({ a: '1' }))).toEqual({ updated: [], removed: [] });
    expect(s.refused.size).toBe(1);
    expect(pendingChanges(s, resources({}))).toEqual({ updated: [], removed: [] });
    expect(s.refused.size).toBe(0);
  });

  it('clears a refusal once a version of the resource is accepted', () => {
    const s = openSubscription(RDS, { resourceNamesSubscribe: ['a'] });
    s.inFlight = { nonce: 'n1', version: 'v1', updated: new Map([['a', '1']]), removed: new Set<string>() };
    refuseInFlight(s);
    s.inFlight = { nonce: 'n2', version: 'v2', updated: new Map([['a', '2']]), removed: new Set<string>() };
    acceptInFlight(s);
    expect(s.refused.size).toBe(0);
    expect([...s.held]).toEqual([['a', '2']]);
  });

  it('unsubscribing "*" forgets what was held through the wildcard only', () => {
    const s = openSubscription(LDS, { resourceNamesSubscribe: ['*', 'named'], initialResourceVersions: { named: '1', other: '1' } });
    updateSubscription(s, { resourceNamesUnsubscribe: ['*'] });
    expect(s.wildcard).toBe(false);
    expect([...s.held.keys()]).toEqual(['named']);
  });
});
