/** The answer of `portico explain`: where a request goes through a gateway's served xDS, and why. */
import type { BackendOutcome } from './outcome.js';

export type ExplainOutcome =
  | 'forwarded'
  | 'redirect'
  | 'direct-response'
  | 'misdirected'
  | 'no-virtual-host'
  | 'no-route'
  | 'invalid-backend'
  | 'no-endpoints'
  | 'cluster-not-found'
  | 'no-listener'
  | 'connection-closed'
  | 'not-http'
  | 'bad-request';

export interface NearMiss {
  route: string;
  rule: string | null;
  /** The first condition of the route that the request did not meet. */
  failed: string;
}

export interface Explanation {
  gateway: string;
  request: { method: string; url: string; authority: string; path: string; port: number; sni?: string; headers: Record<string, string> };
  /** Envoy listener name, null when no listener has the port. */
  listener: string | null;
  filterChain: string | null;
  /** The SNI entry that chose the chain (`*.example.com`); absent for a catch-all chain. */
  serverName?: string;
  routeConfig: string | null;
  virtualHost: string | null;
  /** The virtual host's domain that matched the Host. */
  domain?: string;
  /** Envoy route name. */
  route: string | null;
  /** The Gateway API / Ingress rule the route comes from (`HTTPRoute default/shop rule 0, match 0`). */
  rule: string | null;
  /** The HTTP status Envoy answers with; 0 when the request is forwarded; null when there is no HTTP answer. */
  status: number | null;
  outcome: ExplainOutcome;
  /** One sentence: why this outcome. */
  reason: string;
  /** Location of a redirect. */
  redirect: string | null;
  backends: BackendOutcome[];
  /** What the route does to the request and response on the way. */
  filters: string[];
  nearMisses: NearMiss[];
}

/**
 * Route names carry their origin (`httproute/default/shop/rule/2/match/0`, `ingress/default/blog/rule/0/path/0`):
 * turned into words for readers; null for routes of Portico's own (the 421 check).
 */
export function ruleOfRoute(name: string): string | null {
  const m = /^(httproute|grpcroute|ingress)\/([^/]+)\/([^/]+)\/rule\/(\d+)(?:\/(match|path)\/(\d+))?/.exec(name);
  if (!m) return null;
  const kind = { httproute: 'HTTPRoute', grpcroute: 'GRPCRoute', ingress: 'Ingress' }[m[1] as 'httproute'];
  return `${kind} ${m[2]}/${m[3]} rule ${m[4]}${m[5] ? `, ${m[5]} ${m[6]}` : ''}`;
}
