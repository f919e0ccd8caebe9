/**
 * TLS on port 443 for one IngressClass (networking/v1 IngressTLS): one HTTPS server per distinct
 * Secret, chosen by SNI, serving the virtual hosts of the hosts its certificate is for.
 *
 * - `secretName` names a Secret in the Ingress's own namespace (IngressTLS has no namespace field); it
 *   is checked like a Gateway certificateRef (certificates.ts): a `tls.crt` chain and a matching
 *   `tls.key`. A TLS entry whose Secret is missing or invalid, or that has no `secretName` (allowed, for
 *   "TLS routing based on SNI hostname alone", which needs a certificate from elsewhere), adds nothing:
 *   its hosts get no HTTPS server, so a TLS handshake for them finds no certificate (unless the
 *   catch-all server takes them), and they stay served over cleartext HTTP on port 80. Ingress has no
 *   condition to say so; `TLSServers.problems` lists it.
 * - `hosts` are the SNI names; an entry without hosts is for "the wildcard host": the catch-all server
 *   (empty serverNames), which also serves every host that no other server names.
 * - Envoy's `*.` SNI match takes any number of labels, so `x.y.foo.com` reaches the server of TLS host
 *   `*.foo.com` rather than the catch-all; it is still routed as on port 80 (the virtual host's
 *   guards, ingress-hosts.ts), only with a certificate that does not cover it either way.
 * - One SNI name, one certificate: when two entries (with different Secrets) claim the same host, or
 *   two claim the catch-all, the oldest Ingress's entry wins (then the first entry in it).
 * - Port 80 keeps serving every host, with or without TLS: there is no automatic redirect to HTTPS
 *   (ingress-nginx redirects by default; without its ssl-redirect it behaves like this).
 */
import type { Diagnostic } from '../result.js';
import type { CertificateIR, HTTPSServerIR, VirtualHostIR } from '@portico/ir';
import type { Ingress } from '@portico/resources';
import { resolveCertificateRef } from '../gateways/certificates.js';
import type { TranslationContext } from '../context.js';
import { containObject } from '../containment.js';
import { compareHostnameSpecificity, isWildcard } from '../routes/hostnames.js';
import { CATCH_ALL_HOST } from './ingress-routes.js';

export interface TLSServers {
  servers: HTTPSServerIR[];
  /**
   * Ingresses whose TLS entries threw (containment.ts): what they had claimed may be in `servers`,
   * so the caller builds again without them.
   */
  failed: Ingress[];
  /** Ingresses (`namespace/name`) whose TLS entries made a server. */
  sources: string[];
  problems: Diagnostic[];
}

interface PendingServer {
  certificate: CertificateIR;
  source: string;
  names: string[];
  catchAll: boolean;
}

