/**
 * Create-or-update of arbitrary Kubernetes objects, the way `kubectl apply --server-side` does it:
 * one server-side-apply PATCH per object, so the caller needs neither to know whether the object
 * exists nor to carry resourceVersions. Objects are applied in the order given (a Namespace before
 * what lives in it, a CRD before its custom resources).
 *
 * The body goes out exactly as given. KubernetesObjectApi.patch would first pass it through
 * client-node's model serializer, which expects its camelCase TypeScript shapes for built-in kinds
 * and silently drops what it does not know: a CRD's `x-kubernetes-validations`, a field newer than
 * the client. So the request is plain HTTPS with the KubeConfig's credentials, and only the
 * kind → resource lookup uses API discovery.
 */
import { request } from 'node:https';
import type { KubeConfig, V1APIResource } from '@kubernetes/client-node';

export const FIELD_MANAGER = 'portico-e2e';

/**
 * A kind served by a CRD established a moment ago can still be missing from discovery for a moment.
 * Worth a short retry; nothing else is.
 */
const DISCOVERY_RETRY_MS = 10_000;

interface ObjectHeader {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

/** One HTTPS request to the API server with the KubeConfig's server, CA and credentials; JSON in and out. */
export async function kubeRequest(kubeConfig: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the KubeConfig has no current cluster');
  const options: Parameters<typeof request>[1] = { method, headers: { Accept: 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) options.headers = { ...options.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON (e.g. a plain-text error): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The API resource serving `kind` in `apiVersion`, by discovery; undefined while it is not served. */
async function discoverResource(kubeConfig: KubeConfig, apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
  const { status, body } = await kubeRequest(kubeConfig, 'GET', groupVersionPath(apiVersion));
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`discovery of ${apiVersion}: HTTP ${status} ${JSON.stringify(body)}`);
  return (body as { resources: V1APIResource[] }).resources.find((r) => r.kind === kind && !r.name.includes('/'));
}

function describeObject(object: ObjectHeader): string {
  const { namespace, name } = object.metadata ?? {};
  return `${object.apiVersion} ${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** The object's URL path; namespaced kinds without a namespace go to `default`, as kubectl does. */
async function objectPath(kubeConfig: KubeConfig, object: ObjectHeader): Promise<string> {
  const { apiVersion, kind, metadata } = object;
  if (!apiVersion || !kind || !metadata?.name) throw new Error(`apply needs apiVersion, kind and metadata.name: ${JSON.stringify(object).slice(0, 200)}`);
  const deadline = Date.now() + DISCOVERY_RETRY_MS;
  let resource = await discoverResource(kubeConfig, apiVersion, kind);
  while (!resource) {
    if (Date.now() > deadline) throw new Error(`${apiVersion} ${kind} is not served by the API server`);
    await new Promise((r) => setTimeout(r, 100));
    resource = await discoverResource(kubeConfig, apiVersion, kind);
  }
  const namespace = resource.namespaced ? `/namespaces/${encodeURIComponent(metadata.namespace ?? 'default')}` : '';
  return `${groupVersionPath(apiVersion)}${namespace}/${resource.name}/${encodeURIComponent(metadata.name)}`;
}

/** Server-side applies each object in turn (field manager `portico-e2e`, conflicts forced). */
export async function applyObjects(kubeConfig: KubeConfig, objects: object[]): Promise<void> {
  for (const object of objects) {
    const path = await objectPath(kubeConfig, object as ObjectHeader);
    const { status, body } = await kubeRequest(kubeConfig, 'PATCH', `${path}?fieldManager=${FIELD_MANAGER}&force=true`, object, 'application/apply-patch+yaml');
    if (status !== 200 && status !== 201) {
      const message = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
      throw new Error(`apply ${describeObject(object as ObjectHeader)}: HTTP ${status}: ${message}`);
    }
  }
}
