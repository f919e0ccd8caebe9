import type { HTTPRoute } from '../model/gateway-api.js';
import { parseResources } from '../loading/parse-resources.js';

const TYPOS = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: apps}
spec:
  parentRefs: [{name: eg}]
  hostname: [a.example]
  rules:
  - backendRefs:
    - {name: v1, port: 80, wieght: 90}
    - {name: v2, port: 80, weight: 10}
    timeouts: {request: 1s, backnedRequest: 1s}
  frobnicate: true
`;

describe('unknown fields', () => {
  it('are dropped as the API server prunes them, each with a warning naming the closest known field', () => {
    const { objects, warnings } = parseResources(TYPOS, 'route.yaml');
    expect(warnings).toEqual([
      { source: 'route.yaml', document: 1, message: 'HTTPRoute apps/split: unknown field spec.hostname (did you mean spec.hostnames?)' },
      { source: 'route.yaml', document: 1, message: 'HTTPRoute apps/split: unknown field spec.rules[0].backendRefs[0].wieght (did you mean spec.rules[0].backendRefs[0].weight?)' },
      { source: 'route.yaml', document: 1, message: 'HTTPRoute apps/split: unknown field spec.rules[0].timeouts.backnedRequest (did you mean spec.rules[0].timeouts.backendRequest?)' },
      { source: 'route.yaml', document: 1, message: 'HTTPRoute apps/split: unknown field spec.frobnicate' },
    ]);
    const route = objects[0] as HTTPRoute;
    expect('hostname' in route.spec).toBe(false);
    // The API server's default weight (1), as it would store the object: the warning says why.
    expect(route.spec.rules?.[0]?.backendRefs?.[0]).toEqual({ group: '', kind: 'Service', name: 'v1', port: 80, weight: 1 });
    expect(route.spec.rules?.[0]?.timeouts).toEqual({ request: '1s' });
  });

  it('leaves metadata, status and the core kinds (whose schemas cover only what Portico reads) alone', () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps, labels: {app: web}}
spec: {ports: [{port: 80}], sessionAffinity: ClientIP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico, annotations: {a: b}}
spec: {controllerName: portico.dev/gateway-controller}
status: {somethingElse: 1}
`;
    const { objects, warnings } = parseResources(text, 'a.yaml');
    expect(warnings).toEqual([]);
    expect((objects[0]!.spec as Record<string, unknown>).sessionAffinity).toBe('ClientIP');
  });

  it('in a List, name the item', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: gateway.networking.k8s.io/v1
  kind: GatewayClass
  metadata: {name: portico}
  spec: {controllerNam: portico.dev/gateway-controller, controllerName: portico.dev/gateway-controller}
`;
    expect(parseResources(text, 'a.yaml').warnings).toEqual([
      { source: 'a.yaml', document: 1, message: 'items[0]: GatewayClass portico: unknown field spec.controllerNam (did you mean spec.controllerName?)' },
    ]);
  });
});
