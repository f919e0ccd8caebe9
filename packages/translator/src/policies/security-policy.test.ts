import { ResourceSet } from '@portico/resources';
import { createTranslationCache } from '../translation-cache.js';
import { translate } from '../translate.js';
import { gatewayRoutes, ROUTE_POLICY_BASE, routePolicy } from './route-policy-fixtures.test-util.js';

const now = new Date('2026-01-01T00:00:00Z');

const base = ROUTE_POLICY_BASE;

const policy = (name: string, target: object, spec: object, creationTimestamp?: string) => routePolicy('SecurityPolicy', name, target, spec, creationTimestamp);

const routes = gatewayRoutes;

function policiesByRoute(objects: object[]): Record<string, string | undefined> {
  const result = translate(ResourceSet.from(objects as never), { now });
  return Object.fromEntries(routes(result.gateways.get('default/eg')).map((r) => [`rule${r.source.rule}`, r.security?.policy]));
}

describe('SecurityPolicy', () => {
  it('the most specific policy applies whole: rule > route > listener > gateway', () => {
    const gateway = policy('gw', { kind: 'Gateway', name: 'eg' }, { ipAccess: { deny: ['192.0.2.0/24'] } });
    const listener = policy('listener', { kind: 'Gateway', name: 'eg', sectionName: 'http' }, { ipAccess: { deny: ['198.51.100.0/24'] } });
    const route = policy('route', { kind: 'HTTPRoute', name: 'web' }, { ipAccess: { allow: ['10.0.0.0/8'] } });
    const rule = policy('rule', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, { ipAccess: { allow: ['10.1.0.0/16'] } });
    expect(policiesByRoute([...base, gateway])).toEqual({ rule0: 'default/gw', rule1: 'default/gw' });
    expect(policiesByRoute([...base, gateway, listener])).toEqual({ rule0: 'default/listener', rule1: 'default/listener' });
    expect(policiesByRoute([...base, gateway, listener, route])).toEqual({ rule0: 'default/route', rule1: 'default/route' });
    expect(policiesByRoute([...base, gateway, listener, route, rule])).toEqual({ rule0: 'default/rule', rule1: 'default/route' });
  });

  it('a newer policy that loses one of its targets is Conflicted, says where it lost and where it still applies', () => {
    const older = policy('older', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, { ipAccess: { deny: ['192.0.2.0/24'] } });
    const newer = {
      ...policy('newer', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, { ipAccess: { deny: ['198.51.100.0/24'] } }, '2025-06-01T00:00:00Z'),
    } as { spec: { targetRefs: object[] } };
    newer.spec.targetRefs.push({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'eg' });
    const result = translate(ResourceSet.from([...base, older, newer] as never), { now });
    const status = result.statuses.get('SecurityPolicy/default/newer');
    expect(status && 'ancestors' in status.status ? status.status.ancestors[0]?.conditions[0] : undefined).toMatchObject({
      reason: 'Conflicted',
      message: 'SecurityPolicy default/older also targets HTTPRoute/default/web/admin and takes precedence there (older, or as old and first by namespace/name); it still applies to Gateway/default/eg',
    });
    expect(policiesByRoute([...base, older, newer])).toEqual({ rule0: 'default/older', rule1: 'default/newer' });
  });

  it('a policy of another namespace does not attach (targetRefs are local)', () => {
    const elsewhere = { ...policy('p', { kind: 'HTTPRoute', name: 'web' }, { ipAccess: { deny: ['0.0.0.0/0'] } }), metadata: { namespace: 'other', name: 'p' } };
    expect(policiesByRoute([...base, elsewhere])).toEqual({ rule0: undefined, rule1: undefined });
  });

  it('with a translation cache, adding, changing and removing a policy gives what a fresh translation gives', () => {
    const cache = createTranslationCache();
    const run = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now, cache });
    const fresh = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now });
    const steps: object[][] = [
      [],
      [policy('p', { kind: 'HTTPRoute', name: 'web' }, { ipAccess: { deny: ['10.0.0.0/8'] } })],
      [policy('p', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, { ipAccess: { deny: ['10.0.0.0/8'] } })],
      [policy('p', { kind: 'HTTPRoute', name: 'web' }, { basicAuth: { users: { name: 'missing' } } })],
      [],
    ];
    for (const extra of steps) {
      const cached = run(extra);
      const expected = fresh(extra);
      expect(cached.gateways).toEqual(expected.gateways);
      expect(cached.statuses.get('SecurityPolicy/default/p')).toEqual(expected.statuses.get('SecurityPolicy/default/p'));
    }
  });
});
