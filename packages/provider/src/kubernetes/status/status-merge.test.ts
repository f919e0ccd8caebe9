import { OWNED_CONDITION_TYPES } from './owned-conditions.test-util.js';
import { mergeStatus, type StatusMergeInput } from './status-merge.js';

const OURS = 'portico.dev/gateway-controller';
const THEIRS = 'example.com/other-controller';
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-06-01T12:00:00Z';
const GW = 'gateway.networking.k8s.io';

function condition(type: string, status: 'True' | 'False' | 'Unknown', time: string, extra: Record<string, unknown> = {}) {
  return { type, status, reason: type, message: `${type} is ${status}`, observedGeneration: 1, lastTransitionTime: time, ...extra };
}

function parent(name: string, controllerName: string, time: string, extra: Record<string, unknown> = {}) {
  return {
    parentRef: { group: GW, kind: 'Gateway', namespace: 'infra', name, ...extra },
    controllerName,
    conditions: [condition('Accepted', 'True', time), condition('ResolvedRefs', 'True', time)],
  };
}

function route(current: unknown, parents: unknown[]): StatusMergeInput {
  return { kind: 'HTTPRoute', namespace: 'apps', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current, desired: { parents } };
}

function written(input: StatusMergeInput): Record<string, unknown> {
  const result = mergeStatus(input);
  if (!result.changed) throw new Error('expected a write');
  return result.status;
}

describe('mergeStatus: route parents', () => {
  it('keeps other controllers’ entries and adds ours', () => {
    const status = written(route({ parents: [parent('theirs', THEIRS, T0)] }, [parent('ours', OURS, T1)]));
    expect(status['parents']).toEqual([parent('theirs', THEIRS, T0), parent('ours', OURS, T1)]);
  });

  it('replaces our entry in place, keeping the order of the others', () => {
    const current = { parents: [parent('a', OURS, T0), parent('theirs', THEIRS, T0), parent('b', OURS, T0)] };
    const desiredA = { ...parent('a', OURS, T1), conditions: [condition('Accepted', 'False', T1), condition('ResolvedRefs', 'True', T1)] };
    const status = written(route(current, [parent('b', OURS, T1), desiredA]));
    expect(status['parents']).toEqual([
      { ...desiredA, conditions: [condition('Accepted', 'False', T1), condition('ResolvedRefs', 'True', T0)] },
      parent('theirs', THEIRS, T0),
      parent('b', OURS, T0),
    ]);
  });

  it('removes our entries for parentRefs no longer desired, never theirs', () => {
    const current = { parents: [parent('gone', OURS, T0), parent('gone', THEIRS, T0), parent('kept', OURS, T0)] };
    const status = written(route(current, [parent('kept', OURS, T1)]));
    expect(status['parents']).toEqual([parent('gone', THEIRS, T0), parent('kept', OURS, T0)]);
  });

  it('removes all of ours when nothing is desired, and writes nothing when there was nothing of ours', () => {
    const current = { parents: [parent('theirs', THEIRS, T0), parent('ours', OURS, T0)] };
    expect(written(route(current, []))['parents']).toEqual([parent('theirs', THEIRS, T0)]);
    expect(mergeStatus(route({ parents: [parent('theirs', THEIRS, T0)] }, []))).toEqual({ changed: false });
    expect(mergeStatus(route(undefined, []))).toEqual({ changed: false });
  });

  it('tells parentRefs apart by sectionName and port', () => {
    const current = { parents: [parent('gw', OURS, T0, { sectionName: 'http' })] };
    const status = written(route(current, [parent('gw', OURS, T1, { sectionName: 'https' })]));
    expect(status['parents']).toEqual([parent('gw', OURS, T1, { sectionName: 'https' })]);
    const byPort = written(route({ parents: [parent('gw', OURS, T0, { port: 80 })] }, [parent('gw', OURS, T1, { port: 443 })]));
    expect(byPort['parents']).toEqual([parent('gw', OURS, T1, { port: 443 })]);
  });

  it('matches a parentRef without group and kind to the stored, defaulted one', () => {
    const stored = { parents: [parent('gw', OURS, T0)] };
    const desired = { parentRef: { name: 'gw', namespace: 'infra' }, controllerName: OURS, conditions: parent('gw', OURS, T1).conditions };
    expect(mergeStatus(route(stored, [desired]))).toEqual({ changed: false });
  });

  it('replaces in place an entry whose parentRef names the route’s namespace only implicitly', () => {
    const stored = { parents: [parent('theirs', THEIRS, T0), parent('gw', OURS, T0, { namespace: 'apps' })] };
    const desired = { parentRef: { name: 'gw' }, controllerName: OURS, conditions: parent('gw', OURS, T1).conditions };
    expect(written(route(stored, [desired]))['parents']).toEqual([
      parent('theirs', THEIRS, T0),
      { ...parent('gw', OURS, T0), parentRef: { group: GW, kind: 'Gateway', name: 'gw' } },
    ]);
  });

  it('writes the CRD defaults for parentRef group and kind', () => {
    const desired = { parentRef: { name: 'gw', namespace: 'infra' }, controllerName: OURS, conditions: [] };
    expect(written(route(undefined, [desired]))['parents']).toEqual([{ ...desired, parentRef: { group: GW, kind: 'Gateway', name: 'gw', namespace: 'infra' } }]);
  });

  it('keeps other top-level status fields it does not own', () => {
    const status = written(route({ parents: [], extra: 'x' }, [parent('ours', OURS, T1)]));
    expect(status['extra']).toBe('x');
  });
});

