/**
 * A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
 * envFrom sources first, then env entries in order, each `value` able to reference earlier ones with
 * $(VAR); plus KUBERNETES_SERVICE_HOST/PORT for in-cluster clients, and HOSTNAME.
 */
import { expandVariables } from './command-args.js';
import { lookupKey, type ObjectSource } from '../object-source.js';
import { ContainerConfigError, podFieldValue, type PodRuntimeFields } from '../pods/pod-fields.js';

export interface KubernetesService {
  host: string;
  port: number;
}

export async function containerEnv(pod: any, container: any, source: ObjectSource, runtime: PodRuntimeFields, kubernetesService?: KubernetesService): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  env.set('HOSTNAME', pod.spec.hostname ?? pod.metadata.name);
  if (kubernetesService) {
    env.set('KUBERNETES_SERVICE_HOST', kubernetesService.host);
    env.set('KUBERNETES_SERVICE_PORT', String(kubernetesService.port));
    env.set('KUBERNETES_SERVICE_PORT_HTTPS', String(kubernetesService.port));
    env.set('KUBERNETES_PORT', `tcp://${kubernetesService.host}:${kubernetesService.port}`);
  }
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'configMap' : 'secret';
    const data = await source[kind](ref?.name ?? '');
    if (!data) {
      if (ref?.optional) continue;
      throw new ContainerConfigError(`${kind} ${JSON.stringify(ref?.name)} not found`);
    }
    for (const [key, value] of data) env.set(`${from.prefix ?? ''}${key}`, value.toString('utf8'));
  }
  for (const entry of container.env ?? []) {
    const valueFrom = entry.valueFrom;
    if (!valueFrom) {
      env.set(entry.name, expandVariables(entry.value ?? '', env));
    } else if (valueFrom.fieldRef) {
      env.set(entry.name, podFieldValue(pod, valueFrom.fieldRef.fieldPath, runtime));
    } else if (valueFrom.configMapKeyRef || valueFrom.secretKeyRef) {
      const kind = valueFrom.configMapKeyRef ? 'configMap' : 'secret';
      const value = await lookupKey(source, kind, valueFrom.configMapKeyRef ?? valueFrom.secretKeyRef);
      if (value !== undefined) env.set(entry.name, value.toString('utf8'));
    } else {
      throw new ContainerConfigError(`env ${entry.name}: unsupported valueFrom ${Object.keys(valueFrom).join(',')} (the node agent has no resource accounting)`);
    }
  }
  return env;
}
