/**
 * The echo backends a scenario's Ingress names: for every service it references (defaultBackend and
 * every path), a Deployment `<ingress>-<service>` of echo-basic and a Service `<service>` in front of
 * it, as upstream's DeploymentsFromIngress makes them (test/kubernetes/deployment.go): container port
 * 3000, the Service port the Ingress names (its number, or 8080 under the port name it uses), and the
 * env that makes echo-basic report the pod, namespace, Ingress and Service it belongs to.
 *
 * Upstream's echoserver image is not available here; the Gateway API suite's echo-basic
 * (registry.k8s.io/gateway-api/conformance/echo-basic, which the node agent runs) answers with the same
 * JSON fields the Ingress suite reads: path, host, method, proto, headers, namespace, ingress, service, pod.
 */
import type { IngressManifest, ServiceBackend } from './scenario-types.js';

export const ECHO_IMAGE = 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0';
const ECHO_PORT = 3000;
/** Upstream: "if no port is defined, use default 8080". */
const DEFAULT_SERVICE_PORT = 8080;

export interface EchoBackend {
  deploymentName: string;
  serviceName: string;
  servicePort: number;
  servicePortName?: string;
}

/** The distinct services the Ingress references, in order of first reference (the first one wins, as upstream skips a Deployment that exists). */
export function echoBackendsOf(ingress: IngressManifest): EchoBackend[] {
  const refs: ServiceBackend[] = [];
  if (ingress.spec.defaultBackend) refs.push(ingress.spec.defaultBackend);
  for (const rule of ingress.spec.rules ?? []) for (const p of rule.http?.paths ?? []) refs.push(p.backend);
  const out = new Map<string, EchoBackend>();
  for (const { service } of refs) {
    if (out.has(service.name)) continue;
    out.set(service.name, {
      deploymentName: `${ingress.metadata.name}-${service.name}`,
      serviceName: service.name,
      servicePort: service.port.number || DEFAULT_SERVICE_PORT,
      ...(service.port.name ? { servicePortName: service.port.name } : {}),
    });
  }
  return [...out.values()];
}

/** The Deployment and Service of one backend, in `namespace`. */
export function echoBackendObjects(backend: EchoBackend, namespace: string, ingressName: string): object[] {
  const labels = { app: backend.deploymentName };
  const probe = { httpGet: { path: '/health', port: ECHO_PORT, scheme: 'HTTP' }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 10 };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: backend.deploymentName, namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'ingress-conformance-echo',
                image: ECHO_IMAGE,
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'INGRESS_NAME', value: ingressName },
                  { name: 'SERVICE_NAME', value: backend.serviceName },
                ],
                ports: [{ ...(backend.servicePortName ? { name: backend.servicePortName } : {}), containerPort: ECHO_PORT }],
                livenessProbe: probe,
                readinessProbe: probe,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: backend.serviceName, namespace },
      spec: {
        selector: labels,
        ports: [{ ...(backend.servicePortName ? { name: backend.servicePortName } : {}), port: backend.servicePort, targetPort: ECHO_PORT }],
      },
    },
  ];
}
