/**
 * Test inputs of the infrastructure manifests: a Gateway as the API server returns it (with a uid)
 * and the IR of its listeners. Only listeners matter to the manifests, so the IR has no routes.
 */
import type { GatewayIR, ListenerIR } from '@portico/ir';
import type { Gateway } from '@portico/resources';

export function gateway(overrides: Partial<Gateway['spec']> = {}, name = 'demo', namespace = 'apps'): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, uid: '0b4f6c1e-2f6a-4c55-9d1e-7a3b5c9d0e11', generation: 1 },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }], ...overrides },
  };
}

/** IR listeners of `type-port` specs, e.g. `['HTTP-80', 'TLS-443', 'UDP-53']`. */
export function irWith(listeners: string[], name = 'apps/demo'): GatewayIR {
  return {
    name,
    gatewayClass: 'portico',
    listeners: listeners.map((spec) => {
      const [type, port] = spec.split('-') as [ListenerIR['type'], string];
      const common = { name: `${type.toLowerCase()}-${port}`, address: '0.0.0.0', port: Number(port), sources: ['l'] };
      switch (type) {
        case 'HTTP':
          return { ...common, type, virtualHosts: [] };
        case 'TLS':
          return { ...common, type, servers: [] };
        default:
          return { ...common, type };
      }
    }),
    backends: [],
  };
}
