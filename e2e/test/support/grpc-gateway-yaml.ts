/**
 * The Gateway API input of the gRPC end-to-end tests, as YAML text (what a user would apply): a
 * Gateway with one HTTP listener, a GRPCRoute for `echo.test` with a header match, a method
 * ("path") match and an 80/20 weighted default, and per backend a Service plus an EndpointSlice
 * pointing at a real local gRPC server (127.0.0.1:<its port>).
 */

export const NAMESPACE = 'default';
export const GATEWAY_NAME = 'grpc-gw';
export const GATEWAY = `${NAMESPACE}/${GATEWAY_NAME}`;
export const HOSTNAME = 'echo.test';
export const LISTENER_PORT = 8080;
/** What a proxyless client dials: its LDS resource is `echo.test:8080`. */
export const TARGET = `xds:///${HOSTNAME}:${LISTENER_PORT}`;
export const SERVICE_PORT = 9000;

export interface GrpcScenario {
  /** Service name → the local port its EndpointSlice points at. */
  endpoints: Record<string, number>;
  /** Calls with this `x-backend` header value go to `headerMatchService`. */
  headerValue: string;
  headerMatchService: string;
  /** `/portico.test.Echo/Admin` goes to this Service. */
  methodMatchService: string;
  /** The default rule: Service → weight. */
  weighted: Record<string, number>;
  /** Services that get a BackendTLSPolicy (their clusters then originate TLS). */
  backendTls?: string[];
}

export function grpcGatewayYaml(s: GrpcScenario): string {
  const docs = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: portico
spec:
  controllerName: portico.dev/gateway-controller`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${GATEWAY_NAME}
  namespace: ${NAMESPACE}
spec:
  gatewayClassName: portico
  listeners:
  - name: grpc
    protocol: HTTP
    port: ${LISTENER_PORT}`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: echo
  namespace: ${NAMESPACE}
spec:
  parentRefs:
  - name: ${GATEWAY_NAME}
  hostnames: [${HOSTNAME}]
  rules:
  - matches:
    - headers:
      - name: x-backend
        value: ${s.headerValue}
    backendRefs:
    - name: ${s.headerMatchService}
      port: ${SERVICE_PORT}
  - matches:
    - method:
        service: portico.test.Echo
        method: Admin
    backendRefs:
    - name: ${s.methodMatchService}
      port: ${SERVICE_PORT}
  - backendRefs:
${Object.entries(s.weighted)
  .map(([name, weight]) => `    - name: ${name}\n      port: ${SERVICE_PORT}\n      weight: ${weight}`)
  .join('\n')}`,
  ];
  for (const [name, port] of Object.entries(s.endpoints)) {
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  ports:
  - name: grpc
    port: ${SERVICE_PORT}
    appProtocol: kubernetes.io/h2c`);
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-1
  namespace: ${NAMESPACE}
  labels:
    kubernetes.io/service-name: ${name}
addressType: IPv4
ports:
- name: grpc
  port: ${port}
endpoints:
- addresses: [127.0.0.1]
  conditions:
    ready: true`);
  }
  for (const name of s.backendTls ?? []) {
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: ${name}-tls
  namespace: ${NAMESPACE}
spec:
  targetRefs:
  - group: ""
    kind: Service
    name: ${name}
  validation:
    hostname: ${name}.${NAMESPACE}.svc
    wellKnownCACertificates: System`);
  }
  return docs.join('\n---\n') + '\n';
}
