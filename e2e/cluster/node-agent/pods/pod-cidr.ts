/**
 * Addresses in the node's IPv4 pod CIDR: the bridge holds one (the pods' default gateway; by default the
 * first host address), pods take the others, each held until its pod is torn down. Handed out round
 * robin from the last one given, as the host-local IPAM plugin does, not lowest-free-first: an address
 * given again at once would meet the neighbour (ARP) entries the bridge and other pods still hold for
 * the pod that had it, and its traffic would go to a gone MAC until they expire (~20 s).
 */
export interface PodCidr {
  gateway: string;
  prefixLength: number;
  allocate(owner: string): string;
  release(owner: string): void;
}

function toNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((value, part) => value * 256 + part, 0);
}

function toIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function parsePodCidr(cidr: string, bridgeAddress?: string): PodCidr {
  const [address = '', prefixText] = cidr.split('/');
  const prefixLength = Number(prefixText);
  if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength > 29) throw new Error(`pod CIDR ${cidr}: prefix must be /8…/29`);
  const size = 2 ** (32 - prefixLength);
  const network = toNumber(address) - (toNumber(address) % size);
  const byOwner = new Map<string, number>();
  const gateway = bridgeAddress ? toNumber(bridgeAddress) : network + 1;
  if (gateway <= network || gateway >= network + size - 1) throw new Error(`bridge address ${toIp(gateway)} is not a host address in ${cidr}`);
  const used = new Set<number>([gateway]);
  /** The last address handed out: the search for the next starts after it. */
  let last = network;
  return {
    gateway: toIp(gateway),
    prefixLength,
    allocate(owner) {
      const held = byOwner.get(owner);
      if (held !== undefined) return toIp(held);
      // The first is the network address, the last the broadcast address; the bridge's is in `used`.
      const hosts = size - 2;
      for (let step = 1; step <= hosts; step++) {
        const candidate = network + 1 + ((last - network - 1 + step) % hosts + hosts) % hosts;
        if (used.has(candidate)) continue;
        used.add(candidate);
        byOwner.set(owner, candidate);
        last = candidate;
        return toIp(candidate);
      }
      throw new Error(`pod CIDR ${cidr} is full`);
    },
    release(owner) {
      const held = byOwner.get(owner);
      if (held === undefined) return;
      used.delete(held);
      byOwner.delete(owner);
    },
  };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [address = '', prefixText] = cidr.split('/');
  const size = 2 ** (32 - Number(prefixText));
  const network = toNumber(address) - (toNumber(address) % size);
  const value = toNumber(ip);
  return value >= network && value < network + size;
}
