/**
 * The certificates as Kubernetes Secrets in Portico's namespace (names.ts says which and why four):
 * read with GET, written with create or a replace carrying the read resourceVersion, so a concurrent
 * writer is detected (409) instead of overwritten. Labels and annotations others put on the Secrets
 * are kept. Error messages carry the API server's status text, never a Secret's data.
 */
import { ApiException, CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { StoreConflictError, StoreError, type CertificateStore, type WriteResult } from './certificate-store.js';
import { CA_KEY_SECRET, CA_SECRET, CLIENT_SECRET, SERVER_SECRET } from './names.js';
import type { StoredCertificates, XdsCertificates } from './renewal-plan.js';

export interface SecretStoreOptions {
  kubeConfig: KubeConfig;
  /** Portico's namespace: the CA Secrets and the server Secret. */
  namespace: string;
  /** Where the Envoys run and mount the client Secret (default: `namespace`). */
  envoyNamespace?: string;
}

const LABELS = { 'app.kubernetes.io/part-of': 'portico', 'app.kubernetes.io/managed-by': 'portico-certgen' };
const TLS_TYPE = 'kubernetes.io/tls';

interface SecretSpec {
  namespace: string;
  name: string;
  type: string;
  data: Record<string, string>;
}

export function createSecretStore(options: SecretStoreOptions): CertificateStore {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace } = options;
  const envoyNamespace = options.envoyNamespace ?? namespace;
  const read = (ns: string, name: string) => readSecret(api, ns, name);

  return {
    description: `Secrets in namespace ${namespace}${envoyNamespace === namespace ? '' : ` (the client's in ${envoyNamespace})`}`,
    async read(): Promise<StoredCertificates> {
      const [ca, server, client] = await Promise.all([read(namespace, CA_KEY_SECRET), read(namespace, SERVER_SECRET), read(envoyNamespace, CLIENT_SECRET)]);
      const stored: StoredCertificates = {};
      if (ca) stored.ca = { cert: ca.data['tls.crt'], key: ca.data['tls.key'] };
      if (server) stored.server = { cert: server.data['tls.crt'], key: server.data['tls.key'], ca: server.data['ca.crt'] };
      if (client) stored.client = { cert: client.data['tls.crt'], key: client.data['tls.key'], ca: client.data['ca.crt'] };
      return stored;
    },
    async write(certificates: XdsCertificates): Promise<WriteResult[]> {
      const { ca, server, client } = certificates;
      // The CA key first: a run interrupted half-way then finds its CA and reissues only what is missing.
      const specs: SecretSpec[] = [
        { namespace, name: CA_KEY_SECRET, type: TLS_TYPE, data: { 'tls.crt': ca.cert, 'tls.key': ca.key } },
        { namespace, name: CA_SECRET, type: 'Opaque', data: { 'ca.crt': ca.cert } },
        { namespace, name: SERVER_SECRET, type: TLS_TYPE, data: { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': server.ca } },
        { namespace: envoyNamespace, name: CLIENT_SECRET, type: TLS_TYPE, data: { 'tls.crt': client.cert, 'tls.key': client.key, 'ca.crt': client.ca } },
      ];
      const results: WriteResult[] = [];
      for (const spec of specs) results.push({ target: `Secret ${spec.namespace}/${spec.name}`, action: await writeSecret(api, spec) });
      return results;
    },
  };
}

/**
 * KUBECONFIG, then ~/.kube/config, then the pod's service account (in-cluster), as kubectl looks.
 * Throws StoreError when none names a cluster.
 */
export function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromDefault();
  } catch (error) {
    throw new StoreError(`cannot load a Kubernetes configuration: ${(error as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new StoreError('no Kubernetes cluster configured: set KUBECONFIG, or run inside a pod');
  return kubeConfig;
}

interface ReadSecret {
  secret: V1Secret;
  data: Record<string, string>;
}

async function readSecret(api: CoreV1Api, namespace: string, name: string): Promise<ReadSecret | undefined> {
  try {
    const secret = await api.readNamespacedSecret({ namespace, name });
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    return { secret, data };
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw storeError(error, `read Secret ${namespace}/${name}`);
  }
}

async function writeSecret(api: CoreV1Api, spec: SecretSpec): Promise<WriteResult['action']> {
  const current = await readSecret(api, spec.namespace, spec.name);
  const data = Object.fromEntries(Object.entries(spec.data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
  const where = `Secret ${spec.namespace}/${spec.name}`;
  if (!current) {
    const body: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: spec.name, namespace: spec.namespace, labels: LABELS }, type: spec.type, data };
    try {
      await api.createNamespacedSecret({ namespace: spec.namespace, body });
      return 'created';
    } catch (error) {
      if (statusCode(error) === 409) throw new StoreConflictError(`${where} was created by someone else meanwhile`);
      throw storeError(error, `create ${where}`);
    }
  }
  if ((current.secret.type ?? 'Opaque') !== spec.type) {
    // The type of a Secret is immutable: only a delete and a new create could change it, and deleting
    // a Secret someone made by hand is not certgen's decision.
    throw new StoreError(`${where} has type ${current.secret.type ?? 'Opaque'}, not ${spec.type}: delete it (certgen then creates it) or fix it by hand`);
  }
  if (Object.entries(spec.data).every(([key, value]) => current.data[key] === value)) return 'unchanged';
  // managedFields are the API server's bookkeeping: sent back, they would overwrite it.
  const { managedFields: _managedFields, ...metadata } = current.secret.metadata ?? {};
  const body: V1Secret = {
    ...current.secret,
    metadata: { ...metadata, labels: { ...metadata.labels, ...LABELS } },
    // Keys others added to the Secret stay; ours are replaced.
    data: { ...current.secret.data, ...data },
  };
  try {
    await api.replaceNamespacedSecret({ namespace: spec.namespace, name: spec.name, body });
    return 'updated';
  } catch (error) {
    if (statusCode(error) === 409) throw new StoreConflictError(`${where} was changed by someone else meanwhile`);
    throw storeError(error, `update ${where}`);
  }
}

function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The API server's own explanation (`secrets is forbidden: User … cannot create …`), never the request. */
function storeError(error: unknown, what: string): Error {
  if (!(error instanceof ApiException)) return new StoreError(`cannot ${what}: ${(error as Error).message ?? String(error)}`);
  const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  const message = (body as { message?: unknown } | undefined)?.message;
  return new StoreError(`cannot ${what}: HTTP ${error.code}${typeof message === 'string' ? ` (${message})` : ''}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
