/**
 * HTTPRoute and GRPCRoute are never merged (grpcroute_types.go Hostnames): when both kinds attach to one
 * listener with intersecting hostnames, only the older route (then `namespace/name`) is accepted there.
 */
import type { Route } from '@portico/resources';
import { compareAge, compareCreationTimestamps } from './context.js';
import { hostnameMatches, isWildcard } from './hostnames.js';
import type { ListenerState } from './listeners.js';

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
    const http = list.filter((c) => c.route.kind === 'HTTPRoute');
    const grpc = list.filter((c) => c.route.kind === 'GRPCRoute');
    if (http.length === 0 || grpc.length === 0) continue;
    // Oldest first, so a claim already lost cannot knock out another.
    for (const c of [...list].sort((a, b) => compareAge(a.route, b.route))) {
      if (losers.has(c)) continue;
      const rivals = c.route.kind === 'HTTPRoute' ? grpc : http;
      for (const r of rivals) {
        if (!losers.has(r) && compareAge(c.route, r.route) < 0 && overlap(c.hostnames, r.hostnames)) losers.set(r, c.route);
      }
    }
  }
  return losers;
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
