/**
 * What one IngressClass serves, host by host, as the Ingress translator builds it (ingress-hosts.ts,
 * ingress-tls.ts, annotations/routing/server-alias-hosts.ts, annotations/routing/ssl-redirect-routes.ts), planned
 * for conversion: each host's paths (the oldest Ingress's where two match the same requests), its
 * app-root redirect and default backend, the TLS host claims (oldest first), the server aliases, and
 * which Ingresses redirect which hosts to HTTPS on port 80.
 */
import type { Ingress, IngressBackend } from '@portico/resources';
import type { IngressAnnotations } from '../ingress/annotations/ingress-annotations.js';
import { compareIngressPaths, samePathMatch } from '../ingress/ingress-precedence.js';
import { canaryPathKey } from '../ingress/annotations/routing/canary-routes.js';
import type { CanaryPolicy } from '../ingress/annotations/routing/canary.js';
import { compareAge } from '../context.js';
import { isWildcard } from '../routes/hostnames.js';
import type { ConversionNote } from './conversion-report.js';
import { convertedPathMatch, type ConvertedPath } from './converted-paths.js';

export const CATCH_ALL = '*';

export interface ClassIngress {
  ingress: Ingress;
  namespace: string;
  key: string;
  annotations: IngressAnnotations;
}

export interface PlannedPath {
  owner: ClassIngress;
  kind: 'path' | 'app-root' | 'default-backend';
  path: ConvertedPath;
  /** The Ingress path as written (the rewrite's regex source). */
  written: string;
  backend?: IngressBackend;
  /** The canary Ingress sharing this path (annotations/routing/canary-routes.ts). */
  canary?: { owner: ClassIngress; policy: CanaryPolicy; backend: IngressBackend };
}

export interface TLSClaim {
  host: string;
  secret: string;
  namespace: string;
  owner: ClassIngress;
}

export interface ClassPlan {
  /** Paths by host (`*`: rules without host), in Ingress and rule order. */
  hosts: Map<string, PlannedPath[]>;
  tls: TLSClaim[];
  aliases: Map<string, string[]>;
  /** Does this Ingress redirect `host` to HTTPS on port 80? */
  redirectsToHTTPS(owner: ClassIngress, host: string): boolean;
}

/** `ingresses` (the canaries apart) oldest first. */
export function planClass(ingresses: readonly ClassIngress[], canaries: readonly ClassIngress[], note: (n: ConversionNote) => void): ClassPlan {
  const hosts = new Map<string, PlannedPath[]>();
  const contributors = new Map<string, ClassIngress[]>();
  const entriesOf = (host: string, owner: ClassIngress) => {
    let list = hosts.get(host);
    if (!list) hosts.set(host, (list = []));
    const c = contributors.get(host) ?? [];
    if (!c.includes(owner)) contributors.set(host, [...c, owner]);
    return list;
  };
  const add = (list: PlannedPath[], entry: PlannedPath, host: string) => {
    const older = list.find((kept) => samePathMatch(kept.path.ingressMatch, entry.path.ingressMatch));
    if (!older) list.push(entry);
    else if (older.owner !== entry.owner) {
      note({ ingress: entry.owner.key, level: 'partial', message: `host ${host} path ${JSON.stringify(entry.written)} matches the same requests as older Ingress ${older.owner.key}'s: left out, as ingress-nginx and the Ingress translator serve the older one` });
    }
  };
  for (const owner of ingresses) {
    const { ingress, annotations } = owner;
    for (const rule of ingress.spec.rules ?? []) {
      const host = rule.host || CATCH_ALL;
      if (isWildcard(host)) note({ ingress: owner.key, level: 'partial', message: `host ${host}: an Ingress wildcard matches one label, a Gateway API wildcard any number (${host.slice(2)}'s deeper subdomains are served too)` });
      const fresh = !contributors.get(host)?.includes(owner);
      const list = entriesOf(host, owner);
      if (annotations.appRoot !== undefined && fresh) {
        add(list, { owner, kind: 'app-root', path: { ingressMatch: { type: 'Exact', value: '/' }, match: { type: 'Exact', value: '/' } }, written: '/' }, host);
      }
      for (const p of rule.http?.paths ?? []) {
        add(list, { owner, kind: 'path', path: convertedPathMatch(p.pathType, p.path, annotations), written: p.path ?? '/', backend: p.backend }, host);
      }
    }
    if (ingress.spec.defaultBackend && (ingress.spec.rules ?? []).length === 0) entriesOf(CATCH_ALL, owner);
  }
  const classDefault = ingresses.find((o) => o.ingress.spec.defaultBackend);
  if (classDefault && !hosts.has(CATCH_ALL)) entriesOf(CATCH_ALL, classDefault);
  for (const [host, list] of hosts) {
    const fallback = contributors.get(host)?.find((o) => o.ingress.spec.defaultBackend) ?? (host === CATCH_ALL ? classDefault : undefined);
    // A host whose paths already take `/` never reaches its default backend (the Ingress translator's route there is shadowed).
    if (!fallback || list.some((e) => e.path.ingressMatch.type === 'PathPrefix' && e.path.ingressMatch.value === '/')) continue;
    list.push({ owner: fallback, kind: 'default-backend', path: { ingressMatch: { type: 'PathPrefix', value: '/' }, match: { type: 'PathPrefix', value: '/' } }, written: '/', backend: fallback.ingress.spec.defaultBackend! });
  }
  assignCanaries(hosts, canaries, note);
  // A canary's TLS entries count as any Ingress's (ingress-tls.ts takes every Ingress of the class).
  const all = [...ingresses, ...canaries].sort((a, b) => compareAge(a.ingress, b.ingress));
  return { hosts, tls: tlsClaims(all, note), aliases: serverAliases(ingresses, hosts, note), redirectsToHTTPS };
}

