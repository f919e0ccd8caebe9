/**
 * The YAML the isolation tests share: a GatewayClass with the one Gateway whose HTTP listener the
 * teams share, a Service with its EndpointSlice on a loopback backend, and HTTPRoutes on the shared
 * listener. Each test keeps only the objects of its own scenario.
 */
import type { Echo } from './isolation-traffic.js';
import { loopbackServiceYaml } from './loopback-service.js';

export const GATEWAY = 'infra/shared';

export interface GatewayYamlOptions {
  port: number;
  /** The GatewayClass's name: each test has its own, so a failure's dump says which test wrote it. */
  className: string;
  namespace: string;
  name?: string;
  /** `allowedRoutes: { namespaces: { from: All } }`: routes of every team's namespace may attach. */
  fromAllNamespaces?: boolean;
}

/** A GatewayClass of Portico's controller and a Gateway of that class with one HTTP listener. */
export function gatewayYaml(options: GatewayYamlOptions): string {
  const allowed = options.fromAllNamespaces ? ', allowedRoutes: { namespaces: { from: All } }' : '';
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: ${options.className} }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${options.name ?? 'shared'}, namespace: ${options.namespace} }
spec:
  gatewayClassName: ${options.className}
  listeners:
  - { name: http, protocol: HTTP, port: ${options.port}${allowed} }
`;
}

/** A Service `name` (port 80) with one EndpointSlice pointing at a backend on 127.0.0.1:`port`. */
export function serviceYaml(namespace: string, name: string, port: number): string {
  return loopbackServiceYaml(name, port, { namespace });
}

/** A Service `echo-<name>` (port 80) with an EndpointSlice pointing at the echo's loopback port. */
export function echoServiceYaml(echo: Echo, namespace = 'default'): string {
  return serviceYaml(namespace, `echo-${echo.name}`, echo.port);
}

/** GatewayClass, the shared Gateway (infra/shared, routes from All), and the echo Service in each namespace. */
export function baseYaml(listenerPort: number, echoPort: number, namespaces: readonly string[]): string {
  return gatewayYaml({ port: listenerPort, className: 'portico-isolation', namespace: 'infra', fromAllNamespaces: true }) + namespaces.map((ns) => serviceYaml(ns, 'echo', echoPort)).join('');
}

/** An HTTPRoute on the shared Gateway (by default infra/shared); `rules` is YAML indented for `spec.rules`. */
export function routeYaml(namespace: string, name: string, rules: string, gatewayNamespace = 'infra'): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  parentRefs: [{ name: shared, namespace: ${gatewayNamespace} }]
  rules:
${rules}`;
}
