/**
 * The Kubernetes objects that run one Gateway's Envoys: a ServiceAccount, a ConfigMap with the
 * bootstrap, a Deployment and a Service. Pure: the Gateway, its IR and the options in, manifests out,
 * ready for server-side apply (only the fields Portico owns; the API server defaults the rest).
 */
import type { V1ConfigMap, V1Deployment, V1Secret, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import type { GatewayIR } from '@portico/ir';
import type { Gateway } from '@portico/resources';
import type { LeafMaterial } from '../certgen/renewal-plan.js';
import { envoyClientSecret } from './envoy-client-secret.js';
import { envoyDeployment } from './envoy-deployment.js';
import { BOOTSTRAP_FILE, envoyPodBootstrap } from './envoy-pod-bootstrap.js';
import { envoyService, type GatewayListenerPorts } from './envoy-service.js';
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
  /** The Gateway's xDS client certificate, with `clientCertificates`: mounted instead of a shared one. */
  clientSecret?: V1Secret;
}

/**
 * Throws EnvoyBootstrapError when the options cannot make a bootstrap (e.g. a malformed xDS address),
 * and an Error when `options.clientCertificates` is set but no `clientCertificate` is given.
 */
export function buildEnvoyManifests(gateway: Gateway, ir: GatewayIR | GatewayListenerPorts, options: EnvoyInfrastructureOptions, clientCertificate?: LeafMaterial): EnvoyManifests {
  const configured = resolveInfrastructureOptions(options);
  const context = infrastructureContext(gateway, configured.namespace);
  if (configured.clientCertificates && !clientCertificate) throw new Error(`no xDS client certificate for gateway ${context.gatewayKey}`);
  // The pods mount the Gateway's own Secret (named like its other objects) in place of a shared one.
  const resolved = configured.clientCertificates ? { ...configured, tlsSecretName: context.resourceName } : configured;
  const clientSecret = configured.clientCertificates ? envoyClientSecret(context, clientCertificate!) : undefined;
  // Indented: operators read it with `kubectl get configmap -o yaml`.
  const bootstrap = `${JSON.stringify(envoyPodBootstrap(context.gatewayKey, resolved), null, 2)}\n`;
  const service = envoyService(context, ir, resolved, gateway.spec.addresses);
  return {
    gatewayKey: context.gatewayKey,
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: context.metadata, automountServiceAccountToken: false },
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: context.metadata, data: { [BOOTSTRAP_FILE]: bootstrap } },
    deployment: envoyDeployment(context, resolved, sha256Hex(bootstrap).slice(0, 16), clientSecret ? sha256Hex(clientCertificate!.cert).slice(0, 16) : undefined),
    ...(service ? { service } : {}),
    ...(clientSecret ? { clientSecret } : {}),
  };
}
