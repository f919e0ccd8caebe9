/**
 * The names of the backends a gateway's listeners send to, sorted. A one-route edit at 10,000 routes
 * would walk every route of the table here, so the walk is made cheap for what did not change: a
 * RouteIR of an unchanged route, and a virtual host whose routes are all unchanged, are the same
 * objects from one translation to the next (translation-cache.ts, virtual-hosts.ts), and their
 * backend names are remembered by identity; and when the gateway's set of names is the one
 * it had last time (the usual case: an edit rarely adds or drops a Service), the previous sorted list
 * is handed back instead of sorting thousands of names again.
 */
import type { DestinationIR, HTTPRouteIR as RouteIR, ListenerIR, VirtualHostIR } from '@portico/ir';

/** What one gateway's list was last time, for a long-lived translator (one with a TranslationCache). */
export interface SortedNamesMemo {
  sorted?: readonly string[];
}

const namesOfRoute = new WeakMap<RouteIR, readonly string[]>();
const namesOfHost = new WeakMap<VirtualHostIR, readonly string[]>();

export function referencedBackendNames(listeners: readonly ListenerIR[], extra: readonly string[], memo?: SortedNamesMemo): readonly string[] {
  const names = new Set<string>(extra);
  const addDestination = (d: DestinationIR | undefined) => {
    for (const b of d?.backends ?? []) if ('backend' in b) names.add(b.backend);
  };
  const addHosts = (hosts: readonly VirtualHostIR[]) => {
    for (const h of hosts) for (const n of hostBackendNames(h)) names.add(n);
  };
  for (const l of listeners) {
    if (l.type === 'HTTP') addHosts(l.virtualHosts);
    else if (l.type === 'TLS') {
      addHosts(l.virtualHosts ?? []);
      for (const s of l.servers) s.mode === 'HTTPS' ? addHosts(s.virtualHosts) : addDestination(s.route?.destination);
    } else addDestination(l.route?.destination);
  }
  if (!memo) return [...names].sort();
  const previous = memo.sorted;
  if (previous && previous.length === names.size && previous.every((n) => names.has(n))) return previous;
  memo.sorted = [...names].sort();
  return memo.sorted;
}

/** A virtual host's backend names, each once: an unchanged host is the same object as last time (virtual-hosts.ts sameHost). */
function hostBackendNames(h: VirtualHostIR): readonly string[] {
  let names = namesOfHost.get(h);
  if (names) return names;
  const found = new Set<string>();
  for (const r of h.routes) for (const n of routeBackendNames(r)) found.add(n);
  names = [...found];
  namesOfHost.set(h, names);
  return names;
}

/** Destinations, mirrors, the external auth service and remote JWKS of one route entry (IR objects are never mutated once built). */
function routeBackendNames(r: RouteIR): readonly string[] {
  let names = namesOfRoute.get(r);
  if (names) return names;
  const found: string[] = [];
  for (const b of r.destination?.backends ?? []) if ('backend' in b) found.push(b.backend);
  r.mirrors?.forEach((m) => found.push(m.backend));
  if (r.externalAuth) found.push(r.externalAuth.backend);
  for (const p of r.security?.jwt?.providers ?? []) if (p.remoteJWKS) found.push(p.remoteJWKS.backend);
  names = found;
  namesOfRoute.set(r, names);
  return names;
}
