/**
 * fast-check generators of Gateway API resource sets for property tests: small name and hostname
 * pools so that references often resolve (and often do not), every protocol, route kind and filter.
 */
import fc from 'fast-check';
import type { KubeObject } from '@portico/resources';

const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

const namespaces = fc.constantFrom('default', 'team-a', 'team-b');
const names = fc.constantFrom('a', 'b', 'c');
const hostnames = fc.constantFrom('example.com', 'foo.example.com', '*.example.com', 'a.b.example.com', 'other.org', '*.org');
const protocols = fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP', 'SCTP');
const ports = fc.constantFrom(80, 443, 8080, 53);
const timestamps = fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', undefined);

const meta = (ns = true) =>
  fc.record({ name: names, namespace: ns ? namespaces : fc.constant(undefined), creationTimestamp: timestamps, generation: fc.integer({ min: 1, max: 5 }) })
    .map((m) => JSON.parse(JSON.stringify(m)));

const gatewayClass = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constant('GatewayClass'),
  metadata: fc.record({ name: fc.constantFrom('portico', 'other') }),
  spec: fc.record({ controllerName: fc.constantFrom('portico.dev/gateway-controller', 'example.com/other') }),
});

const listener = fc.record({
  name: fc.constantFrom('l1', 'l2', 'l3'),
  protocol: protocols,
  port: ports,
  hostname: fc.option(hostnames, { nil: undefined }),
  tls: fc.option(
    fc.record({
      mode: fc.constantFrom('Terminate', 'Passthrough'),
      certificateRefs: fc.array(fc.record({ name: names, namespace: fc.option(namespaces, { nil: undefined }) }), { maxLength: 2 }),
    }),
    { nil: undefined },
  ),
  allowedRoutes: fc.option(
    fc.record({
      namespaces: fc.record({ from: fc.constantFrom('Same', 'All', 'Selector'), selector: fc.constant({ matchLabels: { shared: 'true' } }) }),
      kinds: fc.option(fc.array(fc.record({ kind: fc.constantFrom('HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute', 'Bogus') }), { maxLength: 2 }), { nil: undefined }),
    }),
    { nil: undefined },
  ),
}).map((l) => JSON.parse(JSON.stringify(l)));

const gateway = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constant('Gateway'),
  metadata: meta(),
  spec: fc.record({
    gatewayClassName: fc.constantFrom('portico', 'other'),
    listeners: fc.array(listener, { minLength: 1, maxLength: 4 }),
    allowedListeners: fc.option(
      fc.record({ namespaces: fc.record({ from: fc.constantFrom('All', 'Same', 'Selector', 'None'), selector: fc.constant({ matchLabels: { shared: 'true' } }) }) }),
      { nil: undefined },
    ),
  }).map((s) => JSON.parse(JSON.stringify(s))),
});

/** GEP-1713: listeners for a Gateway of the same name pool, often allowed, often conflicting with it. */
const listenerSet = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constant('ListenerSet'),
  metadata: meta(),
  spec: fc.record({
    parentRef: fc.record({ name: names, namespace: fc.option(namespaces, { nil: undefined }), kind: fc.option(fc.constantFrom('Gateway', 'Other'), { nil: undefined }) }).map((p) => JSON.parse(JSON.stringify(p))),
    listeners: fc.array(listener, { minLength: 1, maxLength: 3 }),
  }),
});

const parentRef = fc.record({
  kind: fc.option(fc.constantFrom('Gateway', 'ListenerSet'), { nil: undefined }),
  name: names,
  namespace: fc.option(namespaces, { nil: undefined }),
  sectionName: fc.option(fc.constantFrom('l1', 'l2', 'nope'), { nil: undefined }),
  port: fc.option(ports, { nil: undefined }),
}).map((p) => JSON.parse(JSON.stringify(p)));

