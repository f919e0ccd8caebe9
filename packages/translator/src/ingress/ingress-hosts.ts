/**
 * The virtual hosts of one IngressClass: every Ingress's rules merged per host (the Ingress API lets
 * several Ingresses share a host), in Ingress precedence (ingress-precedence.ts).
 *
 * - Duplicates: when two paths of one host match the same requests (same normalised path and type),
 *   only the oldest Ingress's (creationTimestamp, then namespace/name; within one Ingress, the first
 *   rule and path) is kept. ingress-nginx keeps the oldest too; the other is dropped silently, as
 *   Ingress has no status condition to say so.
 * - defaultBackend ("the backend that should handle requests that don't match any rule"): an Ingress's
 *   default backend catches, at the lowest precedence, what no path matches in each host that Ingress
 *   has rules for (ingress-nginx does the same for the hosts an Ingress defines). A request for a host
 *   that no Ingress names matches no rule at all: the catch-all host `*` takes it, and there the
 *   default backend of an Ingress with host-less rules (or no rules) comes first, then that of any
 *   Ingress of the class. Among several candidates, the oldest Ingress wins. A host without a default
 *   backend answers 404 for unmatched paths; it does not fall through to `*` (nor does it in ingress-nginx
 *   or in Envoy, which picks one virtual host per request).
 * - Wildcard hosts: Envoy sends `a.b.foo.com` to the virtual host `*.foo.com`, but the Ingress host
 *   `*.foo.com` does not match it (one label only, see ingress-routes.ts), so for the Ingress it is a
 *   host no rule names: the virtual host ends with the catch-all host's routes, limited to hosts with
 *   more than one label before the suffix.
 */
import type { HTTPRouteIR, VirtualHostIR } from '@portico/ir';
import type { Diagnostic } from '../result.js';
import { assignCanaries, canaryPathKey, withCanary } from './annotations/routing/canary-routes.js';
import { compareHostnameSpecificity, isWildcard } from '../routes/hostnames.js';
import { compareOrigins } from '../gateway-ir/precedence.js';
import { compareIngressPaths, samePathMatch } from './ingress-precedence.js';
import {
  CATCH_ALL_HOST,
  defaultBackendRoute,
  wildcardAuthority,
  type IngressContribution,
  type IngressRouteEntry,
} from './ingress-routes.js';

/**
 * `contributions` oldest Ingress first (collectIngressClasses). Sorted most specific host first; each
 * main route followed by its canary's (annotations/routing/canary-routes.ts), whose problems are returned.
 */
export function buildIngressVirtualHosts(contributions: readonly IngressContribution[]): { virtualHosts: VirtualHostIR[]; problems: Diagnostic[] } {
  const byHost = new Map<string, { entries: IngressRouteEntry[]; contributors: IngressContribution[] }>();
  for (const c of contributions) {
    for (const [host, entries] of c.hosts) {
      let merged = byHost.get(host);
      if (!merged) byHost.set(host, (merged = { entries: [], contributors: [] }));
      merged.contributors.push(c);
      for (const entry of entries) {
        if (!merged.entries.some((kept) => samePathMatch(kept.path, entry.path))) merged.entries.push(entry);
      }
    }
  }
  const classDefault = contributions.find((c) => c.defaultBackend);
  if (classDefault && !byHost.has(CATCH_ALL_HOST)) byHost.set(CATCH_ALL_HOST, { entries: [], contributors: [] });

  const byKey = new Map(contributions.map((c) => [`${c.namespace}/${c.ingress.metadata.name}`, c]));
  const { splits, problems } = assignCanaries(
    contributions.flatMap((c) => (c.canary ? [c.canary] : [])),
    // Paths only (rule >= 0): an app-root redirect has nothing to share.
    (host) => [...(byHost.get(host)?.entries ?? [])].sort(compareEntries).filter((e) => e.origin.rule >= 0).map((e) => ({
      route: e.ir,
      path: canaryPathKey(e.path.source ?? e.path.value),
      exact: e.path.type === 'Exact',
      annotations: byKey.get(e.origin.key)!.annotations,
    })),
  );
  const routesOf = new Map<string, HTTPRouteIR[]>();
  for (const [host, { entries, contributors }] of byHost) {
    const routes = [...entries].sort(compareEntries).flatMap((e) => {
      const split = splits.get(e.ir.name);
      return split ? withCanary(e.ir, split) : [e.ir];
    });
    const fallback = contributors.find((c) => c.defaultBackend) ?? (host === CATCH_ALL_HOST ? classDefault : undefined);
    if (fallback) routes.push(defaultBackendRoute(fallback, host));
    routesOf.set(host, routes);
  }
  const catchAll = routesOf.get(CATCH_ALL_HOST) ?? [];
  const virtualHosts = [...routesOf.keys()].sort(compareHostnameSpecificity).map((host) => {
    const routes = routesOf.get(host)!;
    if (isWildcard(host) && catchAll.length > 0) {
      const several = wildcardAuthority(host, 'several');
      for (const r of catchAll) routes.push({ ...r, match: { ...r.match, headers: [...(r.match.headers ?? []), several] } });
    }
    return { name: host, domains: [host], routes };
  });
  return { virtualHosts, problems };
}

function compareEntries(a: IngressRouteEntry, b: IngressRouteEntry): number {
  return compareIngressPaths(a.path, b.path) || compareOrigins(a.origin, b.origin);
}
