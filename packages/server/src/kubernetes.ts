/**
 * @portico/server/kubernetes: the parts of the server that talk to a cluster (the controller, the Envoy
 * workloads, the certificate Secrets). Apart from the package's index because they load
 * @kubernetes/client-node (~70 MiB resident): `portico serve` loads this only with --kubernetes.
 */
export { createKubernetesController } from './kubernetes-controller.js';
export { createSecretStore, loadDefaultKubeConfig } from './certgen/secret-store.js';
export { createInfrastructureManager } from './infrastructure/infrastructure-manager.js';
export { MANAGED_KINDS } from './infrastructure/infrastructure-client.js';
