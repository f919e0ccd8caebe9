/**
 * Leftovers of a node agent that did not stop cleanly (a crashed test, a killed process): every
 * process inside, and then every network namespace, host veth and /etc/netns folder named with the
 * prefix. Safe to run when nothing is left; not while an agent with that prefix runs.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listNetworkNamespaces, deletePodNetwork } from './pod-network.js';
import { runCommand } from '../containers/run-command.js';

export async function sweepNodeAgentLeftovers(prefix: string): Promise<string[]> {
  if (prefix.length < 3) throw new Error(`sweep prefix ${JSON.stringify(prefix)} is too broad`);
  const namespaces = await listNetworkNamespaces(prefix);
  for (const name of namespaces) {
    const pids = (await runCommand('ip', ['netns', 'pids', name]).catch(() => '')).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await deletePodNetwork(name).catch(() => undefined);
    rmSync(join('/etc/netns', name), { recursive: true, force: true });
  }
  // A run killed between writing /etc/netns/<name> and creating the namespace (or after removing it) leaves the folder alone.
  if (existsSync('/etc/netns')) {
    for (const name of readdirSync('/etc/netns')) if (name.startsWith(prefix)) rmSync(join('/etc/netns', name), { recursive: true, force: true });
  }
  return namespaces;
}
