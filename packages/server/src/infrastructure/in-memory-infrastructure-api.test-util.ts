/**
 * An API server in a map, for the manager's unit tests: apply stores the object (a Service gets a
 * cluster IP, as the API server assigns one; a status set by the test stays), list filters by the managed-by label, and every request
 * is counted. e2e/test/kubernetes/infrastructure-manager.test.ts runs the same manager against a real kube-apiserver.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InfrastructureClient, InfrastructureRequests, ManagedKind } from './infrastructure-client.js';

export interface InMemoryInfrastructureApi {
  client: InfrastructureClient;
  /** Stored objects by `Kind/namespace/name`, in the order they were first stored. */
  objects: Map<string, KubernetesObject>;
  /** The next `n` applies throw (the API server refusing them). */
  failNextApplies(n: number): void;
}

/** `seed`: objects the API server holds before the manager starts (e.g. certgen's CA Secret). */
export function createInMemoryInfrastructureApi(seed: KubernetesObject[] = []): InMemoryInfrastructureApi {
  const objects = new Map<string, KubernetesObject>();
  const counts: InfrastructureRequests = { applies: 0, lists: 0, gets: 0, deletes: 0 };
  let failApplies = 0;
  const key = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
  for (const object of seed) objects.set(key(object.kind!, object.metadata!.namespace!, object.metadata!.name!), object);
  const client: InfrastructureClient = {
    async apply(object) {
      counts.applies++;
      if (failApplies > 0) {
        failApplies--;
        throw new Error('apply refused');
      }
      const stored = structuredClone(object) as KubernetesObject & { spec?: Record<string, unknown>; status?: unknown };
      if (stored.kind === 'Service') stored.spec = { ...stored.spec, clusterIP: '10.96.0.10' };
      const objectKey = key(object.kind!, object.metadata!.namespace!, object.metadata!.name!);
      // An apply leaves the status alone (it is the /status subresource's), as the API server does.
      const previous = objects.get(objectKey) as { status?: unknown } | undefined;
      if (previous?.status !== undefined) stored.status = previous.status;
      objects.set(objectKey, stored);
      // A copy, as over the wire: a test editing what is stored is not editing what the manager holds.
      return structuredClone(stored);
    },
    async listManaged(kind: ManagedKind) {
      counts.lists++;
      return [...objects.values()].filter((o) => o.kind === kind && o.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'portico');
    },
    async get(kind: ManagedKind, namespace: string, name: string) {
      counts.gets++;
      const stored = objects.get(key(kind, namespace, name));
      return stored && structuredClone(stored);
    },
    async remove(kind: ManagedKind, namespace: string, name: string) {
      counts.deletes++;
      objects.delete(key(kind, namespace, name));
    },
    requests: () => ({ ...counts }),
  };
  return { client, objects, failNextApplies: (n) => (failApplies = n) };
}
