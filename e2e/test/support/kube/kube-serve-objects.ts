/**
 * The cluster the `portico serve --kubernetes` end-to-end tests apply (kubernetes-serve*.test.ts), as
 * plain objects: the same list goes to the API server and, as YAML, to `portico translate`, so the
 * statuses of both can be compared. A Gateway `edge/web` with an HTTP listener for three HTTPRoutes
 * (one valid, one to a missing Service, one to another namespace without a ReferenceGrant) and a
 * listener for a GRPCRoute to real gRPC echo backends. The API server refuses loopback addresses in
 * an EndpointSlice, so the backends listen on this machine's first non-loopback IPv4 address.
 */
import { networkInterfaces } from 'node:os';

export const GW_API = 'gateway.networking.k8s.io/v1';
export const CONTROLLER_NAME = 'portico.dev/gateway-controller';
export const EDGE = 'edge';
export const APPS = 'apps';
export const PORTICO_NAMESPACE = 'portico-system';
export const GATEWAY_NAME = 'web';
export const GATEWAY = `${EDGE}/${GATEWAY_NAME}`;
export const ECHO_HOST = 'echo.test';
export const GRPC_PORT = 8080;
/** What a proxyless client dials: its LDS resource is `echo.test:8080` (xds proxyless.ts). */
export const ECHO_TARGET = `xds:///${ECHO_HOST}:${GRPC_PORT}`;

export type Listener = { name: string; protocol: string; port: number; hostname?: string };
export const HTTP_LISTENER: Listener = { name: 'http', protocol: 'HTTP', port: 80 };
export const GRPC_LISTENER: Listener = { name: 'grpc', protocol: 'HTTP', port: GRPC_PORT, hostname: ECHO_HOST };
export const ADMIN_LISTENER: Listener = { name: 'admin', protocol: 'HTTP', port: 9090 };

export const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const gatewayClass = () => ({ apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER_NAME } });

export function gateway(listeners: Listener[] = [HTTP_LISTENER, GRPC_LISTENER]) {
  return { apiVersion: GW_API, kind: 'Gateway', metadata: { name: GATEWAY_NAME, namespace: EDGE }, spec: { gatewayClassName: 'portico', listeners } };
}

/** An HTTPRoute on the `http` listener with one backend (`namespace` set: a cross-namespace reference). */
export function httpRoute(name: string, backend: { name: string; namespace?: string; port?: number }, path = `/${name}`) {
  return {
    apiVersion: GW_API,
    kind: 'HTTPRoute',
    metadata: { name, namespace: EDGE },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, sectionName: HTTP_LISTENER.name }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ ...backend, port: backend.port ?? 80 }] }],
    },
  };
}

export function grpcRoute(service = 'echo') {
  return {
    apiVersion: GW_API,
    kind: 'GRPCRoute',
    metadata: { name: 'echo', namespace: EDGE },
    spec: { parentRefs: [{ name: GATEWAY_NAME, sectionName: GRPC_LISTENER.name }], hostnames: [ECHO_HOST], rules: [{ backendRefs: [{ name: service, port: 9000 }] }] },
  };
}

/** Lets HTTPRoutes of `edge` use the Services of `apps` (GEP-709). */
export function referenceGrant() {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'edge-routes', namespace: APPS },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: EDGE }], to: [{ group: '', kind: 'Service' }] },
  };
}

/** A Service; `h2c` marks a gRPC backend (cleartext HTTP/2). */
export function service(ns: string, name: string, port: number, h2c = false) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ports: [{ name: h2c ? 'grpc' : 'http', port, ...(h2c ? { appProtocol: 'kubernetes.io/h2c' } : {}) }] },
  };
}

/**
 * An address of this machine that an EndpointSlice may name (not loopback, not link-local), where the
 * test's backends listen and the xDS client reaches them.
 */
export function endpointHost(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'));
  if (!address) throw new Error('no non-loopback IPv4 address on this machine: an EndpointSlice may not name 127.0.0.1');
  return address.address;
}

/** The Service's one EndpointSlice: `host`:`targetPort`, ready. */
export function endpointSlice(ns: string, serviceName: string, host: string, targetPort: number, h2c = false) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ name: h2c ? 'grpc' : 'http', port: targetPort, protocol: 'TCP' }],
    endpoints: [{ addresses: [host], conditions: { ready: true } }],
  };
}

/**
 * Everything but the Namespaces, in apply order. `echoPort`: the echo backend (on `host`) the `echo`
 * Service's EndpointSlice points at; `httpPort`: any port for the HTTP Services (no HTTP call is made).
 */
export function clusterObjects(ports: { host: string; echoPort: number; httpPort: number }): object[] {
  return [
    gatewayClass(),
    gateway(),
    service(EDGE, 'web', 80),
    endpointSlice(EDGE, 'web', ports.host, ports.httpPort),
    service(APPS, 'api', 80),
    endpointSlice(APPS, 'api', ports.host, ports.httpPort),
    service(EDGE, 'echo', 9000, true),
    endpointSlice(EDGE, 'echo', ports.host, ports.echoPort, true),
    httpRoute('valid', { name: 'web' }),
    httpRoute('missing', { name: 'nope' }),
    httpRoute('cross', { name: 'api', namespace: APPS }),
    grpcRoute(),
  ];
}
