/**
 * An Ingress's parsed annotations applied to one of its routes. Order of what wins, as in ingress-nginx:
 * a fail-closed security annotation over everything; a permanent/temporal redirect over the backend
 * (nginx returns before proxying, so even a broken backend redirects); then the backend with its path
 * and Host rewrites. A route that already answers an error (a broken backend) keeps it.
 * ssl-redirect is applied per listener (ssl-redirect-routes.ts): it concerns port 80 only.
 */
import type { HTTPRouteIR } from '@portico/ir';
import type { IngressAnnotations } from './ingress-annotations.js';
import { regexPathMatch } from './rewrite.js';

/** `path` is the Ingress path as written (the regex source under `regexPaths`). */
export function annotatedRoute(route: HTTPRouteIR, a: IngressAnnotations, path: string): HTTPRouteIR {
  const { destination: _d, directResponse: _r, redirect: _x, ...rest } = route;
  if (a.failClosed) return { ...rest, directResponse: { status: a.failClosed.status } };
  if (a.redirect) return { ...rest, redirect: { ...a.redirect } };
  if (!route.destination) return route;
  const rewrite = { ...route.rewrite };
  if (a.rewriteSubstitution !== undefined) rewrite.regexPath = { pattern: regexPathMatch(path).regex, substitution: a.rewriteSubstitution };
  if (a.upstreamHost !== undefined) rewrite.hostname = a.upstreamHost;
  const out = Object.keys(rewrite).length > 0 ? { ...route, rewrite } : route;
  // nginx limits only the time between two reads/writes: no total limit (requestMs 0), an idle one.
  return a.idleTimeoutMs === undefined ? out : { ...out, timeouts: { requestMs: 0, idleMs: a.idleTimeoutMs } };
}
