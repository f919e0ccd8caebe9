/**
 * Which Host headers the admin server answers (DNS rebinding): a web page whose name an attacker
 * re-points at 127.0.0.1 makes the browser send `Host: attacker.example`, so answering only the names the
 * server is really reached by keeps such pages from reading /debug. Allowed: the loopback names, the
 * bound IP, every IP of this machine when bound to a wildcard address (in a pod: the pod IP, which the
 * kubelet's probes send), and the names the operator lists (`--admin-allowed-hosts`; `*` allows any).
 * The port is not compared: `kubectl port-forward 8080:19000` sends `Host: localhost:8080`.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

export interface HostCheckOptions {
  /** The host the server binds (`127.0.0.1`, `0.0.0.0`, `::`, a name). */
  boundHost: string;
  /** Extra names or IPs; `*` turns the check off. */
  allowedHosts?: readonly string[];
  /** This machine's addresses (default: os.networkInterfaces()), used when bound to a wildcard address. */
  interfaceAddresses?: () => string[];
}

/** `(hostHeader) => true` when the request may be answered; a missing Host header (HTTP/1.0) is allowed: browsers always send one. */
export type HostCheck = (hostHeader: string | undefined) => boolean;

export function createHostCheck(options: HostCheckOptions): HostCheck {
  const extra = (options.allowedHosts ?? []).map(normalizeHost);
  if (extra.includes('*')) return () => true;
  const allowed = new Set<string>([...LOOPBACK_HOSTS, normalizeHost(options.boundHost), ...extra]);
  if (WILDCARD_HOSTS.has(options.boundHost)) {
    for (const address of (options.interfaceAddresses ?? machineAddresses)()) allowed.add(normalizeHost(address));
  }
  return (hostHeader) => {
    if (hostHeader === undefined) return true;
    const host = hostOf(hostHeader);
    return host !== undefined && allowed.has(host);
  };
}

/**
 * The host part of a Host header, lower-case, without brackets or a trailing dot:
 * `LOCALHOST:19000` → `localhost`, `[::1]:19000` → `::1`. Undefined when malformed.
 */
export function hostOf(header: string): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::\d{1,5})?$/.exec(header.trim());
  if (!match) return undefined;
  if (match[1] !== undefined) return isIP(match[1]) === 6 ? normalizeHost(match[1]) : undefined;
  return normalizeHost(match[2]!);
}

function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address));
}
