/** @portico/provider: sources of resources (file folder; Kubernetes later) behind one contract. */
export type { ObjectChange, ProviderSnapshot, ResourceProvider, SourceStatus } from './types.js';
export type * from './kubernetes/types.js';
export type { FileProvider, FileProviderLogger, FileProviderOptions } from './file/file-provider-options.js';
export { createFileProvider } from './file/file-provider.js';
export type { KubernetesProviderSettings, KubernetesProviderTuning } from './kubernetes/kubernetes-provider-options.js';
export { createKubernetesProvider } from './kubernetes/kubernetes-provider.js';
export { createStatusWriter, DEFAULT_STATUS_BURST, DEFAULT_STATUS_QPS } from './kubernetes/status/status-writer.js';
export { createLeaderElector } from './kubernetes/leader-election.js';
/** The watched kinds with their API group and resource names (the chart's RBAC is checked against it). */
export { WATCH_TARGETS, type WatchTarget } from './kubernetes/watch-targets.js';