const backendRef = fc.record({
  name: names,
  namespace: fc.option(namespaces, { nil: undefined }),
  port: fc.option(fc.constantFrom(80, 8080, 53), { nil: undefined }),
  weight: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  kind: fc.option(fc.constantFrom('Service', 'Foo'), { nil: undefined }),
}).map((b) => JSON.parse(JSON.stringify(b)));

const filter = fc.oneof(
  fc.constant({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] } }),
  fc.constant({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } }),
  fc.record({ type: fc.constant('RequestMirror'), requestMirror: fc.record({ backendRef, percent: fc.integer({ min: 0, max: 100 }) }) }),
  fc.constant({ type: 'CORS', cors: { allowOrigins: ['https://a.example.com'] } }),
  fc.constant({ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Filter', name: 'x' } }),
  fc.constant({ type: 'Bogus' }),
);

/** backendRef-level filters: header modifiers and URLRewrite are served per backend, others fail closed. */
const backendFilter = fc.oneof(
  fc.constant({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'host', value: 'h.example.com' }] } }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { hostname: 'b.example.com' } }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } } }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { hostname: 'c.example.com', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/y' } } }),
  fc.constant({ type: 'CORS', cors: { allowOrigins: ['https://a.example.com'] } }),
);

const httpBackendRef = fc
  .tuple(backendRef, fc.option(fc.array(backendFilter, { maxLength: 2 }), { nil: undefined }))
  .map(([ref, filters]) => (filters ? { ...ref, filters } : ref));

const httpMatch = fc.record({
  path: fc.record({ type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression'), value: fc.constantFrom('/', '/api', '/api/v1', '/(?=x)', '[a-z]+', 'nope') }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  headers: fc.option(fc.array(fc.record({ name: fc.constantFrom('x-v', 'X-V', 'x-w'), value: fc.constantFrom('1', '2') }), { maxLength: 3 }), { nil: undefined }),
}).map((m) => JSON.parse(JSON.stringify(m)));

const httpRoute = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constant('HTTPRoute'),
  metadata: meta(),
  spec: fc.record({
    parentRefs: fc.array(parentRef, { maxLength: 3 }),
    hostnames: fc.option(fc.array(hostnames, { maxLength: 3 }), { nil: undefined }),
    rules: fc.array(
      fc.record({
        matches: fc.option(fc.array(httpMatch, { maxLength: 3 }), { nil: undefined }),
        filters: fc.option(fc.array(filter, { maxLength: 2 }), { nil: undefined }),
        backendRefs: fc.option(fc.array(httpBackendRef, { maxLength: 3 }), { nil: undefined }),
        timeouts: fc.option(fc.record({ request: fc.constantFrom('10s', '1m', 'bad'), backendRequest: fc.constantFrom('5s', '2m') }), { nil: undefined }),
      }).map((r) => JSON.parse(JSON.stringify(r))),
      { maxLength: 3 },
    ),
  }).map((s) => JSON.parse(JSON.stringify(s))),
});

const grpcRoute = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constant('GRPCRoute'),
  metadata: meta(),
  spec: fc.record({
    parentRefs: fc.array(parentRef, { maxLength: 2 }),
    hostnames: fc.option(fc.array(hostnames, { maxLength: 2 }), { nil: undefined }),
    rules: fc.array(
      fc.record({
        matches: fc.option(fc.array(fc.record({ method: fc.record({ service: fc.constantFrom('a.B', 'c.D'), method: fc.constantFrom('Get', 'List') }) }), { maxLength: 2 }), { nil: undefined }),
        backendRefs: fc.option(fc.array(backendRef, { maxLength: 2 }), { nil: undefined }),
      }).map((r) => JSON.parse(JSON.stringify(r))),
      { maxLength: 2 },
    ),
  }).map((s) => JSON.parse(JSON.stringify(s))),
});

