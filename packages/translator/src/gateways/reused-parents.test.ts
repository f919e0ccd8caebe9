import type { GatewayState } from './gateways.js';
import type { ListenerSetState } from './listener-sets.js';
import type { ListenerState } from './listeners.js';
import { reusedParents, type BuiltParents } from './reused-parents.js';

function listener(name: string, attachedRoutes = 0): ListenerState {
  return {
    spec: { name, protocol: 'HTTP', port: 80 },
    owner: { kind: 'Gateway', namespace: 'default', name: 'gw' },
    irName: name,
    portClass: 'http',
    supportedKinds: [{ kind: 'HTTPRoute' }],
    unresolved: [],
    certificates: [{ secret: 'default/cert', certificateChain: 'chain', privateKey: 'key', dnsNames: ['a.example.com'], notAfter: '2030-01-01T00:00:00Z' }],
    attachedRoutes,
  } as ListenerState;
}

/** Parents as collectGateways and collectListenerSets build them: a ListenerSet state names its Gateway, which lists it. */
function parents(options: { attachedRoutes?: number; listenerSetListener?: string; certificate?: string } = {}): BuiltParents {
  const state: GatewayState = { gateway: { metadata: { name: 'gw', namespace: 'default' } } as GatewayState['gateway'], key: 'default/gw', namespace: 'default', listeners: [listener('http', options.attachedRoutes)], listenerSets: [] };
  if (options.certificate) state.listeners[0]!.certificates[0]!.certificateChain = options.certificate;
  const ls: ListenerSetState = { listenerSet: { metadata: { name: 'ls', namespace: 'default' } } as ListenerSetState['listenerSet'], key: 'default/ls', namespace: 'default', gateway: state, listeners: [listener(options.listenerSetListener ?? 'extra', options.attachedRoutes)] };
  state.listenerSets.push(ls);
  return { gateways: [state], parents: { gateways: new Map([[state.key, state]]), listenerSets: new Map([[ls.key, ls]]) } };
}

describe('reusedParents', () => {
  it('hands back the previous parents when the fresh ones are equal, with their listeners counted from zero again', () => {
    const previous = parents({ attachedRoutes: 7 });
    const reused = reusedParents(parents(), previous);
    expect(reused).toBe(previous);
    expect(reused.gateways[0]!.listeners[0]!.attachedRoutes).toBe(0);
    expect(reused.parents.listenerSets.get('default/ls')!.listeners[0]!.attachedRoutes).toBe(0);
  });

  it('keeps the fresh parents when any field differs, however deep (a certificate, a ListenerSet listener)', () => {
    const fresh = parents({ certificate: 'renewed' });
    expect(reusedParents(fresh, parents())).toBe(fresh);
    const other = parents({ listenerSetListener: 'other' });
    expect(reusedParents(other, parents())).toBe(other);
  });

  it('keeps the fresh parents when there were none, or when they hold anything but plain data', () => {
    const fresh = parents();
    expect(reusedParents(fresh, undefined)).toBe(fresh);
    const dated = parents();
    const earlier = parents();
    (dated.gateways[0] as unknown as { at: Date }).at = new Date(0);
    (earlier.gateways[0] as unknown as { at: Date }).at = new Date(0);
    expect(reusedParents(dated, earlier)).toBe(dated);
  });
});
