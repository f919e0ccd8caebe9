/**
 * Downward API values (fieldRef), shared by env vars and downwardAPI volume files: the fields the
 * kubelet supports (pods/downward-api#available-fields), from the pod object and the address the agent gave it.
 */
export interface PodRuntimeFields {
  podIP: string;
  hostIP: string;
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}="${(map![key] ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join('\n');
}

export function podFieldValue(pod: any, fieldPath: string, runtime: PodRuntimeFields): string {
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return pod.metadata?.labels?.[label[1]!] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return pod.metadata?.annotations?.[annotation[1]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return runtime.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return runtime.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${JSON.stringify(fieldPath)}`);
  }
}

/** A pod the agent cannot set up as written: the container waits with reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {}
