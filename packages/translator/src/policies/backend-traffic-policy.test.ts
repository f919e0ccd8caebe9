import type { GatewayIR, HTTPRouteIR } from '@portico/ir';
import { ResourceSet } from '@portico/resources';
import { createTranslationCache } from '../translation-cache.js';
import { translate } from '../translate.js';

const now = new Date('2026-01-01T00:00:00Z');

function service(name: string): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { ports: [{ name: 'http', port: 80 }] } };
}

function policy(name: string, target: string, spec: object, creationTimestamp = '2025-01-01T00:00:00Z'): object {
  return {
    apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
    kind: 'XBackendTrafficPolicy',
    metadata: { namespace: 'default', name, creationTimestamp },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: target }], ...spec },
  };
}

const base: object[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace: 'default', name: 'eg' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      parentRefs: [{ name: 'eg' }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [{ name: 'a', port: 80 }] },
        { backendRefs: [{ name: 'b', port: 80 }] },
      ],
    },
  },
  service('a'),
  service('b'),
];

function routes(gateway: GatewayIR | undefined): HTTPRouteIR[] {
  return (gateway?.listeners ?? []).flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []) : [])).flatMap((vh) => vh.routes);
}

function policyCondition(result: ReturnType<typeof translate>, name: string) {
  const status = result.statuses.get(`XBackendTrafficPolicy/default/${name}`);
  if (!status || !('ancestors' in status.status)) return undefined;
  return status.status.ancestors.map((a) => ({ gateway: `${a.ancestorRef.namespace}/${a.ancestorRef.name}`, controller: a.controllerName, ...a.conditions[0] }));
}

describe('XBackendTrafficPolicy', () => {
  it('an invalid policy (a duration the CRD pattern would refuse, e.g. from an older CRD) is Accepted=False Invalid and touches no traffic; another Service keeps its valid policy', () => {
    const objects = [
      ...base,
      policy('bad', 'a', { sessionPersistence: { type: 'Cookie', absoluteTimeout: 'soon', cookie: { name: 'bad' } }, retryConstraint: { budget: { percent: 50, interval: 'often' } } }),
      policy('good', 'b', { sessionPersistence: { type: 'Header', header: { name: 'x-b' } } }),
    ];
    const result = translate(ResourceSet.from(objects as never), { now });
    expect(policyCondition(result, 'bad')).toEqual([
      expect.objectContaining({
        gateway: 'default/eg',
        controller: 'portico.dev/gateway-controller',
        type: 'Accepted',
        status: 'False',
        reason: 'Invalid',
        message: 'retryConstraint.budget.interval "often" is not a valid duration; sessionPersistence.absoluteTimeout "soon" is not a valid duration',
      }),
    ]);
    expect(policyCondition(result, 'good')).toEqual([expect.objectContaining({ status: 'True', reason: 'Accepted' })]);
    const gateway = result.gateways.get('default/eg');
    const [toA, toB] = routes(gateway);
    expect(toA?.sessionPersistence).toBeUndefined();
    expect(toB?.sessionPersistence).toEqual({ type: 'Header', name: 'x-b' });
    expect(gateway?.backends.find((b) => b.service.name === 'a')?.retryBudget).toBeUndefined();
  });

  it('a policy no route of ours sends through gets no status (it has no ancestor)', () => {
    const result = translate(ResourceSet.from([...base, service('idle'), policy('idle', 'idle', { retryConstraint: {} })] as never), { now });
    expect(result.statuses.has('XBackendTrafficPolicy/default/idle')).toBe(false);
  });

  it('the CRD defaults (budget 20%, minRetryRate 10) apply to an empty retryConstraint', () => {
    const result = translate(ResourceSet.from([...base, policy('defaults', 'a', { retryConstraint: {} })] as never), { now });
    expect(result.gateways.get('default/eg')?.backends.find((b) => b.service.name === 'a')?.retryBudget).toEqual({ policy: 'default/defaults', budgetPercent: 20, minRetryConcurrency: 10 });
  });

  it('with a translation cache, adding, changing and removing a policy re-translates the routes and backends it touches', () => {
    const cache = createTranslationCache();
    const run = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now, cache });
    const fresh = (extra: object[]) => translate(ResourceSet.from([...base, ...extra] as never), { now });
    const steps: object[][] = [
      [],
      [policy('p', 'a', { sessionPersistence: { type: 'Cookie', cookie: { name: 's1' } }, retryConstraint: { budget: { percent: 30 } } })],
      [policy('p', 'a', { sessionPersistence: { type: 'Cookie', cookie: { name: 's2' } }, retryConstraint: { budget: { percent: 40 } } })],
      [],
    ];
    for (const extra of steps) {
      expect(run(extra).gateways).toEqual(fresh(extra).gateways);
    }
  });
});
