/**
 * HTTPRoute and GRPCRoute are never merged (grpcroute_types.go Hostnames): when both kinds attach to one
 * listener with intersecting hostnames, only the older route (then `namespace/name`) is accepted there.
 */
import type { Route } from '@portico/resources';
import { ageKey, compareAge, compareCreationTimestamps } from '../context.js';
import { hostnameMatches, isWildcard } from './hostnames.js';
import type { ListenerState } from '../gateways/listeners.js';

export interface ListenerClaim {
  route: Route;
  listener: ListenerState;
  hostnames: string[];
}

/** Returns, per losing claim, the route that won over it. */
export function httpGrpcConflicts(claims: readonly ListenerClaim[]): Map<ListenerClaim, Route> {
  const losers = new Map<ListenerClaim, Route>();
  const byListener = new Map<ListenerState, ListenerClaim[]>();
  for (const c of claims) {
    if (c.route.kind !== 'HTTPRoute' && c.route.kind !== 'GRPCRoute') continue;
    const list = byListener.get(c.listener);
    if (list) list.push(c);
    else byListener.set(c.listener, [c]);
  }
  for (const list of byListener.values()) {
    const http = rivalsIndex(list.filter((c) => c.route.kind === 'HTTPRoute'));
    const grpc = rivalsIndex(list.filter((c) => c.route.kind === 'GRPCRoute'));
    if (http.size === 0 || grpc.size === 0) continue;
    // Oldest first, so a claim already lost cannot knock out another.
    for (const c of [...list].sort((a, b) => compareAge(a.route, b.route))) {
      if (losers.has(c)) continue;
      const age = ageKey(c.route);
      for (const r of (c.route.kind === 'HTTPRoute' ? grpc : http).candidates(c.hostnames)) {
        if (!losers.has(r) && age < ageKey(r.route) && overlap(c.hostnames, r.hostnames)) losers.set(r, c.route);
      }
    }
  }
  return losers;
}

/**
 * The claims of one kind on a listener, found by hostname: a claim naming only exact hostnames can
 * meet only rivals naming one of them, or naming a wildcard. Listeners with hundreds of each kind
 * would otherwise compare every pair on every translation.
 */
function rivalsIndex(claims: readonly ListenerClaim[]) {
  const byHost = new Map<string, ListenerClaim[]>();
  const broad: ListenerClaim[] = [];
  for (const c of claims) {
    if (c.hostnames.some((h) => h === '*' || isWildcard(h))) broad.push(c);
    else for (const h of c.hostnames) (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(c);
  }
  return {
    size: claims.length,
    /** Every claim that may overlap `hostnames` (a superset; `overlap` decides). */
    candidates(hostnames: readonly string[]): Iterable<ListenerClaim> {
      if (hostnames.some((h) => h === '*' || isWildcard(h))) return claims;
      const found = new Set<ListenerClaim>(broad);
      for (const h of hostnames) for (const c of byHost.get(h) ?? []) found.add(c);
      return found;
    },
  };
}

function overlap(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => x === '*' || y === '*' || x === y || (isWildcard(x) && hostnameMatches(x, y)) || (isWildcard(y) && hostnameMatches(y, x))));
}

/** The HostnameConflict message for `loser`, naming the winner and why it won. */
export function conflictMessage(winner: Route, loser: Route, listenerNames: readonly string[]): string {
  const why = compareCreationTimestamps(winner.metadata.creationTimestamp, loser.metadata.creationTimestamp) < 0
    ? 'older'
    : 'same creationTimestamp, first by namespace/name';
  return `${winner.kind} ${winner.metadata.namespace}/${winner.metadata.name} takes precedence (${why}) with intersecting hostnames on listener ${listenerNames.join(', ')}; HTTPRoutes and GRPCRoutes are never merged`;
}
