/**
 * Test inputs of the server package: a Gateway with one HTTP listener and a GRPCRoute for `echo.test`
 * (so proxyless resources exist), as YAML text, and a fake ResourceProvider a test drives by hand.
 */
import type { ProviderSnapshot, ResourceProvider, SourceStatus } from '@portico/provider';
import { parseResources, ResourceSet, type Resource } from '@portico/resources';

export const GATEWAY = 'default/gw';

export interface DemoOptions {
  /** The header value of the GRPCRoute's first rule. */
  headerValue?: string;
  /** The Gateway's name (`gw` by default). */
  gatewayName?: string;
}

export function demoYaml(options: DemoOptions = {}): string {
  const gateway = options.gatewayName ?? 'gw';
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${gateway}, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, protocol: HTTP, port: 8080 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: echo, namespace: default }
spec:
  parentRefs: [{ name: ${gateway} }]
  hostnames: [echo.test]
  rules:
  - matches:
    - headers: [{ name: x-backend, value: ${options.headerValue ?? 'canary'} }]
    backendRefs: [{ name: echo, port: 9000 }]
  - backendRefs: [{ name: missing, port: 9000 }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: default }
spec:
  ports: [{ name: grpc, port: 9000, appProtocol: kubernetes.io/h2c }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: default
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
ports: [{ name: grpc, port: 9101 }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`;
}

export function demoObjects(options: DemoOptions = {}): Resource[] {
  return parseResources(demoYaml(options), 'demo.yaml').objects;
}

export interface FakeProvider extends ResourceProvider {
  /** Publishes a new snapshot of these objects to the listeners (as the file provider does after a change). */
  emit(objects: Resource[]): ProviderSnapshot;
  /** Publishes a snapshot whose ResourceSet is given as is (e.g. one the translator cannot read). */
  emitResources(objects: Resource[], resources: ResourceSet): ProviderSnapshot;
  setSources(sources: SourceStatus[]): void;
  readonly stopped: boolean;
}

/** A ResourceProvider whose snapshots the test emits; `start` resolves with the initial objects. */
export function fakeProvider(initial: Resource[], options: { failStart?: Error } = {}): FakeProvider {
  let snapshot: ProviderSnapshot = { generation: 1, objects: initial, resources: ResourceSet.from(initial) };
  let sources: SourceStatus[] = [{ source: 'demo.yaml', state: 'ok', objects: initial.length, warnings: [] }];
  const listeners = new Set<(s: ProviderSnapshot) => void>();
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    start: () => (options.failStart ? Promise.reject(options.failStart) : Promise.resolve(snapshot)),
    stop: async () => {
      stopped = true;
    },
    current: () => snapshot,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sources: () => sources,
    setSources(next) {
      sources = next;
    },
    emit(objects) {
      return this.emitResources(objects, ResourceSet.from(objects));
    },
    emitResources(objects, resources) {
      snapshot = { generation: snapshot.generation + 1, objects, resources };
      for (const listener of [...listeners]) listener(snapshot);
      return snapshot;
    },
  };
}
