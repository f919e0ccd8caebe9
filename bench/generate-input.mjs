// The HTTP benchmark input (issue 7's shape): 1 Gateway (`default/bench`, one HTTP listener on port
// 80) serving 5 hostnames, N HTTPRoutes each with two matches, a header filter and two weighted
// backends, and N Services with one EndpointSlice each. Route i sends 90% to svc-i and 10% to
// svc-(i+1), so every Service is used twice.
import { backend, gateway, gatewayClass, httpRoute, listener } from './objects.mjs';

export const HTTP_GATEWAY = 'bench';
const HOSTS = ['shop.example.com', 'api.example.com', 'www.example.com', 'admin.example.com', 'static.example.com'];

/** The objects, in the order a provider would list them. */
export function generateObjects(routes) {
  const objects = [gatewayClass(), gateway(HTTP_GATEWAY, [listener('http', 'HTTP', 80)])];
  for (let i = 0; i < routes; i++) {
    objects.push(benchRoute(`route-${i}`, i, routes));
    objects.push(...backend(`svc-${i}`, i));
  }
  return objects;
}

/**
 * HTTPRoute `name` as the i-th route of an N-route input: on host i mod 5, backends svc-(i mod N) and
 * svc-(i+1 mod N). Churn routes (i ≥ N) reuse the existing Services.
 */
export function benchRoute(name, i, routes) {
  return httpRoute({ name, gatewayName: HTTP_GATEWAY, hostname: HOSTS[i % HOSTS.length], tenant: i % 7, created: i, services: [`svc-${i % routes}`, `svc-${(i + 1) % routes}`] });
}

/** The HTTP workload: its objects and the one HTTPRoute new routes are modelled on (for churn). */
export function httpWorkload(routes) {
  return { scenario: 'http', routes, objects: generateObjects(routes), churnRoute: (name, i) => benchRoute(name, i, routes) };
}
