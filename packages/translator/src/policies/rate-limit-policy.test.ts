import { ResourceSet } from '@portico/resources';
import { createTranslationCache } from '../translation-cache.js';
import { translate } from '../translate.js';
import { gatewayRoutes, ROUTE_POLICY_BASE, routePolicy } from './route-policy-fixtures.test-util.js';

const now = new Date('2026-01-01T00:00:00Z');

const base = ROUTE_POLICY_BASE;

const perSecond = (requests: number) => ({ local: { rules: [{ limit: { requests, unit: 'Second' } }] } });

const policy = (name: string, target: object, spec: object, creationTimestamp?: string) => routePolicy('RateLimitPolicy', name, target, spec, creationTimestamp);

const routes = gatewayRoutes;

function policiesByRoute(objects: object[]): Record<string, string | undefined> {
  const result = translate(ResourceSet.from(objects as never), { now });
  return Object.fromEntries(routes(result.gateways.get('default/eg')).map((r) => [`rule${r.source.rule}`, r.rateLimit?.policy]));
}

function condition(objects: object[], name: string): object | undefined {
  const status = translate(ResourceSet.from(objects as never), { now }).statuses.get(`RateLimitPolicy/default/${name}`);
  return status && 'ancestors' in status.status ? status.status.ancestors[0]?.conditions[0] : undefined;
}