describe('mergeStatus: lastTransitionTime and unchanged detection', () => {
  it('is unchanged when only lastTransitionTime differs and key order differs', () => {
    const stored = { parents: [parent('gw', OURS, T0)] };
    const reversedKeys = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).reverse());
    const reordered = { conditions: parent('gw', OURS, T1).conditions.map(reversedKeys), controllerName: OURS, parentRef: { name: 'gw', namespace: 'infra', kind: 'Gateway', group: GW } };
    expect(mergeStatus(route(stored, [reordered]))).toEqual({ changed: false });
  });

  it('keeps the stored time when reason, message or observedGeneration change but status does not', () => {
    const stored = { parents: [parent('gw', OURS, T0)] };
    const desired = { ...parent('gw', OURS, T1), conditions: [condition('Accepted', 'True', T1, { reason: 'Other', message: 'new', observedGeneration: 2 }), condition('ResolvedRefs', 'True', T1)] };
    const status = written(route(stored, [desired]));
    expect(status['parents']).toEqual([{ ...desired, conditions: [condition('Accepted', 'True', T0, { reason: 'Other', message: 'new', observedGeneration: 2 }), condition('ResolvedRefs', 'True', T0)] }]);
  });

  it('takes the new time when a condition’s status changes, or a condition is new', () => {
    const stored = { conditions: [condition('Accepted', 'True', T0)] };
    const status = written({ kind: 'GatewayClass', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired: { conditions: [condition('Accepted', 'False', T1), condition('Extra', 'True', T1)] } });
    expect(status['conditions']).toEqual([condition('Accepted', 'False', T1), condition('Extra', 'True', T1)]);
  });

  it('replaces the CRD’s default Pending condition of a new GatewayClass', () => {
    const pending = { conditions: [{ type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' }] };
    const desired = { conditions: [condition('Accepted', 'True', T1)], supportedFeatures: [{ name: 'HTTPRoute' }] };
    expect(written({ kind: 'GatewayClass', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: pending, desired })).toEqual(desired);
  });
});

describe('mergeStatus: Gateway and Ingress', () => {
  const listener = (name: string, time: string, attachedRoutes = 1, status: 'True' | 'False' = 'True') => ({
    name,
    supportedKinds: [{ group: GW, kind: 'HTTPRoute' }],
    attachedRoutes,
    conditions: [condition('Accepted', status, time), condition('Programmed', status, time)],
  });
  const gateway = (time: string, listeners: unknown[], addresses: unknown[] = [{ type: 'IPAddress', value: '10.0.0.1' }]) => ({
    addresses,
    conditions: [condition('Accepted', 'True', time), condition('Programmed', 'True', time)],
    listeners,
  });

  it('carries times per listener by name, and replaces everything else', () => {
    const stored = gateway(T0, [listener('http', T0), listener('https', T0)]);
    const desired = gateway(T1, [listener('https', T1, 3), listener('tcp', T1)], [{ value: '10.0.0.2' }]);
    const status = written({ kind: 'Gateway', namespace: 'infra', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired });
    expect(status).toEqual({
      addresses: [{ type: 'IPAddress', value: '10.0.0.2' }],
      conditions: [condition('Accepted', 'True', T0), condition('Programmed', 'True', T0)],
      listeners: [listener('https', T0, 3), listener('tcp', T1)],
    });
  });

  it('is unchanged for the same gateway status at a later translation time, with defaults omitted', () => {
    const stored = gateway(T0, [listener('http', T0, 0)]);
    const desired = gateway(T1, [{ ...listener('http', T1, 0), supportedKinds: [{ kind: 'HTTPRoute' }] }], [{ value: '10.0.0.1' }]);
    expect(mergeStatus({ kind: 'Gateway', namespace: 'infra', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired })).toEqual({ changed: false });
  });

  it('sees attachedRoutes going to 0 as a change', () => {
    const stored = gateway(T0, [listener('http', T0, 2)]);
    expect(mergeStatus({ kind: 'Gateway', namespace: 'infra', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired: gateway(T0, [listener('http', T0, 0)]) }).changed).toBe(true);
  });

  it('compares Ingress status as the API server stores it (empty fields omitted)', () => {
    const ingress = (current: unknown, desired: Record<string, unknown>): StatusMergeInput => ({ kind: 'Ingress', namespace: 'apps', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current, desired });
    expect(mergeStatus(ingress({ loadBalancer: {} }, { loadBalancer: { ingress: [] } }))).toEqual({ changed: false });
    expect(mergeStatus(ingress({ loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } }, { loadBalancer: { ingress: [{ ip: '10.0.0.1', hostname: '', ports: [] }] } }))).toEqual({ changed: false });
    const desired = { loadBalancer: { ingress: [{ ip: '10.0.0.2' }] } };
    expect(written(ingress({ loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } }, desired))).toEqual(desired);
  });
});