const l4Route = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
  kind: fc.constantFrom('TCPRoute', 'UDPRoute', 'TLSRoute'),
  metadata: meta(),
  spec: fc.record({
    parentRefs: fc.array(parentRef, { maxLength: 2 }),
    hostnames: fc.array(hostnames, { minLength: 1, maxLength: 2 }),
    rules: fc.array(fc.record({ backendRefs: fc.array(backendRef, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
  }),
}).map((r) => (r.kind === 'TLSRoute' ? r : { ...r, spec: { parentRefs: r.spec.parentRefs, rules: r.spec.rules } }));

const service = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Service'),
  metadata: meta(),
  spec: fc.record({
    ports: fc.array(
      fc.record({ name: fc.constantFrom('http', 'dns', 'grpc'), port: fc.constantFrom(80, 8080, 53), protocol: fc.constantFrom('TCP', 'UDP'), appProtocol: fc.option(fc.constantFrom('kubernetes.io/h2c', 'http'), { nil: undefined }) })
        .map((p) => JSON.parse(JSON.stringify(p))),
      { maxLength: 2 },
    ),
  }),
  // ExternalName Services (external-name-backends.ts): valid, loopback, IP and malformed names.
  externalName: fc.option(fc.constantFrom('api.example.com', 'api.example.com.', 'localhost', '10.0.0.1', 'Bad_Name'), { nil: undefined }),
}).map(({ externalName, ...s }) => (externalName === undefined ? s : { ...s, spec: { ...s.spec, type: 'ExternalName', externalName } }));

const endpointSlice = fc.record({
  apiVersion: fc.constant('discovery.k8s.io/v1'),
  kind: fc.constant('EndpointSlice'),
  metadata: fc.record({ name: fc.constantFrom('s1', 's2', 's3'), namespace: namespaces, labels: fc.record({ 'kubernetes.io/service-name': names }) }),
  addressType: fc.constantFrom('IPv4', 'FQDN'),
  ports: fc.array(fc.record({ name: fc.constantFrom('http', 'dns', 'grpc'), port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 2 }),
  endpoints: fc.array(
    fc.record({ addresses: fc.array(fc.ipV4(), { minLength: 1, maxLength: 2 }), conditions: fc.record({ ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }) }),
    { maxLength: 3 },
  ),
});

const referenceGrant = fc.record({
  apiVersion: fc.constant('gateway.networking.k8s.io/v1beta1'),
  kind: fc.constant('ReferenceGrant'),
  metadata: meta(),
  spec: fc.record({
    from: fc.array(fc.record({ group: fc.constant('gateway.networking.k8s.io'), kind: fc.constantFrom('HTTPRoute', 'Gateway', 'ListenerSet', 'TCPRoute'), namespace: namespaces }), { minLength: 1, maxLength: 2 }),
    to: fc.array(fc.record({ group: fc.constant(''), kind: fc.constantFrom('Service', 'Secret') }), { minLength: 1, maxLength: 2 }),
  }),
});

const secret = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Secret'),
  metadata: meta(),
  type: fc.constant('kubernetes.io/tls'),
  data: fc.record({ 'tls.crt': fc.constantFrom(CERT, 'bm90IGEgY2VydA=='), 'tls.key': fc.constant('bm90IGEga2V5') }),
});

const namespace = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Namespace'),
  metadata: fc.record({ name: namespaces, labels: fc.option(fc.constant({ shared: 'true' }), { nil: undefined }) }).map((m) => JSON.parse(JSON.stringify(m))),
});

export { endpointSlice as endpointSliceObject };

/** A random, structurally valid resource set (as the API server would admit it, CEL aside). */
export const resourceSetObjects: fc.Arbitrary<KubeObject[]> = fc
  .tuple(
    fc.array(gatewayClass, { minLength: 1, maxLength: 2 }),
    fc.array(gateway, { minLength: 1, maxLength: 3 }),
    fc.array(listenerSet, { maxLength: 2 }),
    fc.array(fc.oneof(httpRoute, httpRoute, grpcRoute, l4Route), { maxLength: 6 }),
    fc.array(fc.oneof(service, endpointSlice, referenceGrant, secret, namespace), { maxLength: 10 }),
  )
  .map((parts) => parts.flat() as KubeObject[]);
