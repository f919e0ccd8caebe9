/**
 * The Kubernetes side of the suite's steps (upstream's test/kubernetes), through the API server:
 * a random namespace per scenario (labelled so a later run can clean up what a killed one left),
 * applying objects, waiting for ready endpoints and for the Ingress's status address, scaling a
 * backend, and deleting the namespace. Every wait is bounded and names what it waited for.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { issueCertificateAuthority, issueServerCertificate } from '@portico/server';
import { applyObjects, kubeRequest } from '../../test/support/kube/kube-apply.js';
import { pollUntil } from '../../test/support/wait.js';

export const NAMESPACE_PREFIX = 'ingress-conformance-';
const NAMESPACE_LABEL = { key: 'app.kubernetes.io/name', value: 'ingress-conformance' };

export interface ClusterSteps {
  createNamespace(): Promise<string>;
  deleteNamespace(namespace: string, timeoutMs: number): Promise<void>;
  /** Deletes the namespaces earlier runs left behind (same label), without waiting. */
  deleteLeftoverNamespaces(): Promise<string[]>;
  apply(objects: object[]): Promise<void>;
  waitForReadyEndpoints(namespace: string, service: string, count: number, timeoutMs: number): Promise<void>;
  /** The first IP or hostname in the Ingress's status.loadBalancer.ingress, undefined while there is none. */
  ingressAddress(namespace: string, name: string): Promise<string | undefined>;
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<void>;
}

function expectStatus(what: string, response: { status: number; body: unknown }, ok: number[]): void {
  if (!ok.includes(response.status)) throw new Error(`${what}: HTTP ${response.status}: ${(response.body as { message?: string })?.message ?? JSON.stringify(response.body)}`);
}

interface EndpointSlice {
  endpoints?: { conditions?: { ready?: boolean } }[];
}

/** Ready endpoints over all the Service's EndpointSlices (a missing `ready` means ready, per the API). */
export function countReadyEndpoints(slices: readonly EndpointSlice[]): number {
  return slices.reduce((n, slice) => n + (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length, 0);
}

export function createClusterSteps(kubeConfig: KubeConfig): ClusterSteps {
  const request = (method: string, path: string, body?: unknown, contentType?: string) => kubeRequest(kubeConfig, method, path, body, contentType);
  return {
    async createNamespace() {
      const response = await request('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { generateName: NAMESPACE_PREFIX, labels: { [NAMESPACE_LABEL.key]: NAMESPACE_LABEL.value } },
      });
      expectStatus('create namespace', response, [201]);
      return (response.body as { metadata: { name: string } }).metadata.name;
    },
    async deleteNamespace(namespace, timeoutMs) {
      const response = await request('DELETE', `/api/v1/namespaces/${namespace}`, { propagationPolicy: 'Background', gracePeriodSeconds: 0 });
      expectStatus(`delete namespace ${namespace}`, response, [200, 202, 404]);
      await pollUntil(`namespace ${namespace} deleted`, async () => (await request('GET', `/api/v1/namespaces/${namespace}`)).status === 404, timeoutMs, 500);
    },
    async deleteLeftoverNamespaces() {
      const selector = encodeURIComponent(`${NAMESPACE_LABEL.key}=${NAMESPACE_LABEL.value}`);
      const response = await request('GET', `/api/v1/namespaces?labelSelector=${selector}`);
      expectStatus('list namespaces', response, [200]);
      const names = ((response.body as { items: { metadata: { name: string } }[] }).items ?? []).map((ns) => ns.metadata.name);
      for (const name of names) expectStatus(`delete namespace ${name}`, await request('DELETE', `/api/v1/namespaces/${name}`), [200, 202, 404]);
      return names;
    },
    apply: (objects) => applyObjects(kubeConfig, objects),
    async waitForReadyEndpoints(namespace, service, count, timeoutMs) {
      const selector = encodeURIComponent(`kubernetes.io/service-name=${service}`);
      await pollUntil(
        `${count} ready endpoint(s) of service ${namespace}/${service}`,
        async () => {
          const response = await request('GET', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`);
          return response.status === 200 && countReadyEndpoints((response.body as { items: EndpointSlice[] }).items ?? []) === count;
        },
        timeoutMs,
        500,
      );
    },
    async ingressAddress(namespace, name) {
      const response = await request('GET', `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}`);
      expectStatus(`get Ingress ${namespace}/${name}`, response, [200]);
      const points = (response.body as { status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } }).status?.loadBalancer?.ingress ?? [];
      for (const point of points) {
        const address = point.ip || point.hostname;
        if (address) return address;
      }
      return undefined;
    },
    async scaleDeployment(namespace, name, replicas) {
      const response = await request('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale`, { spec: { replicas } }, 'application/merge-patch+json');
      expectStatus(`scale deployment ${namespace}/${name}`, response, [200]);
    },
  };
}

/**
 * "a self-signed TLS secret named … for the … hostname": a kubernetes.io/tls Secret whose certificate
 * names `host`. Signed by a throwaway CA rather than by itself (Portico's certificate helpers issue
 * leaves under a CA); nobody verifies it, and the step that follows reads only its first DNS name.
 */
export function tlsSecret(namespace: string, name: string, host: string): object {
  const ca = issueCertificateAuthority();
  const leaf = issueServerCertificate(ca, { dnsNames: [host], ipAddresses: [] });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace },
    data: { 'tls.crt': Buffer.from(leaf.cert).toString('base64'), 'tls.key': Buffer.from(leaf.key).toString('base64') },
  };
}
