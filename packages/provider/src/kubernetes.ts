/**
 * @portico/provider/kubernetes: the Kubernetes provider, status writer and leader election. Apart from
 * the package's index because they load @kubernetes/client-node, whose modules cost a process ~70 MiB
 * resident (their source stays in the heap for lazy compilation): `portico serve` on files never pays it.
 */
export { createKubernetesProvider } from './kubernetes/kubernetes-provider.js';
export { createStatusWriter, DEFAULT_STATUS_BURST, DEFAULT_STATUS_QPS } from './kubernetes/status/status-writer.js';
export { createLeaderElector } from './kubernetes/leader-election.js';
