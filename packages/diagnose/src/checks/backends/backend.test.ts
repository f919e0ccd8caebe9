import { checkBackends } from './backend.js';
import { endpointHealth } from './endpoint-health.js';
import { describePorts, similarName } from './service-names.js';
import { GATEWAY, inputOf, readySlice, service } from '../test-objects.test-util.js';
import { ResourceSet, parseResources } from '@portico/resources';

const route = (backendRefs: string, extra = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules:
  - backendRefs: ${backendRefs}
${extra}
`;

const codes = (yaml: string) => checkBackends(inputOf(yaml)).map((f) => `${f.level} ${f.code} ${f.field ?? ''}`.trim());

describe('checkBackends', () => {
  it('gives one OK per healthy route', () => {
    const findings = checkBackends(inputOf(GATEWAY + route('[{ name: web, port: 80 }, { name: web, port: 80 }]') + service('web', '[{ name: http, port: 80 }]') + readySlice('web', 'http', 8080)));
    expect(findings).toEqual([
      expect.objectContaining({ level: 'OK', link: 'Backend', gateway: 'default/eg', object: { kind: 'HTTPRoute', namespace: 'default', name: 'web' }, code: 'BackendsReady' }),
    ]);
  });

  it('says nothing about routes no gateway serves', () => {
    const unattached = route('[{ name: missing, port: 80 }]').replace('name: eg', 'name: other');
    expect(checkBackends(inputOf(GATEWAY + unattached))).toEqual([]);
  });

  it('leaves references across namespaces without a grant to the ReferenceGrant link, and checks granted ones', () => {
    const crossing = route('[{ name: api, namespace: apps, port: 80 }]');
    expect(codes(GATEWAY + crossing)).toEqual([]);
    const grant = `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: web, namespace: apps }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default }]
  to: [{ group: "", kind: Service }]
`;
    expect(codes(GATEWAY + crossing + grant)).toEqual(['FAIL ServiceNotFound spec.rules[0].backendRefs[0].name']);
  });

  it('warns, not fails, when only a request mirror is broken: requests are still served', () => {
    const mirror = `    filters:
    - type: RequestMirror
      requestMirror: { backendRef: { name: shadow, port: 80 } }`;
    expect(codes(GATEWAY + route('[{ name: web, port: 80 }]', mirror) + service('web', '[{ port: 80 }]') + readySlice('web', '', 80))).toEqual([
      'WARN ServiceNotFound spec.rules[0].filters[0].requestMirror.backendRef.name',
    ]);
  });

  it('fails a UDPRoute to a TCP port', () => {
    const udp = `---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: { name: dns, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: udp }]
  rules: [{ backendRefs: [{ name: dns, port: 53 }] }]
`;
    const findings = checkBackends(inputOf(GATEWAY + udp + service('dns', '[{ name: dns, port: 53, protocol: TCP }]')));
    expect(findings).toEqual([expect.objectContaining({ level: 'FAIL', code: 'ServicePortProtocol', field: 'spec.rules[0].backendRefs[0].port' })]);
    expect(findings[0]!.message).toContain('its datagrams are dropped');
  });

  it('warns when an HTTP backend expects TLS (appProtocol) and no BackendTLSPolicy targets it', () => {
    const yaml = GATEWAY + route('[{ name: web, port: 443 }]') + service('web', '[{ name: https, port: 443, appProtocol: kubernetes.io/wss }]') + readySlice('web', 'https', 8443);
    expect(codes(yaml)).toEqual(['WARN BackendExpectsTLS spec.rules[0].backendRefs[0]']);
  });

  it('does not judge the endpoints of weight-0 references, but warns when a whole rule has weight 0', () => {
    expect(codes(GATEWAY + route('[{ name: web, port: 80, weight: 0 }, { name: web, port: 80 }]') + service('web', '[{ port: 80 }]') + readySlice('web', '', 80))).toEqual(['OK BackendsReady']);
    expect(codes(GATEWAY + route('[{ name: web, port: 80, weight: 0 }]') + service('web', '[{ port: 80 }]'))).toEqual(['WARN AllBackendWeightsZero spec.rules[0].backendRefs']);
    expect(codes(GATEWAY + route('[{ name: gone, port: 80, weight: 0 }, { name: web, port: 80 }]') + service('web', '[{ port: 80 }]') + readySlice('web', '', 80))).toEqual([
      'WARN ServiceNotFound spec.rules[0].backendRefs[0].name',
    ]);
  });

  it('routes to an ExternalName Service only when the operator allows it', () => {
    const yaml = GATEWAY + route('[{ name: ext, port: 443 }]') + `---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: api.example.net }
