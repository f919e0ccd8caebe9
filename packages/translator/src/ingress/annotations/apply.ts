/**
 * An Ingress's parsed annotations applied to one of its routes. Order of what wins, as in ingress-nginx:
 * a fail-closed security annotation over everything; a permanent/temporal redirect over the backend
 * (nginx returns before proxying, so even a broken backend redirects); then the backend with its path
 * and Host rewrites. A route that already answers an error (a broken backend) keeps it.
 * Source ranges, basic auth (`security`) and auth-url (`externalAuth`) guard every route of the Ingress, its redirects included
 * (stricter than nginx, whose `return` runs before its access checks: nothing the Ingress serves is
 * reachable without them, and a converted SecurityPolicy covering the whole HTTPRoute says the same);
 * CORS (`cors`) goes on the routes that proxy, where the HTTPRoute CORS filter would; so do the
 * limit-rps/-rpm buckets (`rateLimit`): nginx's `return` runs before limit_req, redirects are not counted;
 * the affinity cookie (`sessionPersistence`), set by nginx's balancer, which redirects never reach; and
 * the body limit (`maxRequestBytes`); and the custom-headers response headers (`responseHeaders`).
 * ssl-redirect is applied per listener (ssl-redirect-routes.ts): it concerns port 80 only.
 */
import { escapeRegex, re2GroupCount, type HTTPRouteIR, type RewriteIR, type SessionPersistenceIR } from '@portico/ir';
import type { IngressAnnotations } from './ingress-annotations.js';
import { regexPathMatch, rewriteSubstitution } from './routing/rewrite.js';
import type { SessionAffinity } from './traffic/session-affinity.js';

/** `path` is the Ingress path as written (the regex source under `regexPaths`). */
export function annotatedRoute(route: HTTPRouteIR, a: IngressAnnotations, path: string): HTTPRouteIR {
  const { destination: _d, directResponse: _r, redirect: _x, ...rest } = route;
  if (a.failClosed) return { ...rest, directResponse: { status: a.failClosed.status } };
  const secured = { ...(a.security ? { security: a.security } : {}), ...(a.externalAuth ? { externalAuth: a.externalAuth } : {}) };
  if (a.redirect) return { ...rest, ...secured, redirect: { ...a.redirect } };
  if (!route.destination) return { ...route, ...secured };
  const rewrite = { ...route.rewrite };
  const withPolicies = { ...route, ...secured, ...proxyingExtras(route, a, path) };
  if (a.rewriteTarget !== undefined) rewrite.regexPath = regexRewrite(path, a.rewriteTarget);
  if (a.upstreamHost !== undefined) rewrite.hostname = a.upstreamHost;
  const out = Object.keys(rewrite).length > 0 ? { ...withPolicies, rewrite } : withPolicies;
  // nginx limits only the time between two reads/writes: no total limit (requestMs 0), an idle one.
  return a.idleTimeoutMs === undefined ? out : { ...out, timeouts: { requestMs: 0, idleMs: a.idleTimeoutMs } };
}

/** What only the routes that proxy carry (nginx answers a `return` before any of them runs). */
function proxyingExtras(route: HTTPRouteIR, a: IngressAnnotations, path: string): Partial<HTTPRouteIR> {
  const out: Partial<HTTPRouteIR> = {};
  if (a.cors) out.cors = a.cors;
  if (a.rateLimit) out.rateLimit = { policy: `Ingress/${route.source.namespace}/${route.source.name}`, ...a.rateLimit };
  if (a.sessionAffinity) out.sessionPersistence = sessionPersistence(a.sessionAffinity, path, a.regexPaths);
  if (a.maxRequestBytes !== undefined) out.maxRequestBytes = a.maxRequestBytes;
  if (a.responseHeaders) out.responseHeaders = a.responseHeaders;
  return out;
}

/**
 * nginx `rewrite "(?i)<path>" <target>` as an Envoy regex_rewrite. An Exact path is not checked as a
 * regular expression when matching; should RE2 refuse it, its escaped text is the pattern.
 */
function regexRewrite(path: string, target: string): NonNullable<RewriteIR['regexPath']> {
  const { regex, problem } = regexPathMatch(path);
  const pattern = problem ? regexPathMatch(escapeRegex(path)).regex : regex;
  const substitution = rewriteSubstitution(target, problem ? 0 : re2GroupCount(path));
  // The target was checked when parsed (rewrite.ts): a problem here is a bug of ours, contained to this Ingress.
  if (typeof substitution !== 'string') throw new Error(`rewrite-target passed parsing but not substitution: ${substitution.problem}`);
  return { pattern, substitution };
}

/** The affinity cookie of one path: Path is session-cookie-path, else the matched path (`/` for a regex). */
export function sessionPersistence(s: SessionAffinity, path: string, regexPaths: boolean): SessionPersistenceIR {
  return {
    type: 'Cookie',
    name: s.cookieName,
    cookiePath: s.path ?? (regexPaths ? '/' : path),
    ...(s.ttlSeconds !== undefined ? { lifetime: 'Permanent' as const, absoluteTimeoutMs: s.ttlSeconds * 1000 } : { lifetime: 'Session' as const }),
  };
}
