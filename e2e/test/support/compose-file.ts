/**
 * Reading docker-compose.yml for its test (Docker is not on the machines that run the tests): the
 * few parts of the Compose specification the repository's file uses, in their short syntax.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[];
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  hostname?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string }[] } } | null>;
}

export function readComposeFile(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8')) as ComposeFile;
}

/** A bind mount `./src:/target[:ro]`; named volumes are not used here. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export function bindMounts(service: ComposeService): BindMount[] {
  return (service.volumes ?? []).map((spec) => {
    const [source, target, mode] = spec.split(':');
    if (!source || !target) throw new Error(`volume '${spec}': expected SOURCE:TARGET[:MODE]`);
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** A published port, `[ip:]host:container[/proto]`. */
export interface PublishedPort {
  hostIp?: string;
  host: number;
  container: number;
  protocol: 'tcp' | 'udp';
}

export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((spec) => {
    const match = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(spec);
    if (!match) throw new Error(`port '${spec}': expected [IP:]HOST:CONTAINER[/tcp|udp]`);
    const port: PublishedPort = { host: Number(match[2]), container: Number(match[3]), protocol: (match[4] ?? 'tcp') as 'tcp' | 'udp' };
    if (match[1]) port.hostIp = match[1];
    return port;
  });
}

/** `expose` entries as `port/proto` (tcp unless said). */
export function exposedPorts(service: ComposeService): string[] {
  return (service.expose ?? []).map((e) => (String(e).includes('/') ? String(e) : `${e}/tcp`));
}

export function dependencies(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

/** network name → the fixed IPv4 address, if any. */
export function serviceNetworks(service: ComposeService): Map<string, string | undefined> {
  const networks = service.networks ?? [];
  if (Array.isArray(networks)) return new Map(networks.map((n) => [n, undefined]));
  return new Map(Object.entries(networks).map(([n, v]) => [n, v?.ipv4_address]));
}

/** The value following `flag` in a command, e.g. `--resources DIR`. */
export function flagValue(command: string[] | undefined, flag: string): string | undefined {
  const i = (command ?? []).indexOf(flag);
  return i >= 0 ? command![i + 1] : undefined;
}

/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((ipv4(address) & mask) >>> 0) === ((ipv4(base!) & mask) >>> 0);
}

function ipv4(address: string): number {
  return address.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
}