`;
    expect(checkBackends(inputOf(yaml)).map((f) => f.code)).toEqual(['ExternalNameRefused']);
    expect(checkBackends(inputOf(yaml, { externalNameServices: 'allow' })).map((f) => f.code)).toEqual(['BackendsReady']);
  });

  it('accepts the appProtocols each route kind speaks: WebSocket and h2c for HTTPRoutes, h2c for GRPCRoutes', () => {
    const grpc = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: rpc, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  hostnames: [grpc.example.com]
  rules: [{ backendRefs: [{ name: rpc, port: 50051 }] }]
`;
    // Separate inputs: an HTTPRoute and a GRPCRoute with intersecting hostnames on one listener conflict.
    const http =
      GATEWAY + route('[{ name: ws, port: 80 }, { name: h2c, port: 80 }]') +
      service('ws', '[{ name: ws, port: 80, appProtocol: kubernetes.io/ws }]') + readySlice('ws', 'ws', 8080) +
      service('h2c', '[{ name: h2c, port: 80, appProtocol: kubernetes.io/h2c }]') + readySlice('h2c', 'h2c', 8080);
    expect(codes(http)).toEqual(['OK BackendsReady']);
    expect(codes(GATEWAY + grpc + service('rpc', '[{ name: grpc, port: 50051, appProtocol: kubernetes.io/h2c }]') + readySlice('rpc', 'grpc', 50051))).toEqual(['OK BackendsReady']);
  });
});

describe('endpointHealth', () => {
  it('sorts endpoints as the translator does, once per address, only for the port by name', () => {
    const { objects } = parseResources(
      `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: a, namespace: default, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: http, port: 8080 }]
endpoints:
- { addresses: [10.0.0.1] }
- { addresses: [10.0.0.2], conditions: { ready: false, serving: true, terminating: true } }
- { addresses: [10.0.0.3], conditions: { ready: false, serving: false, terminating: true } }
- { addresses: [10.0.0.4], conditions: { ready: false } }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: b, namespace: default, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: http, port: 8080 }]
endpoints: [{ addresses: [10.0.0.1] }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: c, namespace: default, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: metrics, port: 9090 }]
endpoints: [{ addresses: [10.0.0.7] }]
`,
      'slices.yaml',
      { kubernetesRules: 'warn' },
    );
    expect(endpointHealth(ResourceSet.from(objects), 'default', 'web', { name: 'http', port: 80 })).toEqual({ slices: 3, slicesWithPort: 2, ready: 1, terminating: 1, notReady: 2 });
  });
});

describe('service names', () => {
  it('guesses the Service a misspelt name meant, or nothing', () => {
    expect(similarName('web', ['api', 'web-svc', 'webs'])).toBe('webs');
    expect(similarName('checkout', ['checkuot', 'cart'])).toBe('checkuot');
    expect(similarName('web', ['api', 'db'])).toBeUndefined();
  });

  it('lists ports as a fix reads them', () => {
    expect(describePorts([{ name: 'http', port: 80 }, { name: 'https', port: 443 }])).toBe('port 80 (http) or 443 (https)');
    expect(describePorts([{ port: 80 }, { port: 81 }, { name: 'dns', port: 53, protocol: 'UDP' }])).toBe('port 80, 81 or 53 (dns, UDP)');
  });
});
