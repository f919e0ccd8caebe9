/**
 * The names of the backends a gateway's listeners send to, sorted. A one-route edit at 10,000 routes
 * would walk every route of the table here, so the walk is made cheap for what did not change: a
 * RouteIR of an unchanged route, and a virtual host whose routes are all unchanged, are the same
 * objects from one translation to the next (translation-cache.ts, virtual-hosts.ts), and their
 * backend names are remembered by identity; a gateway's names are counted per host, so an edit walks
 * only the hosts that changed (countedNames); and when the gateway's set of names is the one it had
 * last time (the usual case: an edit rarely adds or drops a Service), the previous sorted list is
 * handed back instead of sorting thousands of names again.
 */
import type { GatewayBackendsMemo } from './gateway-backends.js';
import type { DestinationIR, HTTPRouteIR as RouteIR, ListenerIR, VirtualHostIR } from '@portico/ir';

/** What one gateway's list was last time, for a long-lived translator (one with a TranslationCache). */
export interface SortedNamesMemo {
  sorted?: readonly string[];
  /** The virtual hosts counted last time, with how many listeners listed each (one host object may serve two). */
  hosts?: Map<VirtualHostIR, number>;
  /** Per backend name, how many of those hosts send to it: hosts come and go, the counts follow. */
  counts?: Map<string, number>;
  /** The names from elsewhere than the virtual hosts, last time. */
  others?: ReadonlySet<string>;
  /** The backend list made from `sorted` (gateway-backends.ts). */
  backends?: GatewayBackendsMemo;
}

const namesOfRoute = new WeakMap<RouteIR, readonly string[]>();
const namesOfHost = new WeakMap<VirtualHostIR, readonly string[]>();

export function referencedBackendNames(listeners: readonly ListenerIR[], extra: readonly string[], memo?: SortedNamesMemo): readonly string[] {
  // Names other than the virtual hosts' (extra, L4 and TLS destinations): a handful, gathered afresh.
  const names = new Set<string>(extra);
  const addDestination = (d: DestinationIR | undefined) => {
    for (const b of d?.backends ?? []) if ('backend' in b) names.add(b.backend);
  };
  const hosts: VirtualHostIR[] = [];
  const addHosts = (list: readonly VirtualHostIR[]) => {
    for (const h of list) hosts.push(h);
  };
  for (const l of listeners) {
    if (l.type === 'HTTP') addHosts(l.virtualHosts);
    else if (l.type === 'TLS') {
      addHosts(l.virtualHosts ?? []);
      for (const s of l.servers) s.mode === 'HTTPS' ? addHosts(s.virtualHosts) : addDestination(s.route?.destination);
    } else addDestination(l.route?.destination);
  }
  if (!memo) {
    for (const h of hosts) for (const n of hostBackendNames(h)) names.add(n);
    return [...names].sort();
  }
  const { counts, keysChanged } = countedNames(memo, hosts);
  const previous = memo.sorted;
  const sameOthers = memo.others !== undefined && memo.others.size === names.size && [...names].every((n) => memo.others!.has(n));
  memo.others = names;
  // The usual edit: no name came or went, so the sorted list is the one of last time, without a walk over it.
  if (previous && !keysChanged && sameOthers) return previous;
  const all = new Set(names);
  for (const n of counts.keys()) all.add(n);
  if (previous && previous.length === all.size && previous.every((n) => all.has(n))) return previous;
  memo.sorted = [...all].sort();
  return memo.sorted;
}

/**
 * The backend names of `hosts`, counted: the counts of last time, less the hosts gone and plus the
 * hosts new (by identity, virtual-hosts.ts sameHost). A one-route edit replaces one host of thousands
 * of routes, so only that host's names are walked rather than every route of the gateway.
 */
function countedNames(memo: SortedNamesMemo, hosts: readonly VirtualHostIR[]): { counts: Map<string, number>; keysChanged: boolean } {
  const now = new Map<VirtualHostIR, number>();
  for (const h of hosts) now.set(h, (now.get(h) ?? 0) + 1);
  const before = memo.hosts ?? new Map<VirtualHostIR, number>();
  const counts = memo.counts ?? new Map<string, number>();
  let keysChanged = memo.counts === undefined;
  for (const [h, n] of before) {
    const gone = n - (now.get(h) ?? 0);
    if (gone <= 0) continue;
    for (const name of hostBackendNames(h)) {
      const left = counts.get(name)! - gone;
      if (left === 0) {
        counts.delete(name);
        keysChanged = true;
      } else counts.set(name, left);
    }
  }
  for (const [h, n] of now) {
    const added = n - (before.get(h) ?? 0);
    if (added <= 0) continue;
    for (const name of hostBackendNames(h)) {
      const had = counts.get(name);
      if (had === undefined) keysChanged = true;
      counts.set(name, (had ?? 0) + added);
    }
  }
  memo.hosts = now;
  memo.counts = counts;
  return { counts, keysChanged };
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
