import { convertedSessionPersistence, gatewayDuration } from './converted-session.js';

describe('converted affinity', () => {
  it('writes seconds as a Gateway API duration (at most 5 digits per unit)', () => {
    expect(gatewayDuration(172_800)).toBe('48h');
    expect(gatewayDuration(3_661)).toBe('1h1m1s');
    expect(gatewayDuration(59)).toBe('59s');
    expect(gatewayDuration(999_999_999)).toBe('99999h');
  });

  it('is a Permanent cookie with max-age, a Session one without; Path / for regex paths', () => {
    expect(convertedSessionPersistence({ cookieName: 'route', ttlSeconds: 60 }, '/a', false)).toEqual({ type: 'Cookie', cookie: { name: 'route', path: '/a', lifetimeType: 'Permanent' }, absoluteTimeout: '1m' });
    expect(convertedSessionPersistence({ cookieName: 'INGRESSCOOKIE' }, '/v[0-9]+', true)).toEqual({ type: 'Cookie', cookie: { name: 'INGRESSCOOKIE', path: '/', lifetimeType: 'Session' } });
  });
});
