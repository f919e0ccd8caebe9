/**
 * @portico/provider: sources of resources (a file folder, a Kubernetes cluster) behind one contract.
 * The cluster's runtime parts are in `@portico/provider/kubernetes` (kubernetes.ts), so that a process
 * serving files never loads @kubernetes/client-node.
 */
export type { ObjectChange, ProviderSnapshot, ResourceProvider, SourceStatus } from './types.js';
export type * from './kubernetes/types.js';
export type { FileProvider, FileProviderLogger, FileProviderOptions } from './file/file-provider-options.js';
export { createFileProvider } from './file/file-provider.js';
export type { KubernetesProviderSettings, KubernetesProviderTuning } from './kubernetes/kubernetes-provider-options.js';
/** The watched kinds with their API group and resource names (the chart's RBAC is checked against it). */
export { WATCH_TARGETS, type WatchTarget } from './kubernetes/watch-targets.js';
/** Long lists across threads, deserialized a slice per turn (the parse worker's objects, the translation worker's statuses). */
export { deserializeInSlices, serializeInSlices, type SerializedSlices } from './serialized-slices.js';
