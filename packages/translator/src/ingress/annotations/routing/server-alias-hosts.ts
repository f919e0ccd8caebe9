/**
 * ingress-nginx `server-alias` on the port 80 route table: each alias becomes one more domain of the
 * virtual host of the Ingress's first rule host, so it is answered with everything that host serves.
 * An alias that is already a host of the class (a rule's host, or an older Ingress's alias) is not
 * added, as ingress-nginx ignores it (reported): Envoy would refuse a domain named twice. Port 443 is
 * not aliased (the certificate is chosen by SNI from the Ingresses' TLS hosts): an Ingress with TLS is
 * told so. Ingresses come oldest first, so the oldest claim on an alias wins.
 */
import type { VirtualHostIR } from '@portico/ir';
import type { Ingress } from '@portico/resources';
import type { Diagnostic } from '../../../result.js';
import type { IngressAnnotations } from '../ingress-annotations.js';

interface AliasingIngress {
  ingress: Ingress;
  namespace: string;
  annotations: IngressAnnotations;
}

export function withServerAliases(virtualHosts: VirtualHostIR[], contributions: readonly AliasingIngress[]): { virtualHosts: VirtualHostIR[]; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const claimed = new Set(virtualHosts.flatMap((vh) => vh.domains.map((d) => d.toLowerCase())));
  const extra = new Map<string, string[]>();
  for (const c of contributions) {
    const aliases = c.annotations.serverAliases;
    if (!aliases) continue;
    const report = (message: string) => problems.push({ kind: 'Ingress', namespace: c.namespace, name: c.ingress.metadata.name, message: `server-alias: ${message}` });
    const host = (c.ingress.spec.rules ?? []).find((r) => r.host && !r.host.startsWith('*'))?.host;
    if (!host) {
      report('the Ingress has no rule with a (non-wildcard) host to alias: no alias is served');
      continue;
    }
    if ((c.ingress.spec.tls ?? []).length > 0) report(`the aliases of ${host} are served on port 80 only, not over HTTPS`);
    for (const alias of aliases) {
      if (claimed.has(alias.toLowerCase())) {
        report(`${JSON.stringify(alias)} is already a host of this IngressClass (a rule's host or an older Ingress's alias): the alias is ignored, as ingress-nginx does`);
        continue;
      }
      claimed.add(alias.toLowerCase());
      extra.set(host, [...(extra.get(host) ?? []), alias]);
    }
  }
  if (extra.size === 0) return { virtualHosts, problems };
  return { virtualHosts: virtualHosts.map((vh) => (extra.has(vh.name) ? { ...vh, domains: [...vh.domains, ...extra.get(vh.name)!] } : vh)), problems };
}
