// Realistic generated input (issue 7's shape): 1 Gateway with 5 hostnames, N HTTPRoutes each with two
// matches, a header filter and two weighted backends, and N Services with one EndpointSlice each.
const HOSTS = ['shop.example.com', 'api.example.com', 'www.example.com', 'admin.example.com', 'static.example.com'];

export function generateObjects(routes) {
  const objects = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'bench', namespace: 'default' },
      spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'All' } } }] },
    },
  ];
  for (let i = 0; i < routes; i++) {
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `route-${i}`, namespace: 'default', creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'bench' }],
        hostnames: [HOSTS[i % HOSTS.length]],
        rules: [
          {
            matches: [
              { path: { type: 'PathPrefix', value: `/svc-${i}` }, headers: [{ type: 'Exact', name: 'x-tenant', value: `t${i % 7}` }] },
              { path: { type: 'Exact', value: `/exact-${i}` } },
            ],
            filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: `route-${i}` }] } }],
            backendRefs: [
              { group: '', kind: 'Service', name: `svc-${i}`, port: 8080, weight: 90 },
              { group: '', kind: 'Service', name: `svc-${(i + 1) % routes}`, port: 8080, weight: 10 },
            ],
          },
        ],
      },
    });
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 8080, targetPort: 9000, protocol: 'TCP' }] } });
    objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `svc-${i}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 9000, protocol: 'TCP' }],
      endpoints: [0, 1, 2].map((e) => ({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${e + 1}`], conditions: { ready: true } })),
    });
  }
  return objects;
}
