/** Addresses the xDS and admin servers listen on (`host:port`, port 0 = any free port), checked before anything binds. */

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `127.0.0.1:19000`, `0.0.0.0:18000`, `localhost:0`, `[::1]:19000`; port 0 means "any free
 * port". Throws an Error naming the address and what is wrong with it.
 */
export function parseListenAddress(address: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!match) throw new Error(`invalid address '${address}': expected host:port (IPv6 as [::1]:port)`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid address '${address}': port ${port} is above 65535`);
  return { host: (match[1] ?? match[2])!, port };
}

/** `host:port`, IPv6 hosts in brackets. */
export function formatListenAddress({ host, port }: ListenAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
