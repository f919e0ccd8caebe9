/**
 * A pod's volumes written out as plain folders under its state folder (<pod dir>/volumes/<name>), the
 * way the kubelet's volume plugins lay them out: one file per key (or per `items` path), with `mode` /
 * `defaultMode`. Supported: emptyDir, configMap, secret, downwardAPI, projected (configMap, secret,
 * downwardAPI, serviceAccountToken via TokenRequest) and hostPath. Contents are written once, at pod
 * start: later ConfigMap/Secret edits and token expiry are not followed.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { KubeClient } from '../kube-client.js';
import { lookupKey, type ObjectSource } from '../object-source.js';
import { ContainerConfigError, podFieldValue, type PodRuntimeFields } from '../pods/pod-fields.js';

interface FileToWrite {
  path: string;
  content: Buffer;
  mode?: number;
}

/** A volume's host path: a folder the agent wrote, or (hostPath) the host's own path. */
export type VolumePaths = Map<string, string>;

function safeRelative(path: string): string {
  const normalised = normalize(path);
  if (normalised.startsWith('..') || normalised.startsWith('/')) throw new ContainerConfigError(`volume item path ${JSON.stringify(path)} leaves the volume`);
  return normalised;
}

function keyFiles(data: Map<string, Buffer>, items: any[] | undefined, optional: boolean | undefined, what: string): FileToWrite[] {
  if (!items?.length) return [...data].map(([key, content]) => ({ path: key, content }));
  const files: FileToWrite[] = [];
  for (const item of items) {
    const content = data.get(item.key);
    if (content === undefined) {
      if (optional) continue;
      throw new ContainerConfigError(`${what} has no key ${JSON.stringify(item.key)}`);
    }
    files.push({ path: item.path, content, mode: item.mode });
  }
  return files;
}

async function objectFiles(source: ObjectSource, kind: 'configMap' | 'secret', name: string, items: any[] | undefined, optional: boolean | undefined): Promise<FileToWrite[]> {
  const data = await source[kind](name);
  if (!data) {
    if (optional) return [];
    throw new ContainerConfigError(`${kind} ${JSON.stringify(name)} not found`);
  }
  return keyFiles(data, items, optional, `${kind} ${JSON.stringify(name)}`);
}

function downwardFiles(pod: any, items: any[], runtime: PodRuntimeFields): FileToWrite[] {
  return items.map((item) => {
    if (!item.fieldRef) throw new ContainerConfigError(`downwardAPI item ${item.path}: only fieldRef is supported (no resource accounting)`);
    return { path: item.path, content: Buffer.from(podFieldValue(pod, item.fieldRef.fieldPath, runtime)), mode: item.mode };
  });
}

async function serviceAccountToken(client: KubeClient, pod: any, source: any): Promise<FileToWrite> {
  const account = pod.spec.serviceAccountName ?? 'default';
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/serviceaccounts/${encodeURIComponent(account)}/token`;
  const review = await client.create<any>(path, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences: source.audience ? [source.audience] : [],
      expirationSeconds: source.expirationSeconds ?? 3607,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
    },
  }).catch((error: Error) => {
    throw new ContainerConfigError(`service account token for ${account}: ${error.message}`);
  });
  return { path: source.path, content: Buffer.from(review.status.token), mode: source.mode };
}

async function projectedFiles(client: KubeClient, pod: any, spec: any, objects: ObjectSource, runtime: PodRuntimeFields): Promise<FileToWrite[]> {
  const files: FileToWrite[] = [];
  for (const projection of spec.sources ?? []) {
    if (projection.configMap) files.push(...(await objectFiles(objects, 'configMap', projection.configMap.name, projection.configMap.items, projection.configMap.optional)));
    else if (projection.secret) files.push(...(await objectFiles(objects, 'secret', projection.secret.name, projection.secret.items, projection.secret.optional)));
    else if (projection.downwardAPI) files.push(...downwardFiles(pod, projection.downwardAPI.items ?? [], runtime));
    else if (projection.serviceAccountToken) files.push(await serviceAccountToken(client, pod, projection.serviceAccountToken));
    else throw new ContainerConfigError(`projected volume source ${Object.keys(projection).join(',')} is not supported by the node agent`);
  }
  return files;
}

function writeFiles(dir: string, files: FileToWrite[], defaultMode: number | undefined): void {
  for (const file of files) {
    const target = join(dir, safeRelative(file.path));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode ?? defaultMode ?? 0o644);
  }
}

export async function materialiseVolumes(client: KubeClient, pod: any, podDir: string, objects: ObjectSource, runtime: PodRuntimeFields): Promise<VolumePaths> {
  const paths: VolumePaths = new Map();
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.hostPath) {
      paths.set(volume.name, volume.hostPath.path);
      continue;
    }
    const dir = join(podDir, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    paths.set(volume.name, dir);
    if (volume.emptyDir) continue;
    if (volume.configMap) writeFiles(dir, await objectFiles(objects, 'configMap', volume.configMap.name, volume.configMap.items, volume.configMap.optional), volume.configMap.defaultMode);
    else if (volume.secret) writeFiles(dir, await objectFiles(objects, 'secret', volume.secret.secretName, volume.secret.items, volume.secret.optional), volume.secret.defaultMode);
    else if (volume.downwardAPI) writeFiles(dir, downwardFiles(pod, volume.downwardAPI.items ?? [], runtime), volume.downwardAPI.defaultMode);
    else if (volume.projected) writeFiles(dir, await projectedFiles(client, pod, volume.projected, objects, runtime), volume.projected.defaultMode);
    else throw new ContainerConfigError(`volume ${volume.name}: type ${Object.keys(volume).filter((k) => k !== 'name').join(',')} is not supported by the node agent`);
  }
  return paths;
}

/** A volumeMount as a bind mount: host source (with subPath) onto the container's mountPath. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export function containerMounts(container: any, volumes: VolumePaths): BindMount[] {
  return (container.volumeMounts ?? []).map((mount: any) => {
    const base = volumes.get(mount.name);
    if (!base) throw new ContainerConfigError(`volumeMount ${mount.name}: no such volume`);
    const source = mount.subPath ? join(base, safeRelative(mount.subPath)) : base;
    return { source, target: mount.mountPath, readOnly: Boolean(mount.readOnly) };
  });
}
