import { isUnhealthy, statusRows } from './status-rows.js';

const cond = (type: string, status: string, reason = type, message = '') => ({ type, status, reason, message });

describe('statusRows', () => {
  it('gives a Gateway its Accepted and Programmed, and the first unhealthy listener condition as the reason', () => {
    const rows = statusRows([
      {
        kind: 'Gateway',
        metadata: { namespace: 'default', name: 'demo' },
        status: {
          conditions: [cond('Accepted', 'True'), cond('Programmed', 'True')],
          listeners: [
            { name: 'http', conditions: [cond('Accepted', 'True'), cond('Conflicted', 'False', 'NoConflicts')] },
            { name: 'https', conditions: [cond('ResolvedRefs', 'False', 'InvalidCertificateRef', 'secret default/x not found')] },
          ],
        },
      },
    ]);
    expect(rows).toEqual([
      {
        kind: 'Gateway',
        namespace: 'default',
        name: 'demo',
        accepted: 'True',
        programmed: 'True',
        reason: 'listener https ResolvedRefs: InvalidCertificateRef',
        message: 'secret default/x not found',
      },
    ]);
    expect(isUnhealthy(rows[0]!)).toBe(true);
  });

  it('gives a ListenerSet its Accepted and Programmed like a Gateway, and its conflicted listener as the reason', () => {
    const rows = statusRows([
      {
        kind: 'ListenerSet',
        metadata: { namespace: 'team', name: 'extra' },
        status: {
          conditions: [cond('Accepted', 'True', 'ListenersNotValid'), cond('Programmed', 'True')],
          listeners: [{ name: 'web', conditions: [cond('Accepted', 'False', 'HostnameConflict'), cond('Conflicted', 'True', 'HostnameConflict', 'taken')] }],
        },
      },
    ]);
    expect(rows).toEqual([
      { kind: 'ListenerSet', namespace: 'team', name: 'extra', accepted: 'True', programmed: 'True', reason: 'listener web Accepted: HostnameConflict' },
    ]);
  });

  it('gives a route one row per parent, naming the parent in the route namespace by default', () => {
    const rows = statusRows([
      {
        kind: 'HTTPRoute',
        metadata: { namespace: 'apps', name: 'shop' },
        status: {
          parents: [
            { parentRef: { name: 'demo', sectionName: 'http' }, conditions: [cond('Accepted', 'True'), cond('ResolvedRefs', 'True')] },
            { parentRef: { name: 'demo', namespace: 'infra' }, conditions: [cond('Accepted', 'False', 'NotAllowedByListeners', 'no listener allows apps')] },
          ],
        },
      },
    ]);
    expect(rows).toEqual([
      { kind: 'HTTPRoute', namespace: 'apps', name: 'shop', parent: 'apps/demo/http', accepted: 'True', resolvedRefs: 'True' },
      {
        kind: 'HTTPRoute',
        namespace: 'apps',
        name: 'shop',
        parent: 'infra/demo',
        accepted: 'False',
        resolvedRefs: 'Unknown',
        reason: 'Accepted: NotAllowedByListeners',
        message: 'no listener allows apps',
      },
    ]);
    expect(rows.map(isUnhealthy)).toEqual([false, true]);
  });

  it('keeps objects without conditions (Ingress, a route with no parent of ours) as a bare row', () => {
    expect(statusRows([{ kind: 'Ingress', metadata: { namespace: 'default', name: 'blog' }, status: { loadBalancer: {} } }])).toEqual([
      { kind: 'Ingress', namespace: 'default', name: 'blog' },
    ]);
    expect(statusRows([{ kind: 'GatewayClass', metadata: { name: 'portico' }, status: { conditions: [cond('Accepted', 'True')] } }])).toEqual([
      { kind: 'GatewayClass', name: 'portico', accepted: 'True' },
    ]);
  });
});
