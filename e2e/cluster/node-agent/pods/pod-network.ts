/**
 * Each pod's sandbox: its own network namespace with loopback up and one end of a veth pair as eth0
 * (an address from the node's pod CIDR, default route via the bridge); the host end joins the bridge.
 * `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc/*, which is how each pod gets its own
 * resolv.conf and hosts file.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, runCommandQuietly } from '../containers/run-command.js';

export interface PodNetwork {
  namespace: string;
  ip: string;
}

export async function bridgeExists(bridge: string): Promise<boolean> {
  return runCommand('ip', ['link', 'show', 'dev', bridge]).then(() => true, () => false);
}

/** Creates the bridge with the gateway address; returns whether it made it (and so should remove it). */
export async function ensureBridge(bridge: string, gateway: string, prefixLength: number): Promise<boolean> {
  if (await bridgeExists(bridge)) {
    const addresses = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]);
    if (!addresses.includes(` ${gateway}/`)) await runCommand('ip', ['addr', 'add', `${gateway}/${prefixLength}`, 'dev', bridge]);
    await runCommand('ip', ['link', 'set', bridge, 'up']);
    return false;
  }
  await runCommand('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await runCommand('ip', ['addr', 'add', `${gateway}/${prefixLength}`, 'dev', bridge]);
  await runCommand('ip', ['link', 'set', bridge, 'up']);
  return true;
}

export async function removeBridge(bridge: string): Promise<void> {
  await runCommandQuietly('ip', ['link', 'del', bridge]);
}

export interface PodNetworkSpec {
  /** netns name, also the host veth's name (≤ 15 characters). */
  name: string;
  bridge: string;
  ip: string;
  gateway: string;
  prefixLength: number;
  resolvConf: string;
  hosts: string;
  /** The pod's securityContext.sysctls: only `net.*` ones, which the network namespace scopes to the pod. */
  sysctls: { name: string; value: string }[];
}

export async function createPodNetwork(spec: PodNetworkSpec): Promise<PodNetwork> {
  const { name } = spec;
  const etcDir = join('/etc/netns', name);
  mkdirSync(etcDir, { recursive: true });
  writeFileSync(join(etcDir, 'resolv.conf'), spec.resolvConf);
  writeFileSync(join(etcDir, 'hosts'), spec.hosts);
  await runCommand('ip', ['netns', 'add', name]);
  await runCommand('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
  await runCommand('ip', ['link', 'set', name, 'master', spec.bridge]);
  await runCommand('ip', ['link', 'set', name, 'up']);
  await runCommand('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  await runCommand('ip', ['-n', name, 'addr', 'add', `${spec.ip}/${spec.prefixLength}`, 'dev', 'eth0']);
  // A gratuitous ARP when eth0 comes up: the bridge and other pods replace any neighbour entry left
  // for this address by an earlier pod (its MAC is gone) instead of sending there until it expires.
  await runCommand('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv4.conf.eth0.arp_notify=1']);
  await runCommand('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
  await runCommand('ip', ['-n', name, 'route', 'add', 'default', 'via', spec.gateway]);
  for (const sysctl of spec.sysctls) {
    if (!/^net\.[a-z0-9_.]+$/.test(sysctl.name)) throw new Error(`sysctl ${sysctl.name}: only net.* sysctls are scoped to a pod here`);
    await runCommand('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', `${sysctl.name}=${sysctl.value}`]);
  }
  return { namespace: name, ip: spec.ip };
}

const DELETE_ATTEMPTS = 20;

/**
 * Removes the namespace (its eth0, and so the host veth, goes with it) and its /etc/netns folder.
 * `ip netns del` fails with EBUSY while a process that just died still pins the namespace's mount, so it
 * is retried until the namespace is gone; the error is thrown only if it never goes.
 */
export async function deletePodNetwork(name: string): Promise<void> {
  await runCommandQuietly('ip', ['link', 'del', name]);
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommand('ip', ['netns', 'del', name]);
    } catch (error) {
      if (!(await listNetworkNamespaces(name)).includes(name)) break;
      if (attempt >= DELETE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      continue;
    }
    if (!(await listNetworkNamespaces(name)).includes(name)) break;
  }
  rmSync(join('/etc/netns', name), { recursive: true, force: true });
}

export async function listNetworkNamespaces(prefix: string): Promise<string[]> {
  const out = await runCommand('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}
