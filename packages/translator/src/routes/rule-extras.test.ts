/**
 * Session persistence read from both CRD shapes: v1.7.0's (`cookie` / `header`), which the file
 * provider's schemas accept, and v1.6.1's (`sessionName`, `cookieConfig`), which a cluster whose CRDs
 * were not upgraded (Helm never upgrades `crds/`) still serves to the Kubernetes provider.
 */
import type { Problem } from '../backends/destinations.js';
import { ruleExtras } from './rule-extras.js';

function sessionOf(sessionPersistence: Parameters<typeof ruleExtras>[0]['sessionPersistence']) {
  const problems: Problem[] = [];
  const out = ruleExtras({ sessionPersistence }, (p) => problems.push(p));
  expect(problems).toEqual([]);
  return out.sessionPersistence;
}

describe('ruleExtras session persistence', () => {
  it('reads the v1.7.0 cookie: name and lifetime', () => {
    expect(sessionOf({ type: 'Cookie', absoluteTimeout: '24h', cookie: { name: 'cart', path: '/', lifetimeType: 'Permanent' } })).toEqual({
      type: 'Cookie',
      name: 'cart',
      absoluteTimeoutMs: 86_400_000,
      lifetime: 'Permanent',
      cookiePath: '/',
    });
    expect(sessionOf({ cookie: { name: 'cart', path: '/cart' } })).toMatchObject({ cookiePath: '/cart' });
  });

  it('reads the v1.7.0 header name', () => {
    expect(sessionOf({ type: 'Header', header: { name: 'x-session-id' } })).toEqual({ type: 'Header', name: 'x-session-id' });
  });

  it('chooses a name, a Session lifetime and the Path / for a cookie with none', () => {
    expect(sessionOf({ cookie: {} })).toEqual({ type: 'Cookie', name: 'portico-session', lifetime: 'Session', cookiePath: '/' });
  });

  it('reads the v1.6.1 sessionName and cookieConfig a cluster with older CRDs serves', () => {
    expect(sessionOf({ sessionName: 'legacy', cookieConfig: { lifetimeType: 'Permanent' }, absoluteTimeout: '1h' })).toEqual({
      type: 'Cookie',
      name: 'legacy',
      absoluteTimeoutMs: 3_600_000,
      lifetime: 'Permanent',
      cookiePath: '/',
    });
    expect(sessionOf({ type: 'Header', sessionName: 'x-legacy' })).toEqual({ type: 'Header', name: 'x-legacy' });
  });

  it('prefers the v1.7.0 fields when an object carries both shapes', () => {
    expect(sessionOf({ sessionName: 'old', cookie: { name: 'new', lifetimeType: 'Session' }, cookieConfig: { lifetimeType: 'Permanent' }, absoluteTimeout: '1h' })).toMatchObject({
      name: 'new',
      lifetime: 'Session',
    });
  });
});
