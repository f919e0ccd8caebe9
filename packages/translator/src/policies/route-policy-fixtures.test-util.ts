/**
 * The objects the route policy tests (SecurityPolicy, RateLimitPolicy) start from: Gateway `eg` with
 * one HTTP listener, HTTPRoute `web` with a named rule `admin` (/admin) and an unnamed one, Service
 * `web`; a policy of either kind; the routes of a translated Gateway.
 */
import type { GatewayIR, HTTPRouteIR } from '@portico/ir';

export const ROUTE_POLICY_BASE: readonly object[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace: 'default', name: 'eg' },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      parentRefs: [{ name: 'eg' }],
      rules: [
        { name: 'admin', matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'web', port: 80 }] },
        { backendRefs: [{ name: 'web', port: 80 }] },
      ],
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } },
];

/** A policy of `kind` in namespace default targeting `target` (group gateway.networking.k8s.io). */
export function routePolicy(kind: 'SecurityPolicy' | 'RateLimitPolicy', name: string, target: object, spec: object, creationTimestamp = '2025-01-01T00:00:00Z'): object {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind,
    metadata: { namespace: 'default', name, creationTimestamp },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', ...target }], ...spec },
  };
}

/** Every HTTP route of the Gateway's listeners. */
export function gatewayRoutes(gateway: GatewayIR | undefined): HTTPRouteIR[] {
  return (gateway?.listeners ?? []).flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []) : [])).flatMap((vh) => vh.routes);
}
