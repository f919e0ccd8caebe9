/**
 * The host side of the cluster network, all of it harness-owned: the bridge (pods' and test
 * namespaces' veths attach to it), routes for the Service and LoadBalancer ranges onto it, IPv4
 * forwarding, and the removal of every leftover with the harness prefix — so `down` also cleans up
 * after a crash. Only these objects are ever touched: nothing on the host's other interfaces.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_NETWORK, isClusterOwnedName, type ClusterNetwork } from './cluster-config.js';

/** kube-proxy's nftables tables (one per family); fixed names, so one cluster per host. */
const KUBE_PROXY_TABLES = ['ip kube-proxy', 'ip6 kube-proxy'];
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(command: string, args: string[]): boolean {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Whether `command` is on the PATH. */
export function commandExists(command: string): boolean {
  return tryRun('sh', ['-c', `command -v ${command}`]);
}

function prefixLength(cidr: string): string {
  return cidr.split('/')[1]!;
}

/**
 * Makes the bridge with the pods' gateway and the harness address, routes the Service and
 * LoadBalancer ranges onto it (so host connections to them never leave by the default route, even
 * before kube-proxy has programmed them), and turns on IPv4 forwarding, remembering the old value in
 * `forwardFile` for removeHostNetwork.
 */
export function createHostNetwork(network: ClusterNetwork, forwardFile: string): void {
  const { bridge } = network;
  run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  run('ip', ['addr', 'add', `${network.bridgeAddress}/${prefixLength(network.podCidr)}`, 'dev', bridge]);
  run('ip', ['addr', 'add', `${network.harnessAddress}/${prefixLength(network.harnessCidr)}`, 'dev', bridge]);
  run('ip', ['link', 'set', bridge, 'up']);
  run('ip', ['route', 'add', network.serviceCidr, 'dev', bridge, 'src', network.bridgeAddress]);
  run('ip', ['route', 'add', network.loadBalancerCidr, 'dev', bridge, 'src', network.bridgeAddress]);
  if (!existsSync(forwardFile)) writeFileSync(forwardFile, readFileSync(IP_FORWARD, 'utf8'));
  writeFileSync(IP_FORWARD, '1\n');
}

/** Every cluster leftover the host has (isClusterOwnedName): interfaces, network namespaces, kube-proxy's tables. */
export function harnessLeftovers(bridge = DEFAULT_NETWORK.bridge): { links: string[]; namespaces: string[]; tables: string[] } {
  const links = run('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && isClusterOwnedName(name, bridge));
  const namespaces = run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => isClusterOwnedName(name, bridge));
  const tables = KUBE_PROXY_TABLES.filter((table) => tryRun('nft', ['list', 'table', ...table.split(' ')]));
  return { links, namespaces, tables };
}

/**
 * Removes everything harnessLeftovers finds (routes go with the bridge) and restores IPv4 forwarding.
 * Safe to run any number of times, with or without a cluster having run.
 */
export function removeHostNetwork(forwardFile: string, bridge = DEFAULT_NETWORK.bridge): void {
  const { links, namespaces, tables } = harnessLeftovers(bridge);
  for (const name of namespaces) {
    // A crashed node agent's pods still run in their namespaces: a deleted namespace would not stop them.
    let pids: string[] = [];
    try {
      pids = run('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean);
    } catch {
      // Gone meanwhile.
    }
    for (const pid of pids) tryRun('kill', ['-KILL', pid]);
    tryRun('ip', ['netns', 'delete', name]);
  }
  // Deleting a namespace deletes the veth ends inside it and so their peers; what is left is the bridge and any stray veth.
  for (const name of links) tryRun('ip', ['link', 'delete', name]);
  for (const table of tables) tryRun('nft', ['delete', 'table', ...table.split(' ')]);
  if (existsSync(forwardFile)) writeFileSync(IP_FORWARD, readFileSync(forwardFile, 'utf8'));
}
