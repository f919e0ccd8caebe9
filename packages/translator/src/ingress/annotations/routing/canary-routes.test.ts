import { describe, expect, it } from '@jest/globals';
import type { HTTPRouteIR } from '@portico/ir';
import { canaryPathKey, cookieMatch, withCanary } from './canary-routes.js';

const MAIN: HTTPRouteIR = {
  name: 'ingress/d/main/rule/0/path/0',
  source: { kind: 'Ingress', namespace: 'd', name: 'main', rule: 0, match: 0 },
  match: { path: { type: 'PathPrefix', value: '/' } },
  destination: { backends: [{ weight: 1, backend: 'd/stable/80/http' }] },
  rewrite: { hostname: 'internal' },
};
const CANARY = { destination: { backends: [{ weight: 1, backend: 'd/canary/80/http' }] } };

describe('withCanary', () => {
  it('orders header (always, never), cookie (always, never), then the weighted main route; every copy keeps the main rewrite', () => {
    const routes = withCanary(MAIN, { policy: { weight: 20, weightTotal: 100, header: 'x-canary', cookie: 'canary' }, action: CANARY });
    expect(routes.map((r) => [r.name.slice(MAIN.name.length), r.match.headers?.[0]?.value, r.destination!.backends.map((b) => ('backend' in b ? `${b.backend}:${b.weight}` : 'invalid'))])).toEqual([
      ['/canary-header', 'always', ['d/canary/80/http:1']],
      ['/canary-header-never', 'never', ['d/stable/80/http:1']],
      ['/canary-cookie', cookieMatch('canary', 'always').value, ['d/canary/80/http:1']],
      ['/canary-cookie-never', cookieMatch('canary', 'never').value, ['d/stable/80/http:1']],
      ['', undefined, ['d/stable/80/http:80', 'd/canary/80/http:20']],
    ]);
    expect(routes.every((r) => r.rewrite?.hostname === 'internal')).toBe(true);
  });

  it('takes the value over always/never, sends everything at weight >= total, and nothing at weight 0', () => {
    const byValue = withCanary(MAIN, { policy: { weight: 0, weightTotal: 100, header: 'x-beta', headerValue: 'yes' }, action: CANARY });
    expect(byValue.map((r) => r.match.headers?.[0])).toEqual([{ name: 'x-beta', type: 'Exact', value: 'yes' }, undefined]);
    expect(byValue[1]).toBe(MAIN);
    expect(withCanary(MAIN, { policy: { weight: 100, weightTotal: 100 }, action: CANARY })[0]!.destination).toEqual(CANARY.destination);
  });

  it('gives a broken canary backend its share as an invalid one, and leaves a route that does not forward alone', () => {
    const broken = withCanary(MAIN, { policy: { weight: 1, weightTotal: 4 }, action: { directResponse: { status: 503 } } });
    expect(broken[0]!.destination!.backends).toEqual([{ weight: 3, backend: 'd/stable/80/http' }, { weight: 1, invalid: { status: 503, reason: 'the canary backend cannot be used' } }]);
    const redirect: HTTPRouteIR = { ...MAIN, destination: undefined, redirect: { statusCode: 301 } } as HTTPRouteIR;
    expect(withCanary(redirect, { policy: { weight: 50, weightTotal: 100, header: 'x' }, action: CANARY })).toEqual([redirect]);
  });

  it('keeps requests with the header on the main backend when the pattern cannot be evaluated', () => {
    const routes = withCanary(MAIN, { policy: { weight: 0, weightTotal: 100, header: 'x-beta', headerPatternRefused: true }, action: CANARY });
    expect(routes[0]).toMatchObject({ match: { headers: [{ name: 'x-beta', type: 'RegularExpression', value: '.*' }] }, destination: MAIN.destination });
  });
});

describe('cookieMatch', () => {
  it('finds the cookie anywhere in the header, its name case-insensitively, its value exactly', () => {
    const re = new RegExp(`^(?:${cookieMatch('canary', 'always').value.replace('(?i:canary)', '(?:[cC][aA][nN][aA][rR][yY])')})$`);
    for (const yes of ['canary=always', 'a=1; canary=always', 'a=1;canary=always; b=2', 'CANARY=always']) expect(re.test(yes)).toBe(true);
    for (const no of ['xcanary=always', 'canary=alwaysx', 'canary=never', 'a=canary=always']) expect(re.test(no)).toBe(false);
  });

  it('keys paths without their trailing slash', () => {
    expect([canaryPathKey('/api/'), canaryPathKey(undefined), canaryPathKey('/')]).toEqual(['/api', '/', '/']);
  });
});