/** As the Ingress translator assigns them (annotations/routing/canary-routes.ts assignCanaries): one per path, the oldest. */
function assignCanaries(hosts: Map<string, PlannedPath[]>, canaries: readonly ClassIngress[], note: (n: ConversionNote) => void): void {
  for (const owner of canaries) {
    (owner.ingress.spec.rules ?? []).forEach((rule, r) => {
      (rule.http?.paths ?? []).forEach((p, i) => {
        const host = rule.host || CATCH_ALL;
        const key = canaryPathKey(p.path);
        const exact = p.pathType === 'Exact';
        const main = (hosts.get(host) ?? [])
          .filter((e) => e.kind === 'path' && canaryPathKey(e.path.ingressMatch.source ?? e.path.ingressMatch.value) === key && (e.path.ingressMatch.type === 'Exact') === exact)
          .sort((a, b) => compareIngressPaths(a.path.ingressMatch, b.path.ingressMatch))[0];
        const where = `rule ${r} path ${i}`;
        if (!main) note({ ingress: owner.key, annotation: 'canary', level: 'invalid', message: `${where}: no Ingress serves host ${host} path ${key} for this canary to share: not converted (the Ingress translator does not serve it either)` });
        else if (main.canary) note({ ingress: owner.key, annotation: 'canary', level: 'invalid', message: `${where}: host ${host} path ${key} already has canary ${main.canary.owner.key} (one per path): not converted` });
        else main.canary = { owner, policy: owner.annotations.canary!, backend: p.backend };
      });
    });
  }
}

function tlsClaims(ingresses: readonly ClassIngress[], note: (n: ConversionNote) => void): TLSClaim[] {
  const claimed = new Map<string, TLSClaim>();
  for (const owner of ingresses) {
    (owner.ingress.spec.tls ?? []).forEach((tls, i) => {
      if (!tls.secretName) {
        note({ ingress: owner.key, level: 'invalid', message: `tls[${i}] has no secretName: no certificate to terminate TLS with, so no HTTPS listener (as the Ingress translator)` });
        return;
      }
      for (const host of tls.hosts?.length ? tls.hosts : [CATCH_ALL]) {
        if (!claimed.has(host)) claimed.set(host, { host, secret: tls.secretName, namespace: owner.namespace, owner });
      }
    });
  }
  return [...claimed.values()];
}

/** annotations/routing/server-alias-hosts.ts: aliases of each Ingress's first named host, oldest claim first, port 80 only. */
function serverAliases(ingresses: readonly ClassIngress[], hosts: Map<string, PlannedPath[]>, note: (n: ConversionNote) => void): Map<string, string[]> {
  const claimed = new Set(hosts.keys());
  const out = new Map<string, string[]>();
  for (const owner of ingresses) {
    const aliases = owner.annotations.serverAliases;
    if (!aliases) continue;
    const host = (owner.ingress.spec.rules ?? []).find((r) => r.host && !isWildcard(r.host))?.host;
    if (!host) {
      note({ ingress: owner.key, annotation: 'server-alias', level: 'invalid', message: 'the Ingress has no rule with a (non-wildcard) host to alias: no alias is served' });
      continue;
    }
    for (const alias of aliases) {
      if (claimed.has(alias)) {
        note({ ingress: owner.key, annotation: 'server-alias', level: 'invalid', message: `${JSON.stringify(alias)} is already a host of this IngressClass: ignored, as ingress-nginx does` });
        continue;
      }
      claimed.add(alias);
      out.set(host, [...(out.get(host) ?? []), alias]);
    }
  }
  return out;
}

function redirectsToHTTPS(owner: ClassIngress, host: string): boolean {
  const mode = owner.annotations.sslRedirect;
  if (!mode) return false;
  const tls = owner.ingress.spec.tls ?? [];
  return mode === 'always' || tls.some((t) => (t.hosts ?? []).length === 0 || (t.hosts ?? []).includes(host));
}
