/** @portico/provider: sources of resources (file folder; Kubernetes later) behind one contract. */
export type { ProviderSnapshot, ResourceProvider, SourceStatus } from './types.js';
