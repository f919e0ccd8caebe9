// Builders of the Kubernetes objects the generated benchmark inputs are made of. Each object is built
// exactly as `portico serve` would hold it after loading the emitted YAML (the API server's defaults
// already applied: Service `type`, the CRDs' pending status of GatewayClass and Gateway, explicit
// backendRef group/kind), so the benchmark feeds the translator what a real provider feeds it; the
// smoke test (e2e/test/bench-smoke.test.ts) checks that by loading the emitted YAML back.
export const NAMESPACE = 'default';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const CONTROLLER_NAME = 'portico.dev/gateway-controller';
export const INGRESS_CONTROLLER = 'portico.dev/ingress-controller';

/** The CRDs' default status (`Waiting for controller`), which the API server stores on create. */
function pendingStatus(...types) {
  return {
    conditions: types.map((type) => ({ lastTransitionTime: '1970-01-01T00:00:00Z', message: 'Waiting for controller', reason: 'Pending', status: 'Unknown', type })),
  };
}

export function gatewayClass(name = 'portico') {
  return { apiVersion: GATEWAY_API, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: CONTROLLER_NAME }, status: pendingStatus('Accepted') };
}

export function gateway(name, listeners) {
  return {
    apiVersion: GATEWAY_API,
    kind: 'Gateway',
    metadata: { name, namespace: NAMESPACE },
    spec: { gatewayClassName: 'portico', listeners },
    status: pendingStatus('Accepted', 'Programmed'),
  };
}

/** Routes from every namespace may attach (the usual shared-gateway setup). */
export function listener(name, protocol, port, extra = {}) {
  return { name, protocol, port, ...extra, allowedRoutes: { namespaces: { from: 'All' } } };
}

/** Creation times one second apart, so route precedence ties resolve the same way every run. */
export function createdAt(i) {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + i * 1000).toISOString().replace('.000Z', 'Z');
}

export function parentRef(gatewayName, sectionName) {
  return { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gatewayName, ...(sectionName ? { sectionName } : {}) };
}

export function serviceRef(name, port, weight) {
  return { group: '', kind: 'Service', name, port, ...(weight === undefined ? {} : { weight }) };
}

/**
 * The HTTPRoute: two matches (a prefix with a header match on tenant `t<tenant>`, an exact
 * path), a header filter and two weighted backends (`services[0]` 90, `services[1]` 10), created
 * `created` seconds after the first route.
 */
export function httpRoute({ name, gatewayName, hostname, tenant, created, services }) {
  return {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name, namespace: NAMESPACE, creationTimestamp: createdAt(created) },
    spec: {
      parentRefs: [parentRef(gatewayName)],
      hostnames: [hostname],
      rules: [
        {
          matches: [
            { path: { type: 'PathPrefix', value: `/${name}` }, headers: [{ type: 'Exact', name: 'x-tenant', value: `t${tenant}` }] },
            { path: { type: 'Exact', value: `/${name}/exact` } },
          ],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: name }] } }],
          backendRefs: [serviceRef(services[0], 8080, 90), serviceRef(services[1], 8080, 10)],
        },
      ],
    },
  };
}

/** One port; `appProtocol` e.g. `kubernetes.io/h2c` for gRPC backends. */
export function service(name, { port = 8080, targetPort = 9000, protocol = 'TCP', appProtocol } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { ports: [{ name: 'main', port, targetPort, protocol, ...(appProtocol ? { appProtocol } : {}) }], type: 'ClusterIP' },
  };
}

/** Three ready endpoints in 10.<i>/16, the slice named after its Service (`<service>-1`). */
export function endpointSlice(serviceName, index, { port = 9000, protocol = 'TCP' } = {}) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ name: 'main', port, protocol }],
    endpoints: [1, 2, 3].map((e) => ({ addresses: [endpointAddress(index, e)], conditions: { ready: true } })),
  };
}

export function endpointAddress(index, host) {
  return `10.${(index >> 8) & 255}.${index & 255}.${host}`;
}

/** A Service with its EndpointSlice. */
export function backend(name, index, options = {}) {
  return [service(name, options), endpointSlice(name, index, { protocol: options.protocol ?? 'TCP', port: options.targetPort ?? 9000 })];
}
