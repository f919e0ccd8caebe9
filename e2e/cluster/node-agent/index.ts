export { runNodeAgent, type NodeAgent } from './node-agent.js';
export { startNodeAgent, CLUSTER_POD_PREFIX, type ClusterNodeAgentContext } from './cluster-node-agent.js';
export type { NodeAgentOptions } from './options.js';
export { defaultImageTable, resolveImage, type ImageEntry, type ImageTable, type ImageBinaries } from './containers/images.js';
export { sweepNodeAgentLeftovers } from './pods/sweep.js';
export { sandboxName } from './pods/pod-worker.js';
