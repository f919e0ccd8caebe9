/**
 * ExternalAuth filters the loader's schema would refuse (goldens cannot hold them: the loader checks
 * enums), built as objects: a protocol other than HTTP/GRPC, or no backendRef, fails the rule closed
 * with UnsupportedValue, and a GRPCRoute (v1.7.0 allows no ExternalAuth there) fails closed too.
 * The other rule of the same route keeps serving.
 */
import { parseResources, ResourceSet, type KubeObject } from '@portico/resources';
import type { HTTPRouteIR } from '@portico/ir';
import { translate } from '../translate.js';

const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: default}
spec:
  gatewayClassName: portico
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: authz, namespace: default}
spec: {ports: [{port: 9000}]}
`;

function route(kind: 'HTTPRoute' | 'GRPCRoute', externalAuth: unknown): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name: 'r', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      parentRefs: [{ name: 'eg' }],
      rules: [
        { filters: [{ type: 'ExternalAuth', externalAuth }], backendRefs: [{ name: 'web', port: 80 }] },
        { matches: kind === 'HTTPRoute' ? [{ path: { type: 'PathPrefix', value: '/open' } }] : [{ method: { service: 'open.Open' } }], backendRefs: [{ name: 'web', port: 80 }] },
      ],
    },
  } as unknown as KubeObject;
}

function run(object: KubeObject) {
  const objects = [...(parseResources(BASE, 'base.yaml').objects as KubeObject[]), object];
  const result = translate(ResourceSet.from(objects as never));
  const status = result.statuses.get(`${object.kind}/default/r`)!.status as { parents: { conditions: { type: string; status: string; reason: string; message: string }[] }[] };
  const conditions = Object.fromEntries(status.parents[0]!.conditions.map((c) => [c.type, c]));
  const listener = result.gateways.get('default/eg')!.listeners[0]!;
  const routes: HTTPRouteIR[] = listener.type === 'HTTP' ? listener.virtualHosts.flatMap((h) => h.routes) : [];
  return { conditions, routes };
}

describe('ExternalAuth filters that cannot be served fail their rule closed', () => {
  test('a protocol other than HTTP or GRPC: UnsupportedValue, the rule answers 500, the other rule serves', () => {
    const { conditions, routes } = run(route('HTTPRoute', { protocol: 'WEBSOCKET', backendRef: { name: 'authz', port: 9000 } }));
    expect(conditions.Accepted).toMatchObject({ status: 'True' });
    expect(conditions.ResolvedRefs).toMatchObject({ status: 'False', reason: 'UnsupportedValue', message: expect.stringContaining('external auth: protocol "WEBSOCKET" is not supported') });
    expect(routes.find((r) => r.source.rule === 0)).toMatchObject({ directResponse: { status: 500 } });
    expect(routes.find((r) => r.source.rule === 0)!.externalAuth).toBeUndefined();
    expect(routes.find((r) => r.source.rule === 1)).toMatchObject({ destination: { backends: [{ backend: 'default/web/80/http' }] } });
  });

  test('no backendRef: UnsupportedValue, 500', () => {
    const { conditions, routes } = run(route('HTTPRoute', { protocol: 'GRPC', grpc: {} }));
    expect(conditions.ResolvedRefs).toMatchObject({ status: 'False', reason: 'UnsupportedValue', message: expect.stringContaining('externalAuth.backendRef is required') });
    expect(routes.find((r) => r.source.rule === 0)).toMatchObject({ directResponse: { status: 500 } });
  });

  test('a valid filter gives the rule its ExternalAuthIR (GRPC: an HTTP/2 backend)', () => {
    const { conditions, routes } = run(route('HTTPRoute', { protocol: 'GRPC', backendRef: { name: 'authz', port: 9000 }, grpc: {}, forwardBody: { maxSize: 0 } }));
    expect(conditions.ResolvedRefs).toMatchObject({ status: 'True' });
    expect(routes.find((r) => r.source.rule === 0)!.externalAuth).toEqual({ protocol: 'GRPC', backend: 'default/authz/9000/http2' });
    expect(routes.find((r) => r.source.rule === 1)!.externalAuth).toBeUndefined();
  });

  test('GRPCRoute: v1.7.0 has no ExternalAuth there, so the rule fails closed', () => {
    const { conditions } = run(route('GRPCRoute', { protocol: 'GRPC', backendRef: { name: 'authz', port: 9000 }, grpc: {} }));
    expect(conditions.ResolvedRefs).toMatchObject({ status: 'False', reason: 'UnsupportedValue', message: expect.stringContaining('filter type ExternalAuth is not supported here') });
  });
});