describe('RateLimitPolicy', () => {
  it('the most specific policy applies whole: rule > route > listener > gateway', () => {
    const gateway = policy('gw', { kind: 'Gateway', name: 'eg' }, perSecond(100));
    const listener = policy('listener', { kind: 'Gateway', name: 'eg', sectionName: 'http' }, perSecond(50));
    const route = policy('route', { kind: 'HTTPRoute', name: 'web' }, perSecond(10));
    const rule = policy('rule', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, perSecond(1));
    expect(policiesByRoute([...base, gateway])).toEqual({ rule0: 'default/gw', rule1: 'default/gw' });
    expect(policiesByRoute([...base, gateway, listener])).toEqual({ rule0: 'default/listener', rule1: 'default/listener' });
    expect(policiesByRoute([...base, gateway, listener, route])).toEqual({ rule0: 'default/route', rule1: 'default/route' });
    expect(policiesByRoute([...base, gateway, listener, route, rule])).toEqual({ rule0: 'default/rule', rule1: 'default/route' });
  });

  it('a newer policy naming the same target is Conflicted and the older applies', () => {
    const older = policy('older', { kind: 'HTTPRoute', name: 'web' }, perSecond(5));
    const newer = policy('newer', { kind: 'HTTPRoute', name: 'web' }, perSecond(7), '2025-06-01T00:00:00Z');
    expect(condition([...base, newer, older], 'newer')).toMatchObject({ reason: 'Conflicted' });
    expect(condition([...base, newer, older], 'older')).toMatchObject({ reason: 'Accepted' });
    expect(policiesByRoute([...base, newer, older])).toEqual({ rule0: 'default/older', rule1: 'default/older' });
  });

  it.each([
    ['rules that are not a list', { local: { rules: 'lots' } }, 'local.rules must be a non-empty list'],
    ['no local at all', {}, 'spec needs local or global rules'],
    ['an empty local list', { local: { rules: [] } }, 'local.rules must be a non-empty list'],
    ['global rules without a rate-limit service', { global: { rules: [{ limit: { requests: 1, unit: 'Day' } }] } }, 'global rules need the rate-limit service, and none is configured'],
    ['a global unit that is not one', { global: { rules: [{ limit: { requests: 1, unit: 'Week' } }] } }, 'global.rules[0].limit.unit must be Second, Minute, Hour or Day'],
    ['a rule that is not an object', { local: { rules: [null] } }, 'local.rules[0].limit.requests must be an integer'],
    ['fractional requests', { local: { rules: [{ limit: { requests: 1.5, unit: 'Second' } }] } }, 'local.rules[0].limit.requests'],
    ['an unknown unit', { local: { rules: [{ limit: { requests: 1, unit: 'Fortnight' } }] } }, 'local.rules[0].limit.unit must be Second, Minute or Hour'],
    ['a header selector without name', { local: { rules: [{ limit: { requests: 1, unit: 'Second' }, clientSelector: { header: { value: 'v' } } }] } }, 'clientSelector needs sourceIP: true or a header with a valid name'],
    [
      'a header selected with and without value',
      { local: { rules: [{ limit: { requests: 1, unit: 'Second' }, clientSelector: { header: { name: 'x-a' } } }, { limit: { requests: 1, unit: 'Second' }, clientSelector: { header: { name: 'X-A', value: 'v' } } }] } },
      "local.rules[1]: its clientSelector overlaps local.rules[0]'s",
    ],
    ['sourceIP that is not true', { local: { rules: [{ limit: { requests: 1, unit: 'Second' }, clientSelector: { sourceIP: 'yes' } }] } }, 'clientSelector.sourceIP can only be true'],
    ['sourceIP and a header in one selector', { local: { rules: [{ limit: { requests: 1, unit: 'Second' }, clientSelector: { sourceIP: true, header: { name: 'x-a' } } }] } }, 'needs exactly one of header and sourceIP'],
    [
      'sourceIP selected twice',
      { local: { rules: [{ limit: { requests: 1, unit: 'Second' }, clientSelector: { sourceIP: true } }, { limit: { requests: 2, unit: 'Hour' }, clientSelector: { sourceIP: true } }] } },
      "local.rules[1]: its clientSelector overlaps local.rules[0]'s",
    ],
    ['responseHeaders that is not a boolean', { ...perSecond(1), responseHeaders: 'yes' }, 'responseHeaders must be true or false'],
  ])('a malformed policy (%s) is Invalid, limits nothing, and leaves the Gateway policy in place', (_what, spec, message) => {
    const gateway = policy('gw', { kind: 'Gateway', name: 'eg' }, perSecond(100));
    const broken = policy('broken', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, spec);
    const objects = [...base, gateway, broken];
    expect(() => translate(ResourceSet.from(objects as never), { now })).not.toThrow();
    expect(condition(objects, 'broken')).toMatchObject({ reason: 'Invalid', message: expect.stringContaining(message) });
    expect(policiesByRoute(objects)).toEqual({ rule0: 'default/gw', rule1: 'default/gw' });
  });

  it('header names are matched case-insensitively: the IR keeps them lower case', () => {
    const p = policy('p', { kind: 'HTTPRoute', name: 'web' }, { local: { rules: [{ limit: { requests: 2, unit: 'Minute' }, clientSelector: { header: { name: 'X-Tenant', value: 'Free' } } }] } });
    const result = translate(ResourceSet.from([...base, p] as never), { now });
    expect(routes(result.gateways.get('default/eg'))[0]?.rateLimit).toEqual({
      policy: 'default/p',
      rules: [{ requests: 2, windowSeconds: 60, header: { name: 'x-tenant', value: 'Free' } }],
      responseHeaders: true,
    });
  });

  it('with a translation cache, adding, changing and removing a policy gives what a fresh translation gives', () => {
    const cache = createTranslationCache();
    const run = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now, cache });
    const fresh = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now });
    const steps: object[][] = [
      [],
      [policy('p', { kind: 'HTTPRoute', name: 'web' }, perSecond(3))],
      [policy('p', { kind: 'HTTPRoute', name: 'web', sectionName: 'admin' }, perSecond(3))],
      [policy('p', { kind: 'HTTPRoute', name: 'web' }, { local: { rules: [] } })],
      [],
    ];
    for (const extra of steps) {
      const cached = run(extra);
      const expected = fresh(extra);
      expect(cached.gateways).toEqual(expected.gateways);
      expect(cached.statuses.get('RateLimitPolicy/default/p')).toEqual(expected.statuses.get('RateLimitPolicy/default/p'));
    }
  });
});