describe('mergeStatus: BackendTLSPolicy ancestors', () => {
  const ancestor = (name: string, controllerName: string, time: string) => ({
    ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name },
    controllerName,
    conditions: [condition('Accepted', 'True', time)],
  });
  const policy = (current: unknown, ancestors: unknown[]): StatusMergeInput => ({ kind: 'BackendTLSPolicy', namespace: 'apps', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current, desired: { ancestors } });

  it('keeps theirs, replaces ours, drops ours no longer desired', () => {
    const current = { ancestors: [ancestor('a', THEIRS, T0), ancestor('a', OURS, T0), ancestor('b', OURS, T0)] };
    expect(written(policy(current, [ancestor('c', OURS, T1)]))['ancestors']).toEqual([ancestor('a', THEIRS, T0), ancestor('c', OURS, T1)]);
    expect(mergeStatus(policy(current, [ancestor('b', OURS, T1), ancestor('a', OURS, T1)]))).toEqual({ changed: false });
  });
});

describe('mergeStatus: conditions of types we do not write are kept', () => {
  // The conformance test GatewayPreserveForeignConditions seeds this type; any type we do not write behaves the same.
  const FOREIGN = 'conformance.gateway.networking.k8s.io/StaleCondition';
  const foreign = (time = T0) => condition(FOREIGN, 'True', time, { reason: 'Seeded', message: '', observedGeneration: 1 });
  const listener = (name: string, conditions: unknown[]) => ({ name, supportedKinds: [{ group: GW, kind: 'HTTPRoute' }], attachedRoutes: 0, conditions });
  const ours = (time: string, generation = 1) => [condition('Accepted', 'True', time, { observedGeneration: generation }), condition('Programmed', 'True', time, { observedGeneration: generation })];
  const gatewayInput = (current: unknown, desired: Record<string, unknown>): StatusMergeInput => ({
    kind: 'Gateway',
    namespace: 'infra',
    controllerName: OURS,
    ownedConditionTypes: OWNED_CONDITION_TYPES,
    current,
    desired,
  });

  it('keeps a foreign Gateway condition and a foreign listener condition, in place and unmodified, while ours move to the new generation', () => {
    const stored = { conditions: [...ours(T0), foreign()], listeners: [listener('http', [foreign(), ...ours(T0)])] };
    const desired = { conditions: ours(T1, 2), listeners: [listener('http', ours(T1, 2))] };
    const status = written(gatewayInput(stored, desired));
    expect(status).toEqual({
      conditions: [...ours(T0, 2), foreign()],
      listeners: [listener('http', [foreign(), ...ours(T0, 2)])],
    });
  });

  it('matches listeners by name, whatever their order', () => {
    const stored = { conditions: ours(T0), listeners: [listener('a', ours(T0)), listener('b', [...ours(T0), foreign()])] };
    const desired = { conditions: ours(T1), listeners: [listener('b', ours(T1)), listener('a', ours(T1))] };
    expect(written(gatewayInput(stored, desired))['listeners']).toEqual([listener('b', [...ours(T0), foreign()]), listener('a', ours(T0))]);
  });

  it('writes nothing when only the foreign conditions differ from what we would write', () => {
    const stored = { conditions: [foreign(), ...ours(T0)], listeners: [listener('http', [...ours(T0), foreign()])] };
    const desired = { conditions: ours(T1), listeners: [listener('http', ours(T1))] };
    expect(mergeStatus(gatewayInput(stored, desired))).toEqual({ changed: false });
  });

  it('replaces our conditions in place and removes ours no longer written, keeping the foreign one between them', () => {
    const overlapping = condition('OverlappingTLSConfig', 'True', T0);
    const stored = { conditions: ours(T0), listeners: [listener('https', [condition('Programmed', 'True', T0), foreign(), overlapping, condition('Accepted', 'True', T0)])] };
    const desired = { conditions: ours(T1), listeners: [listener('https', [condition('Accepted', 'False', T1), condition('Programmed', 'True', T1), condition('Conflicted', 'False', T1)])] };
    expect(written(gatewayInput(stored, desired))['listeners']).toEqual([
      listener('https', [condition('Programmed', 'True', T0), foreign(), condition('Accepted', 'False', T1), condition('Conflicted', 'False', T1)]),
    ]);
  });

  it('replaces the CRD’s default Pending conditions of a new Gateway', () => {
    const pending = (type: string) => ({ type, status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' });
    const desired = { conditions: ours(T1), listeners: [listener('http', ours(T1))] };
    expect(written(gatewayInput({ conditions: [pending('Accepted'), pending('Programmed')] }, desired))).toEqual(desired);
  });

  it('decides ownership per level: a type we write on listeners but not on the Gateway is kept on the Gateway', () => {
    const theirResolvedRefs = condition('ResolvedRefs', 'False', T0, { reason: 'TheirReason' });
    const stored = { conditions: [...ours(T0), theirResolvedRefs], listeners: [listener('http', [...ours(T0), condition('ResolvedRefs', 'True', T0)])] };
    const desired = { conditions: ours(T1), listeners: [listener('http', ours(T1))] };
    const status = written(gatewayInput(stored, desired));
    expect(status['conditions']).toEqual([...ours(T0), theirResolvedRefs]);
    expect(status['listeners']).toEqual([listener('http', ours(T0))]);
  });

  it('drops the entry of a listener no longer in the spec, its foreign conditions with it', () => {
    const stored = { conditions: ours(T0), listeners: [listener('http', [...ours(T0), foreign()]), listener('gone', [...ours(T0), foreign()])] };
    const desired = { conditions: ours(T1), listeners: [listener('http', ours(T1))] };
    expect(written(gatewayInput(stored, desired))['listeners']).toEqual([listener('http', [...ours(T0), foreign()])]);
  });

  it('keeps a foreign GatewayClass condition next to our Accepted', () => {
    const supportedVersion = condition('SupportedVersion', 'True', T0);
    const stored = { conditions: [condition('Accepted', 'False', T0), supportedVersion] };
    const desired = { conditions: [condition('Accepted', 'True', T1)], supportedFeatures: [{ name: 'Gateway' }] };
    const status = written({ kind: 'GatewayClass', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired });
    expect(status).toEqual({ conditions: [condition('Accepted', 'True', T1), supportedVersion], supportedFeatures: [{ name: 'Gateway' }] });
  });

  it('keeps foreign conditions inside our own route parent entry, and drops our PartiallyInvalid once no longer written', () => {
    const stored = { parents: [{ ...parent('gw', OURS, T0), conditions: [...parent('gw', OURS, T0).conditions, condition('PartiallyInvalid', 'True', T0), foreign()] }] };
    const status = written(route(stored, [parent('gw', OURS, T1)]));
    expect(status['parents']).toEqual([{ ...parent('gw', OURS, T0), conditions: [...parent('gw', OURS, T0).conditions, foreign()] }]);
    expect(mergeStatus(route(status, [parent('gw', OURS, T1)]))).toEqual({ changed: false });
  });

  it('keeps foreign conditions inside our own policy ancestor entry', () => {
    const ancestor = (conditions: unknown[]) => ({ ancestorRef: { group: GW, kind: 'Gateway', namespace: 'infra', name: 'gw' }, controllerName: OURS, conditions });
    const stored = { ancestors: [ancestor([foreign(), condition('Accepted', 'True', T0), condition('ResolvedRefs', 'True', T0)])] };
    const desired = [ancestor([condition('Accepted', 'False', T1), condition('ResolvedRefs', 'True', T1)])];
    const status = written({ kind: 'BackendTLSPolicy', namespace: 'apps', controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, current: stored, desired: { ancestors: desired } });
    expect(status['ancestors']).toEqual([ancestor([foreign(), condition('Accepted', 'False', T1), condition('ResolvedRefs', 'True', T0)])]);
  });
});
