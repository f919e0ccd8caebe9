/**
 * The port 80 route table with ingress-nginx `ssl-redirect` / `force-ssl-redirect` applied: every route
 * of such an Ingress (on a host it has TLS for, or on every host when forced) answers a 308 to the
 * same URL with `https` (nginx `return 308 https://$host$request_uri`: host, path and query kept).
 * The port 443 table is built from the same virtual hosts untouched, so these are copies.
 */
import type { HTTPRouteIR, VirtualHostIR } from '@portico/ir';
import type { Ingress } from '@portico/resources';
import type { IngressAnnotations } from '../ingress-annotations.js';

const HTTPS_REDIRECT = { scheme: 'https', statusCode: 308 } as const;

export function httpsRedirectedVirtualHosts(
  virtualHosts: readonly VirtualHostIR[],
  contributions: readonly { ingress: Ingress; namespace: string; annotations: IngressAnnotations }[],
): VirtualHostIR[] {
  const redirecting = new Map<string, (host: string) => boolean>();
  for (const c of contributions) {
    const mode = c.annotations.sslRedirect;
    if (!mode) continue;
    const tls = c.ingress.spec.tls ?? [];
    const everyHost = mode === 'always' || tls.some((t) => (t.hosts ?? []).length === 0);
    const hosts = new Set(tls.flatMap((t) => t.hosts ?? []));
    redirecting.set(`${c.namespace}/${c.ingress.metadata.name}`, (host) => everyHost || hosts.has(host));
  }
  if (redirecting.size === 0) return [...virtualHosts];
  return virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.map((r) => (redirects(r, vh.name, redirecting) ? toHTTPS(r) : r)) }));
}

function redirects(route: HTTPRouteIR, host: string, redirecting: Map<string, (host: string) => boolean>): boolean {
  if (route.source.kind !== 'Ingress') return false;
  return redirecting.get(`${route.source.namespace}/${route.source.name}`)?.(host) ?? false;
}

function toHTTPS(route: HTTPRouteIR): HTTPRouteIR {
  // nginx redirects to HTTPS before its access checks: the redirect needs no credentials and sends no CORS headers.
  const { destination: _d, directResponse: _r, redirect: _x, rewrite: _w, security: _s, cors: _c, ...rest } = route;
  return { ...rest, redirect: { ...HTTPS_REDIRECT } };
}
