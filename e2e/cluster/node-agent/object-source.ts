/** ConfigMaps and Secrets read for a pod's env and volumes, each fetched once per pod start. */
import type { KubeClient } from './kube-client.js';
import { ContainerConfigError } from './pods/pod-fields.js';

export interface ObjectSource {
  /** The object's data as bytes, or undefined when it does not exist. */
  configMap(name: string): Promise<Map<string, Buffer> | undefined>;
  secret(name: string): Promise<Map<string, Buffer> | undefined>;
}

export function createObjectSource(client: KubeClient, namespace: string): ObjectSource {
  const cache = new Map<string, Promise<Map<string, Buffer> | undefined>>();
  const fetch = (kind: 'configmaps' | 'secrets', name: string) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      cache.set(key, client.get<any>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}/${encodeURIComponent(name)}`).then((object) => {
        if (!object) return undefined;
        const data = new Map<string, Buffer>();
        for (const [k, v] of Object.entries<string>(object.data ?? {})) data.set(k, kind === 'secrets' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
        for (const [k, v] of Object.entries<string>(object.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
        return data;
      }));
    }
    return cache.get(key)!;
  };
  return { configMap: (name) => fetch('configmaps', name), secret: (name) => fetch('secrets', name) };
}

/** A required ConfigMap/Secret key, or undefined for an optional one that is missing. */
export async function lookupKey(source: ObjectSource, kind: 'configMap' | 'secret', ref: { name?: string; key: string; optional?: boolean }): Promise<Buffer | undefined> {
  const data = await source[kind](ref.name ?? '');
  const value = data?.get(ref.key);
  if (value === undefined && !ref.optional) {
    throw new ContainerConfigError(data ? `${kind} ${JSON.stringify(ref.name)} has no key ${JSON.stringify(ref.key)}` : `${kind} ${JSON.stringify(ref.name)} not found`);
  }
  return value;
}
