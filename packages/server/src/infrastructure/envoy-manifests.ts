/**
 * The Kubernetes objects that run one Gateway's Envoys: a ServiceAccount, a ConfigMap with the
 * bootstrap, a Deployment and a Service. Pure: the Gateway, its IR and the options in, manifests out,
 * ready for server-side apply (only the fields Portico owns; the API server defaults the rest).
 */
import type { V1ConfigMap, V1Deployment, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import type { GatewayIR } from '@portico/ir';
import type { Gateway } from '@portico/resources';
import { envoyDeployment } from './envoy-deployment.js';
import { BOOTSTRAP_FILE, envoyPodBootstrap } from './envoy-pod-bootstrap.js';
import { envoyService } from './envoy-service.js';
import { infrastructureContext } from './infrastructure-context.js';
import { sha256Hex } from './infrastructure-names.js';
import { resolveInfrastructureOptions, type EnvoyInfrastructureOptions } from './infrastructure-options.js';

export interface EnvoyManifests {
  /** `namespace/name` of the Gateway. */
  gatewayKey: string;
  serviceAccount: V1ServiceAccount;
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  /** Absent while no listener is programmed (an existing Service is then left as it is). */
  service?: V1Service;
}

/** Throws EnvoyBootstrapError when the options cannot make a bootstrap (e.g. a malformed xDS address). */
export function buildEnvoyManifests(gateway: Gateway, ir: GatewayIR, options: EnvoyInfrastructureOptions): EnvoyManifests {
  const resolved = resolveInfrastructureOptions(options);
  const context = infrastructureContext(gateway, resolved.namespace);
  // Indented: operators read it with `kubectl get configmap -o yaml`.
  const bootstrap = `${JSON.stringify(envoyPodBootstrap(context.gatewayKey, resolved), null, 2)}\n`;
  const service = envoyService(context, ir, resolved);
  return {
    gatewayKey: context.gatewayKey,
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: context.metadata, automountServiceAccountToken: false },
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: context.metadata, data: { [BOOTSTRAP_FILE]: bootstrap } },
    deployment: envoyDeployment(context, resolved, sha256Hex(bootstrap).slice(0, 16)),
    ...(service ? { service } : {}),
  };
}
