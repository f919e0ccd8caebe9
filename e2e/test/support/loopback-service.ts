/**
 * A Service whose endpoints are test backends listening on loopback ports. The backends all share
 * 127.0.0.1, so each port needs an EndpointSlice of its own (a slice's ports apply to all of its
 * addresses).
 */
export interface LoopbackServiceOptions {
  namespace?: string;
  /** The Service's port, the one routes name (default 80). */
  port?: number;
  /** The port's name, on the Service and its slices (default `http`). */
  portName?: string;
}

export function loopbackServiceYaml(name: string, endpointPorts: number | readonly number[], options: LoopbackServiceOptions = {}): string {
  const { namespace = 'default', port = 80, portName = 'http' } = options;
  const slices = (typeof endpointPorts === 'number' ? [endpointPorts] : endpointPorts).map(
    (endpointPort, i) => `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-${i + 1}, namespace: ${namespace}, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
ports: [{ name: ${portName}, port: ${endpointPort} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`,
  );
  return `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec: { ports: [{ name: ${portName}, port: ${port} }] }
${slices.join('')}`;
}
