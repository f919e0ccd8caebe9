/**
 * The few API calls the infrastructure manager makes, counted: server-side apply (field manager
 * `portico`), list by label, get and delete of the kinds it owns. The manager decides; this
 * only talks to the API server, so the manager's tests can count exactly what a pass costs.
 */
import { ApiException, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_SELECTOR } from './infrastructure-names.js';

export const FIELD_MANAGER = 'portico';

/** Secret: each Gateway's xDS client certificate, when the manager issues them (clientCertificates). */
export const MANAGED_KINDS = ['ServiceAccount', 'ConfigMap', 'Secret', 'Service', 'Deployment'] as const;
export type ManagedKind = (typeof MANAGED_KINDS)[number];

const API_VERSIONS: Record<ManagedKind, string> = { ServiceAccount: 'v1', ConfigMap: 'v1', Secret: 'v1', Service: 'v1', Deployment: 'apps/v1' };
const PAGE_SIZE = 500;

export interface InfrastructureRequests {
  applies: number;
  lists: number;
  gets: number;
  deletes: number;
}

export interface InfrastructureClient {
  /** Server-side apply, forcing ownership of the fields we set; returns the object as stored. */
  apply(object: KubernetesObject): Promise<KubernetesObject>;
  /** Every object of `kind` labelled managed-by portico, in `namespace` or in all namespaces. */
  listManaged(kind: ManagedKind, namespace: string | undefined): Promise<KubernetesObject[]>;
  /** Undefined when it does not exist. */
  get(kind: ManagedKind, namespace: string, name: string): Promise<KubernetesObject | undefined>;
  /** Deleting an object that is already gone succeeds. */
  remove(kind: ManagedKind, namespace: string, name: string): Promise<void>;
  /** Requests sent so far (discovery of the API groups, once per group, not included). */
  requests(): InfrastructureRequests;
}

export function createInfrastructureClient(kubeConfig: KubeConfig): InfrastructureClient {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const counts: InfrastructureRequests = { applies: 0, lists: 0, gets: 0, deletes: 0 };
  const header = (kind: ManagedKind, namespace: string, name: string) => ({ apiVersion: API_VERSIONS[kind], kind, metadata: { namespace, name } });

  return {
    async apply(object) {
      counts.applies++;
      // `force`: these objects are ours; a field another manager took over (kubectl edit) is taken back.
      return api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    },
    async listManaged(kind, namespace) {
      const items: KubernetesObject[] = [];
      let continueToken: string | undefined;
      do {
        counts.lists++;
        const page = await api.list(API_VERSIONS[kind], kind, namespace, undefined, undefined, undefined, undefined, MANAGED_SELECTOR, PAGE_SIZE, continueToken);
        // List items carry no apiVersion/kind; callers key objects by them.
        items.push(...page.items.map((item) => ({ ...item, apiVersion: API_VERSIONS[kind], kind })));
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken);
      return items;
    },
    async get(kind, namespace, name) {
      counts.gets++;
      try {
        return await api.read(header(kind, namespace, name));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async remove(kind, namespace, name) {
      counts.deletes++;
      try {
        // Background: the Deployment's ReplicaSets and pods follow through the garbage collector.
        await api.delete(header(kind, namespace, name), undefined, undefined, undefined, undefined, 'Background');
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    requests: () => ({ ...counts }),
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}
