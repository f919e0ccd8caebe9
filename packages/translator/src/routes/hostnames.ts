/**
 * Hostname matching for Gateway API. A `*.` wildcard label matches one or more labels
 * (`*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`).
 */

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** Does `pattern` (a hostname, a `*.` wildcard, or undefined for "any") match `hostname`? */
export function hostnameMatches(pattern: string | undefined, hostname: string): boolean {
  if (!pattern) return true;
  if (!isWildcard(pattern)) return pattern === hostname;
  const suffix = pattern.slice(1); // ".example.com"
  return hostname.endsWith(suffix) && hostname.length > suffix.length;
}

/**
 * The hostnames a Route serves through a Listener: the intersection of the two sets, with the most
 * specific of each overlapping pair kept (httproute_types.go "Hostnames"). `[]` means no overlap;
 * `['*']` means any host.
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[] | undefined): string[] {
  if (!routeHostnames || routeHostnames.length === 0) return [listenerHostname || '*'];
  if (!listenerHostname) return [...routeHostnames];
  const out: string[] = [];
  for (const h of routeHostnames) {
    if (hostnameMatches(listenerHostname, h) || h === listenerHostname) out.push(h);
    else if (isWildcard(h) && hostnameMatches(h, listenerHostname)) out.push(listenerHostname);
  }
  return [...new Set(out)];
}

/**
 * The route hostname an intersection came from (httproute_types.go Hostnames: "When multiple
 * HTTPRoutes attach to the same Listener and yield identical Listener/Route intersected hostnames,
 * implementations SHOULD evaluate precedence using the original hostnames configured on the Route",
 * GatewayRouteHostnameIntersectionPrecedence): the most specific route hostname whose intersection
 * with the listener hostname is `intersected`; `*` for a route without hostnames, which is the least
 * specific of all.
 */
export function routeHostnameBehind(listenerHostname: string | undefined, routeHostnames: readonly string[] | undefined, intersected: string): string {
  if (!routeHostnames || routeHostnames.length === 0) return '*';
  // Asked again for every attachment of every route on each translation: the last answer is
  // remembered per route hostnames array (the route's own, the same object while the route is unchanged).
  const last = lastBehind.get(routeHostnames);
  if (last && last.listenerHostname === listenerHostname && last.intersected === intersected) return last.behind;
  const behind = routeHostnames.length === 1
    ? (intersectHostnames(listenerHostname, routeHostnames).includes(intersected) ? routeHostnames[0]! : intersected)
    : (routeHostnames.filter((h) => intersectHostnames(listenerHostname, [h]).includes(intersected)).sort(compareHostnameSpecificity)[0] ?? intersected);
  lastBehind.set(routeHostnames, { listenerHostname, intersected, behind });
  return behind;
}

const lastBehind = new WeakMap<readonly string[], { listenerHostname: string | undefined; intersected: string; behind: string }>();

/**
 * Orders hostnames most specific first: exact names before wildcards, longer before shorter, then
 * alphabetically; the catch-all `*` last. This is also the order in which Envoy picks virtual hosts.
 */
export function compareHostnameSpecificity(a: string, b: string): number {
  const rank = (h: string) => (h === '*' ? 2 : isWildcard(h) ? 1 : 0);
  return rank(a) - rank(b) || b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Among several listener hostnames on one port, the one that owns requests for `hostname`: an exact
 * listener hostname first, then the longest matching wildcard, then the listener without hostname.
 * For a wildcard `hostname`, only listeners at least as broad can own it.
 * Returns the index into `listenerHostnames`, or -1.
 */
export function owningListener(listenerHostnames: readonly (string | undefined)[], hostname: string): number {
  let best = -1;
  let bestRank = Infinity;
  listenerHostnames.forEach((lh, i) => {
    let rank: number;
    if (!lh) rank = 1e9;
    else if (lh === hostname) rank = 0;
    else if (isWildcard(lh) && hostnameMatches(lh, hostname.replace(/^\*\./, 'x.'))) rank = 1e6 - lh.length;
    else return;
    if (rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  });
  return best;
}
