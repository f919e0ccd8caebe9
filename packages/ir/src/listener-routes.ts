/** Every HTTP route a listener serves, over its route tables (HTTP, a TLS port's shared table, HTTPS servers' own). */
import type { HTTPRouteIR, ListenerIR, VirtualHostIR } from './types.js';

export function listenerHTTPRoutes(listener: ListenerIR): HTTPRouteIR[] {
  const tables: VirtualHostIR[][] = [];
  if (listener.type === 'HTTP') tables.push(listener.virtualHosts);
  if (listener.type === 'TLS') {
    if (listener.virtualHosts) tables.push(listener.virtualHosts);
    for (const s of listener.servers) if (s.mode === 'HTTPS') tables.push(s.virtualHosts);
  }
  return tables.flat().flatMap((v) => v.routes);
}
