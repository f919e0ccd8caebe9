/**
 * Deterministic cases of what the cache must notice, found by translate.incremental.property.test.ts
 * (each once cost a stale result there).
 */
import { ResourceSet, type KubeObject } from '@portico/resources';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

const CONTROLLER = 'portico.dev/gateway-controller';
const now = new Date(0);

function gatewayClass(name: string, controllerName: string): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName } } as KubeObject;
}

function gateway(name: string, className: string, port: number): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'default' },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
  } as KubeObject;
}

describe('translation cache', () => {
  it('a route follows its parents when two GatewayClasses swap controllerName (GatewayClass → which Gateways are ours)', () => {
    // The route names both Gateways; only the one whose class is ours gets a status entry.
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'default' },
      spec: { parentRefs: [{ name: 'a', port: 443 }, { name: 'c', port: 8080 }], rules: [{}] },
    } as KubeObject;
    const a = gateway('a', 'one', 443);
    const c = gateway('c', 'two', 8080);
    const cache = createTranslationCache();
    const parentsOf = (objects: KubeObject[]) => {
      const result = translate(ResourceSet.from(objects as never), { now, cache });
      const status = result.statuses.get('HTTPRoute/default/r')?.status as { parents: { parentRef: unknown }[] } | undefined;
      return { parents: status?.parents.map((p) => p.parentRef), fresh: translate(ResourceSet.from(objects as never), { now }), result };
    };

    const before = parentsOf([gatewayClass('one', CONTROLLER), gatewayClass('two', 'example.com/other'), a, c, route]);
    expect(before.parents).toEqual([{ name: 'a', port: 443 }]);
    // Same Gateway and route objects (providers keep the identity of unchanged objects); only the classes change.
    const after = parentsOf([gatewayClass('one', 'example.com/other'), gatewayClass('two', CONTROLLER), a, c, route]);
    expect(after.parents).toEqual([{ name: 'c', port: 8080 }]);
    expect(after.result).toEqual(after.fresh);
    expect([...after.result.gateways.keys()]).toEqual(['default/c']);
  });
});