/** `ingresses` oldest first; `vhosts` the class's virtual hosts as on port 80. */
export function buildTLSServers(ctx: TranslationContext, ingresses: readonly Ingress[], vhosts: readonly VirtualHostIR[]): TLSServers {
  const bySecret = new Map<string, PendingServer>();
  const claimed = new Set<string>();
  const sources = new Set<string>();
  const problems: Diagnostic[] = [];
  const failed: Ingress[] = [];
  for (const ingress of ingresses) {
    const namespace = ingress.metadata.namespace ?? 'default';
    const key = `${namespace}/${ingress.metadata.name}`;
    // An exception here is contained to this Ingress (containment.ts); the caller builds again without it.
    const ok = containObject(ctx, ingress, () => {
      addEntries(ingress, namespace, key);
      return true;
    }, () => false);
    if (!ok) failed.push(ingress);
  }

  function addEntries(ingress: Ingress, namespace: string, key: string): void {
    (ingress.spec.tls ?? []).forEach((tls, i) => {
      const where = { kind: 'Ingress', namespace, name: ingress.metadata.name };
      if (!tls.secretName) {
        problems.push({ ...where, message: `tls[${i}]: no secretName, so no certificate to terminate TLS with` });
        return;
      }
      const secret = `${namespace}/${tls.secretName}`;
      let server = bySecret.get(secret);
      if (!server) {
        const resolved = resolveCertificateRef(ctx, namespace, { name: tls.secretName, namespace });
        if (!resolved.ok) {
          problems.push({ ...where, message: `tls[${i}]: ${resolved.message}` });
          return;
        }
        server = { certificate: resolved.certificate, source: `ingress/${key}/tls/${i}`, names: [], catchAll: false };
      }
      const hosts = tls.hosts?.length ? tls.hosts : [CATCH_ALL_HOST];
      let added = false;
      for (const host of hosts) {
        if (claimed.has(host)) continue;
        claimed.add(host);
        added = true;
        if (host === CATCH_ALL_HOST) server.catchAll = true;
        else server.names.push(host);
      }
      if (added) {
        bySecret.set(secret, server);
        sources.add(key);
      }
    });
  }
  const pending = [...bySecret.values()];
  const servers = pending.map((p): HTTPSServerIR => ({
    mode: 'HTTPS',
    name: `secret/${p.certificate.secret}`,
    source: p.source,
    // The catch-all server needs no names: any SNI not claimed elsewhere reaches it anyway.
    serverNames: p.catchAll ? [] : [...p.names].sort(compareHostnameSpecificity),
    certificates: [p.certificate],
    alpn: ['h2', 'http/1.1'],
    virtualHosts: serverVirtualHosts(p, pending, vhosts),
  }));
  // TLSListenerIR.servers order: most specific SNI first, the catch-all last.
  const sniKey = (s: HTTPSServerIR) => s.serverNames[0] ?? CATCH_ALL_HOST;
  servers.sort((a, b) => compareHostnameSpecificity(sniKey(a), sniKey(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { servers, sources: [...sources].sort(), problems, failed };
}

/**
 * What a server serves after the handshake: for each of its names, what port 80 serves that host with,
 * renamed to the name when port 80 uses a broader virtual host (so `a.foo.com` with rules only under
 * `*.foo.com`, or only host-less rules, is routed as on port 80, yet only under its own name). A
 * wildcard name also takes the one-label hosts below it that no server names exactly. The catch-all
 * server takes every virtual host that no other server's names cover, `*` included.
 */
function serverVirtualHosts(server: PendingServer, all: readonly PendingServer[], vhosts: readonly VirtualHostIR[]): VirtualHostIR[] {
  const byName = new Map(vhosts.map((v) => [v.name, v]));
  const out = new Map<string, VirtualHostIR>();
  const add = (name: string, from: VirtualHostIR | undefined) => {
    if (from && !out.has(name)) out.set(name, from.name === name ? from : { name, domains: [name], routes: from.routes });
  };
  const named = new Set(all.flatMap((s) => s.names));
  if (server.catchAll) {
    const covered = (host: string) => named.has(host) || (!isWildcard(host) && named.has(parentWildcard(host)));
    for (const v of vhosts) if (!covered(v.name)) add(v.name, v);
  }
  for (const name of server.names) {
    if (isWildcard(name)) {
      add(name, byName.get(name) ?? byName.get(CATCH_ALL_HOST));
      for (const v of vhosts) if (!isWildcard(v.name) && v.name !== CATCH_ALL_HOST && parentWildcard(v.name) === name && !named.has(v.name)) add(v.name, v);
    } else {
      add(name, byName.get(name) ?? byName.get(parentWildcard(name)) ?? byName.get(CATCH_ALL_HOST));
    }
  }
  return [...out.values()].sort((a, b) => compareHostnameSpecificity(a.name, b.name));
}

/** `a.foo.com` → `*.foo.com`: the one Ingress wildcard that matches it. */
function parentWildcard(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? '' : `*${host.slice(dot)}`;
}
