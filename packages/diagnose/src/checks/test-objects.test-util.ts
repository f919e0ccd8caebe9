/** Building a DiagnoseInput from YAML in unit tests, translated offline as `portico diagnose -f` does. */
import { parseResources } from '@portico/resources';
import type { TranslateOptions } from '@portico/translator';
import type { DiagnoseInput } from '../findings.js';
import { offlineInput } from '../offline-input.js';

export const TEST_NOW = new Date('2026-01-01T00:00:00Z');

export function inputOf(yaml: string, options: TranslateOptions = {}): DiagnoseInput {
  const { objects } = parseResources(yaml, 'test.yaml', { kubernetesRules: 'warn' });
  return offlineInput(objects, TEST_NOW, options);
}

export const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, protocol: HTTP, port: 80 }
  - { name: udp, protocol: UDP, port: 53 }
`;

export function service(name: string, ports: string, namespace = 'default'): string {
  return `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { app: ${name} }
  ports: ${ports}
`;
}

export function readySlice(service: string, portName: string, port: number, namespace = 'default'): string {
  return `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-${portName || 'x'}, namespace: ${namespace}, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: "${portName}", port: ${port} }]
endpoints: [{ addresses: [10.0.0.9] }]
`;
}
