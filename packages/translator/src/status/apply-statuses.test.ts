import type { Condition, KubeObject, RouteParentStatus } from '@portico/resources';
import { applyStatuses } from './apply-statuses.js';
import { statusKey, type ObjectStatus, type TranslationResult } from '../result.js';

const OURS = 'portico.dev/gateway-controller';
const THEIRS = 'example.com/other-controller';
const GW = 'gateway.networking.k8s.io/v1';

const accepted: Condition = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  message: 'Accepted',
  observedGeneration: 1,
  lastTransitionTime: '2025-01-01T00:00:00Z',
};

function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra };
}

function parent(gateway: string, controllerName: string): RouteParentStatus {
  return { parentRef: { name: gateway }, controllerName, conditions: [accepted] };
}

function resultWith(...statuses: ObjectStatus[]): TranslationResult {
  return {
    gateways: new Map(),
    statuses: new Map(statuses.map((s) => [statusKey(s.kind, s.namespace, s.name), s])),
    diagnostics: [],
    failures: [],
  };
}

describe('applyStatuses', () => {
  test('keeps Gateway API and Ingress kinds in input order and drops core kinds', () => {
    const objects = [
      obj('v1', 'Service', 'web', 'default'),
      obj(GW, 'HTTPRoute', 'web', 'default'),
      obj('v1', 'Secret', 'cert', 'default'),
      obj('networking.k8s.io/v1', 'IngressClass', 'portico'),
      obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-abc', 'default'),
      obj('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'grant', 'default'),
      obj('v1', 'ConfigMap', 'ca', 'default'),
      obj('v1', 'Namespace', 'default'),
      obj('networking.k8s.io/v1', 'Ingress', 'web', 'default'),
      obj(GW, 'GatewayClass', 'portico'),
      obj('networking.istio.io/v1', 'Gateway', 'istio', 'default'),
    ];
    const output = applyStatuses(objects, resultWith(), OURS);
    expect(output.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'HTTPRoute/web',
      'IngressClass/portico',
      'ReferenceGrant/grant',
      'Ingress/web',
      'GatewayClass/portico',
    ]);
  });

  test('replaces GatewayClass, Gateway and Ingress status when the translation has one', () => {
    const objects = [
      obj(GW, 'GatewayClass', 'portico', undefined, { status: { conditions: [] } }),
      obj(GW, 'Gateway', 'gw', 'infra', { status: { conditions: [{ ...accepted, status: 'Unknown' }] } }),
      obj('networking.k8s.io/v1', 'Ingress', 'web', 'default'),
    ];
    const result = resultWith(
      { kind: 'GatewayClass', name: 'portico', status: { conditions: [accepted] } },
      { kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [accepted], listeners: [] } },
      { kind: 'Ingress', namespace: 'default', name: 'web', status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } },
    );
    const [gatewayClass, gateway, ingress] = applyStatuses(objects, result, OURS);
    expect(gatewayClass!.status).toEqual({ conditions: [accepted] });
    expect(gateway!.status).toEqual({ conditions: [accepted], listeners: [] });
    expect(ingress!.status).toEqual({ loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } });
  });

  test('leaves objects of other controllers untouched', () => {
    const theirs = { conditions: [{ ...accepted, message: 'theirs' }] };
    const objects = [
      obj(GW, 'GatewayClass', 'other', undefined, { status: theirs }),
      obj(GW, 'Gateway', 'other', 'infra', { status: theirs }),
      obj('networking.k8s.io/v1', 'Ingress', 'other', 'default', { status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } } }),
      obj(GW, 'HTTPRoute', 'other', 'default', { status: { parents: [parent('other', THEIRS)] } }),
      obj(GW, 'TCPRoute', 'bare', 'default'),
    ];
    expect(applyStatuses(objects, resultWith(), OURS)).toEqual(objects);
  });

  test('replaces our route parents and keeps other controllers\' entries', () => {
    const route = obj(GW, 'HTTPRoute', 'web', 'default', {
      status: { parents: [parent('gw', OURS), parent('other-gw', THEIRS), parent('old-gw', OURS)] },
    });
    const ours = [parent('gw', OURS), parent('gw-2', OURS)];
    const [output] = applyStatuses([route], resultWith({ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: ours } }), OURS);
    expect(output!.status).toEqual({ parents: [parent('other-gw', THEIRS), ...ours] });
  });

  test('removes our stale route parents when the translation has none', () => {
    const route = obj(GW, 'GRPCRoute', 'api', 'default', { status: { parents: [parent('gw', OURS), parent('x', THEIRS)] } });
    const [output] = applyStatuses([route], resultWith(), OURS);
    expect(output!.status).toEqual({ parents: [parent('x', THEIRS)] });
  });

  test('fills the status of a route that had none, for every route kind', () => {
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const) {
      const status = { parents: [parent('gw', OURS)] };
      const [output] = applyStatuses([obj(GW, kind, 'r', 'ns')], resultWith({ kind, namespace: 'ns', name: 'r', status }), OURS);
      expect(output!.status).toEqual(status);
    }
  });

  test('merges BackendTLSPolicy ancestors per controller', () => {
    const ancestor = (name: string, controllerName: string) => ({ ancestorRef: { name }, controllerName, conditions: [accepted] });
    const policy = obj('gateway.networking.k8s.io/v1alpha3', 'BackendTLSPolicy', 'tls', 'default', {
      status: { ancestors: [ancestor('gw', THEIRS), ancestor('gw', OURS)] },
    });
    const ours = [ancestor('gw', OURS), ancestor('gw-2', OURS)];
    const [output] = applyStatuses([policy], resultWith({ kind: 'BackendTLSPolicy', namespace: 'default', name: 'tls', status: { ancestors: ours } }), OURS);
    expect(output!.status).toEqual({ ancestors: [ancestor('gw', THEIRS), ...ours] });
  });

  test('an object without a namespace is looked up in default', () => {
    const status = { parents: [parent('gw', OURS)] };
    const [output] = applyStatuses([obj(GW, 'HTTPRoute', 'web')], resultWith({ kind: 'HTTPRoute', namespace: 'default', name: 'web', status }), OURS);
    expect(output!.status).toEqual(status);
  });

  test('returns deep copies and never mutates the input or the result', () => {
    const route = obj(GW, 'HTTPRoute', 'web', 'default', { spec: { hostnames: ['a'] }, status: { parents: [parent('gw', OURS)] } });
    const gateway = obj(GW, 'Gateway', 'gw', 'default');
    const result = resultWith(
      { kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('new', OURS)] } },
      { kind: 'Gateway', namespace: 'default', name: 'gw', status: { conditions: [accepted] } },
    );
    const before = structuredClone({ route, gateway, statuses: [...result.statuses.values()] });
    const output = applyStatuses([route, gateway], result, OURS);
    expect({ route, gateway, statuses: [...result.statuses.values()] }).toEqual(before);
    expect(output[0]).not.toBe(route);
    expect(output[0]!.spec).not.toBe(route.spec);
    (output[1]!.status as { conditions: Condition[] }).conditions.push(accepted);
    expect(result.statuses.get('Gateway/default/gw')!.status).toEqual({ conditions: [accepted] });
  });
});
