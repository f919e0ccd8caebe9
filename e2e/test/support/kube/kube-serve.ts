/**
 * `portico serve --kubernetes` as a child process against the test API server
 * (support/kube/kube-apiserver.ts), and what its tests read back: Prometheus figures from /metrics, and
 * objects (statuses) straight from the API server.
 */
import type { KubeApiServer } from './kube-apiserver.js';
import { kubeRequest } from './kube-apply.js';
import { PORTICO_NAMESPACE } from './kube-serve-objects.js';
import { startServeProcess, type ServeProcess } from '../serve-process.js';

export interface KubernetesServeOptions {
  /** `--pod-name`: the replica's identity in the Lease (default `portico-0`). */
  podName?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Spawns `portico serve --kubernetes` with the API server's admin kubeconfig; not waited for. */
export function startKubernetesServe(kube: KubeApiServer, options: KubernetesServeOptions = {}): Promise<ServeProcess> {
  return startServeProcess({
    extraArgs: ['--kubernetes', '--kubeconfig', kube.kubeconfigPath, '--namespace', PORTICO_NAMESPACE, '--pod-name', options.podName ?? 'portico-0', ...(options.extraArgs ?? [])],
    ...(options.env ? { env: options.env } : {}),
  });
}

/** The value of one series on /metrics (`name{labels}`), undefined when it is not exported. */
export async function metricValue(serve: ServeProcess, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${serve.adminPort}/metrics`)).text();
  return seriesValue(text, name, labels);
}

/** Prometheus text format: the first sample of `name` whose labels include `labels`. */
export function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** `portico_status_writes{outcome="written"}`: statuses this replica stored in the API server. */
export async function statusWrites(serve: ServeProcess): Promise<number> {
  return (await metricValue(serve, 'portico_status_writes', { outcome: 'written' })) ?? 0;
}

export async function isLeader(serve: ServeProcess): Promise<boolean> {
  return (await metricValue(serve, 'portico_leader')) === 1;
}

const PLURALS: Record<string, string> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  ReferenceGrant: 'referencegrants',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
  Deployment: 'deployments',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
};

/** The API path of an object of the kinds these tests use. */
export function objectPath(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`objectPath: no plural known for ${kind}`);
  const group = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${group}${namespace ? `/namespaces/${namespace}` : ''}/${plural}/${name}`;
}

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** The object as the API server stores it, or undefined when it does not exist. */
export async function getObject(kube: KubeApiServer, path: string): Promise<StoredObject | undefined> {
  const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', path);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status} ${JSON.stringify(body)}`);
  return body as StoredObject;
}

export async function deleteObject(kube: KubeApiServer, path: string): Promise<void> {
  const { status, body } = await kubeRequest(kube.kubeConfig, 'DELETE', path);
  if (status !== 200 && status !== 202 && status !== 404) throw new Error(`DELETE ${path}: HTTP ${status} ${JSON.stringify(body)}`);
}

/**
 * Writes a Deployment's replica counts through its /status subresource, as kube-controller-manager
 * would once its pods are ready (no pods run against the test API server).
 */
export async function setDeploymentReplicas(kube: KubeApiServer, namespace: string, name: string, replicas: { replicas: number; available: number }): Promise<void> {
  const path = `${objectPath('apps/v1', 'Deployment', namespace, name)}/status`;
  const status = { replicas: replicas.replicas, updatedReplicas: replicas.replicas, readyReplicas: replicas.available, availableReplicas: replicas.available };
  const { status: code, body } = await kubeRequest(kube.kubeConfig, 'PATCH', path, { status }, 'application/merge-patch+json');
  if (code !== 200) throw new Error(`PATCH ${path}: HTTP ${code} ${JSON.stringify(body)}`);
}

/** Bounded polling of an async check: resolves with its first defined value. */
export async function pollFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
