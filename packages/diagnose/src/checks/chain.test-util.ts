/** Builds a DiagnoseInput from YAML for the chain checks' unit tests (offline, as `diagnose -f` does). */
import { parseResources } from '@portico/resources';
import type { DiagnoseInput, Finding } from '../findings.js';
import { offlineInput } from '../offline-input.js';

export const NOW = new Date('2026-01-01T00:00:00Z');

export const CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
`;

export function inputOf(...documents: string[]): DiagnoseInput {
  const { objects } = parseResources(documents.join('---\n'), 'test.yaml', { kubernetesRules: 'warn' });
  return offlineInput(objects, NOW);
}

export function gatewayYaml(name: string, namespace: string, listeners: string, extra = ''): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  gatewayClassName: portico
${extra}  listeners:
${listeners}`;
}

export function routeYaml(name: string, namespace: string, spec: string, kind = 'HTTPRoute'): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec}`;
}

/** `LEVEL code` per finding, the shape most assertions need. */
export function summary(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.level} ${f.code}`);
}
