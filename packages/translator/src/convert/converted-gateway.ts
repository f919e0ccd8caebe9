/**
 * The Gateway standing in for one IngressClass's synthetic gateway (ingress-gateway.ts), and which of
 * its listeners each host's HTTPRoutes attach to.
 * - Port 80: one `http` listener for every host. When the class has rules without host (or a default
 *   backend), those serve only hosts no rule names (a named host without a matching path answers 404,
 *   it does not fall through): Gateway API gives that isolation between listeners
 *   (GatewayHTTPListenerIsolation), not between routes of one listener, so each named host (and
 *   server alias) then gets a listener `http-<host>` of its own, and `http` keeps the rest.
 * - Port 443: one HTTPS listener per TLS host (`https-<host>`, the oldest Ingress's Secret), `https`
 *   for a TLS entry without hosts. A TLS host's listener serves what port 80 serves for that host
 *   (its own rules, else the host-less ones); `https` serves every host no TLS entry names.
 * - Secrets in another namespace than the Gateway's are allowed by a ReferenceGrant there.
 */
import type { Gateway, Listener, ReferenceGrant } from '@portico/resources';
import { CATCH_ALL, type ClassPlan } from './class-plan.js';

export interface GatewayLayout {
  gateway: Gateway;
  grants: ReferenceGrant[];
  /** Listener names (sectionName) serving `host`'s rules on port 80 (with its aliases). */
  http(host: string): string[];
  /** Listener names serving `host`'s rules on port 443. */
  https(host: string): string[];
}

/** Gateway API allows at most 64 listeners per Gateway. */
export const MAX_LISTENERS = 64;

export function gatewayLayout(name: string, namespace: string, gatewayClassName: string, plan: ClassPlan, routeNamespaces: ReadonlySet<string>): GatewayLayout {
  const names = new Set<string>();
  const sectionName = (prefix: string, host: string) => {
    const base = host === CATCH_ALL ? prefix : `${prefix}-${host.replace(/^\*/, 'wildcard').replace(/\./g, '-')}`.slice(0, 200);
    let out = base;
    for (let i = 2; names.has(out); i++) out = `${base}-${i}`;
    names.add(out);
    return out;
  };
  const allowedRoutes = [...routeNamespaces].some((ns) => ns !== namespace) ? { allowedRoutes: { namespaces: { from: 'All' as const } } } : {};
  const listeners: Listener[] = [{ name: sectionName('http', CATCH_ALL), port: 80, protocol: 'HTTP', ...allowedRoutes }];
  const httpOf = new Map<string, string>();
  const isolated = plan.hosts.has(CATCH_ALL);
  if (isolated) {
    const named = [...plan.hosts.keys(), ...[...plan.aliases.values()].flat()].filter((h) => h !== CATCH_ALL).sort();
    for (const host of named) {
      const section = sectionName('http', host);
      httpOf.set(host, section);
      listeners.push({ name: section, hostname: host, port: 80, protocol: 'HTTP', ...allowedRoutes });
    }
  }
  const httpsOf = new Map<string, string>();
  // The TLS entry without hosts serves each host no entry names with that host's own rules only: with
  // host-less rules in the class, those hosts get listeners of their own (with its certificate) too.
  const catchAllTLS = plan.tls.find((c) => c.host === CATCH_ALL);
  const claims = [...plan.tls];
  if (catchAllTLS && isolated) {
    for (const host of [...plan.hosts.keys()].sort()) if (host !== CATCH_ALL && !claims.some((c) => c.host === host)) claims.push({ ...catchAllTLS, host });
  }
  for (const claim of claims) {
    const section = sectionName('https', claim.host);
    httpsOf.set(claim.host, section);
    const ref = { group: '', kind: 'Secret', name: claim.secret, ...(claim.namespace !== namespace ? { namespace: claim.namespace } : {}) };
    listeners.push({
      name: section,
      ...(claim.host === CATCH_ALL ? {} : { hostname: claim.host }),
      port: 443,
      protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificateRefs: [ref] },
      ...allowedRoutes,
    });
  }
  const source = (tlsHost: string) => (plan.hosts.has(tlsHost) ? tlsHost : plan.hosts.has(CATCH_ALL) ? CATCH_ALL : undefined);
  return {
    gateway: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace },
      spec: { gatewayClassName, listeners },
    } as Gateway,
    grants: secretGrants(name, namespace, plan),
    http: (host) => {
      if (!isolated || host === CATCH_ALL) return [listeners[0]!.name];
      return [host, ...(plan.aliases.get(host) ?? [])].map((h) => httpOf.get(h)!);
    },
    https: (host) => {
      const out = claims.filter((c) => c.host !== CATCH_ALL && source(c.host) === host).map((c) => httpsOf.get(c.host)!);
      if (httpsOf.has(CATCH_ALL) && (host === CATCH_ALL || !httpsOf.has(host))) out.push(httpsOf.get(CATCH_ALL)!);
      return out;
    },
  };
}

function secretGrants(gateway: string, namespace: string, plan: ClassPlan): ReferenceGrant[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const c of plan.tls) {
    if (c.namespace === namespace) continue;
    byNamespace.set(c.namespace, (byNamespace.get(c.namespace) ?? new Set()).add(c.secret));
  }
  return [...byNamespace].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, secrets]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: `${gateway}-gateway-tls`, namespace: ns },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace }],
      to: [...secrets].sort().map((name) => ({ group: '', kind: 'Secret', name })),
    },
  }));
}
