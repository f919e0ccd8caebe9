/**
 * ListenerSet precedence and incremental translation (the golden cases listenerset-*.in.yaml hold the
 * statuses and IR of each behaviour; these check what goldens cannot: time zones in the ordering, and
 * a cached translation following ListenerSet changes).
 */
import { ResourceSet, type KubeObject } from '@portico/resources';
import type { ObjectStatus } from '../result.js';
import { translate } from '../translate.js';
import { createTranslationCache } from '../translation-cache.js';

const now = new Date(0);
const GW = 'gateway.networking.k8s.io/v1';

const gatewayClass = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } } as KubeObject;

function gateway(from: string): KubeObject {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'eg', namespace: 'infra' },
    spec: { gatewayClassName: 'portico', allowedListeners: { namespaces: { from } }, listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'gw.com' }] },
  } as KubeObject;
}

function listenerSet(name: string, creationTimestamp: string, port = 8080, hostname = 'shared.com'): KubeObject {
  return {
    apiVersion: GW,
    kind: 'ListenerSet',
    metadata: { name, namespace: 'infra', creationTimestamp },
    spec: { parentRef: { name: 'eg' }, listeners: [{ name: 'web', port, protocol: 'HTTP', hostname }] },
  } as KubeObject;
}

const route = {
  apiVersion: GW,
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'infra' },
  spec: { parentRefs: [{ kind: 'ListenerSet', name: 'team' }], rules: [{}] },
} as KubeObject;

function conditionOf(statuses: Map<string, ObjectStatus>, key: string, type: string): string | undefined {
  const status = statuses.get(key)?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined;
  const condition = status?.conditions?.find((c) => c.type === type);
  return condition && `${condition.status}/${condition.reason}`;
}

describe('ListenerSet precedence', () => {
  it('orders by the instant of creationTimestamp, whatever its time zone, then by namespace/name', () => {
    // 01:00+02:00 is 23:00Z the day before: `late-name` is the oldest and keeps the hostname.
    const result = translate(
      ResourceSet.from([gatewayClass, gateway('Same'), listenerSet('a-first-name', '2026-01-01T00:00:00Z'), listenerSet('late-name', '2026-01-01T01:00:00+02:00')] as never),
      { now },
    );
    expect(conditionOf(result.statuses, 'ListenerSet/infra/late-name', 'Accepted')).toBe('True/Accepted');
    expect(conditionOf(result.statuses, 'ListenerSet/infra/a-first-name', 'Accepted')).toBe('False/ListenersNotValid');
    expect(result.gateways.get('infra/eg')!.listeners.map((l) => l.sources)).toEqual([['http'], ['infra/late-name/web']]);
  });
});

describe('ListenerSet changes under the translation cache', () => {
  it('re-translate the parent Gateway and the routes attached through the set, as a fresh translation would', () => {
    const cache = createTranslationCache();
    const run = (objects: KubeObject[]) => {
      const result = translate(ResourceSet.from(objects as never), { now, cache });
      expect(result).toEqual(translate(ResourceSet.from(objects as never), { now }));
      return result;
    };
    const set = listenerSet('team', '2026-01-01T00:00:00Z');

    // Not allowed: the route is not accepted and the Gateway serves port 80 only.
    let result = run([gatewayClass, gateway('None'), set, route]);
    expect(result.gateways.get('infra/eg')!.listeners.map((l) => l.port)).toEqual([80]);
    expect(conditionOf(result.statuses, 'ListenerSet/infra/team', 'Accepted')).toBe('False/NotAllowed');

    // The Gateway allows it: the set's port joins the Gateway, the same route object is now accepted.
    result = run([gatewayClass, gateway('Same'), set, route]);
    expect(result.gateways.get('infra/eg')!.listeners.map((l) => l.port)).toEqual([80, 8080]);
    const parents = (result.statuses.get('HTTPRoute/infra/r')!.status as { parents: { conditions: { type: string; status: string }[] }[] }).parents;
    expect(parents[0]!.conditions.find((c) => c.type === 'Accepted')!.status).toBe('True');

    // The set moves its listener: only the ListenerSet object changed.
    result = run([gatewayClass, gateway('Same'), listenerSet('team', '2026-01-01T00:00:00Z', 9090), route]);
    expect(result.gateways.get('infra/eg')!.listeners.map((l) => l.port)).toEqual([80, 9090]);

    // The set is deleted: its listener and the route's attachment go; the route keeps no entry of ours.
    result = run([gatewayClass, gateway('Same'), route]);
    expect(result.gateways.get('infra/eg')!.listeners.map((l) => l.port)).toEqual([80]);
    expect(result.statuses.has('ListenerSet/infra/team')).toBe(false);
    expect(result.statuses.has('HTTPRoute/infra/r')).toBe(false);
  });
});
