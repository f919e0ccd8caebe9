/**
 * One cluster per host (e2e/cluster/cluster.ts refuses a second): a test file that needs the cluster
 * waits its turn while another jest worker, or a developer's `npm run cluster`, owns it, instead of
 * failing. Bounded: after `timeoutMs` the refusal is thrown as it is.
 */
import { runningOwner, startCluster, type Cluster, type ClusterOptions } from '../../../cluster/cluster.js';

export async function startClusterWhenFree(options: ClusterOptions, timeoutMs = 600_000): Promise<Cluster> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (runningOwner() === undefined) {
      try {
        return await startCluster(options);
      } catch (error) {
        // Another process started one between the check and ours: wait again; anything else is a failure.
        if (!String(error).includes('already running') || Date.now() > deadline) throw error;
      }
    } else if (Date.now() > deadline) {
      return startCluster(options);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
