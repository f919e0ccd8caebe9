/**
 * Proof by equivalence for `portico convert`: the Ingresses (a) and their conversion (b) are each
 * translated to xDS as `translate --to xds` does, and
 * 1. the routing tables are compared per port and virtual-host domain: the routes' matches and
 *    actions (clusters by what they are — Service, port, protocol, TLS, endpoints — not by name;
 *    redirects; direct responses; rewrites), in order wherever order can matter (two routes that can
 *    match the same request must come in the same order); route names, metadata and timeouts are not
 *    compared (timeouts are not routing, and the report lists each idle-timeout change);
 * 2. `explain` answers sampled requests (hosts × paths × ports) against both, and the answers must be
 *    the same: status, outcome, redirect, backends with weights and endpoints, rewritten path.
 */
import { explainRequest, offlineInput, parseExplainRequest, type Explanation } from '@portico/diagnose';
import type { KubeObject, Resource } from '@portico/resources';

export interface Equivalence {
  tables: number;
  routes: number;
  requests: number;
  differences: string[];
  /**
   * Differences the conversion report names, and only those: a permanent/temporal redirect drops the
   * query string under the Ingress (`strip_query`) and keeps it in Gateway API, which cannot say otherwise;
   * an ingress-nginx rate limit's burst, 503 and limit-rpm, which a RateLimitPolicy cannot say; a
   * proxy-body-size, which Gateway API cannot say at all.
   */
  reported: string[];
}

type Json = Record<string, any>;

const NOW = new Date('2026-01-01T00:00:00Z');
const LOCAL_RATE_LIMIT = 'envoy.filters.http.local_ratelimit';
const BUFFER = 'envoy.filters.http.buffer';

export function compareConversion(ingresses: readonly KubeObject[], converted: readonly KubeObject[], ingressController: string): Equivalence {
  const a = offlineInput(ingresses as Resource[], NOW, { ingressControllerName: ingressController }).xds!;
  const b = offlineInput(converted as Resource[], NOW).xds!;
  const out: Equivalence = { tables: 0, routes: 0, requests: 0, differences: [], reported: [] };
  for (const [name, dumpA] of a) {
    if (!name.startsWith('ingressclass/')) continue;
    const className = name.slice('ingressclass/'.length);
    const gateway = [...b.keys()].find((k) => k.endsWith(`/${className}`));
    // A class without Ingresses keeps an empty port 80 under Portico; there is nothing to convert.
    if (!gateway && domainsOf(dumpA).length === 0) continue;
    if (!gateway) {
      out.differences.push(`${name}: no converted Gateway named ${className}`);
      continue;
    }
    const dumpB = b.get(gateway);
    const domains = [...new Set([...domainsOf(dumpA), ...domainsOf(dumpB)])].sort();
    for (const scheme of ['http', 'https'] as const) {
      for (const domain of domains) compareTable(out, `${scheme}://${domain}`, dumpA, dumpB, scheme, domain);
    }
    for (const { url, headers } of [...sampledURLs(ingresses, domains).map((url) => ({ url, headers: [] as string[] })), ...canaryRequests(ingresses)]) {
      out.requests++;
      const ea = answer(explainRequest(name, dumpA, parseExplainRequest(url, { headers })), dumpA);
      const eb = answer(explainRequest(gateway, dumpB, parseExplainRequest(url, { headers })), dumpB);
      if (JSON.stringify(ea) !== JSON.stringify(eb)) out.differences.push(`${url} ${headers.join(', ')}: Ingress ${JSON.stringify(ea)} ≠ converted ${JSON.stringify(eb)}`);
    }
  }
  return out;
}

/** What a client sees of an explanation, clusters by signature. */
function answer(e: Explanation, dump: unknown): Json {
  const rewritten = / as (\S+)$/.exec(e.reason.split(';')[0]!)?.[1] ?? null;
  return {
    status: e.status,
    outcome: e.outcome,
    redirect: e.redirect,
    rewritten,
    backends: e.backends.map((x) => ({ cluster: clusterSignature(dump, x.cluster), weight: x.weight, endpoints: x.endpoints, status: x.status })),
  };
}

function compareTable(out: Equivalence, where: string, dumpA: unknown, dumpB: unknown, scheme: 'http' | 'https', domain: string): void {
  const host = domain === '*' ? 'unknown.invalid' : domain.replace(/^\*/, 'any');
  const request = parseExplainRequest(`${scheme}://${host}/`, { headers: [] });
  const ra = routesServing(dumpA, request);
  const rb = routesServing(dumpB, request);
  if (!ra && !rb) return;
  out.tables++;
  const na = normalised(ra ?? [], dumpA, (route) => out.reported.push(`${where}: ${route} strips the query (Gateway API keeps it)`), (route) => out.reported.push(`${where}: ${route} rate limit burst and status (a RateLimitPolicy's differ)`), (route) => out.reported.push(`${where}: ${route} body limit (Gateway API has none)`));
  const nb = normalised(rb ?? [], dumpB, () => out.differences.push(`${where}: the conversion strips a query`), () => undefined, () => out.differences.push(`${where}: the conversion limits a body`));
  out.routes += na.length;
  const ka = na.map((r) => JSON.stringify(r));
  const kb = nb.map((r) => JSON.stringify(r));
  for (const k of ka) if (!kb.includes(k)) out.differences.push(`${where}: route only for the Ingresses: ${k}`);
  for (const k of kb) if (!ka.includes(k)) out.differences.push(`${where}: route only in the conversion: ${k}`);
  for (let i = 0; i < na.length; i++) {
    for (let j = i + 1; j < na.length; j++) {
      const bi = kb.indexOf(ka[i]!);
      const bj = kb.indexOf(ka[j]!);
      if (bi >= 0 && bj >= 0 && bi > bj && mayOverlap(na[i]!.match, na[j]!.match)) out.differences.push(`${where}: order of ${ka[i]} and ${ka[j]} differs`);
    }
  }
}

/** The routes of the virtual host that takes `request` (explain's own listener, chain and host selection). */
function routesServing(dump: any, request: ReturnType<typeof parseExplainRequest>): Json[] | undefined {
  const e = explainRequest('x', dump, request);
  if (!e.routeConfig || !e.virtualHost) return undefined;
  const table = (dump.routes?.dynamicRouteConfigs ?? []).map((c: Json) => c.routeConfig).find((c: Json) => c.name === e.routeConfig);
  return table?.virtualHosts?.find((v: Json) => v.name === e.virtualHost)?.routes;
}

/**
 * Routes without names, metadata and timeouts, clusters by signature, a full-path regex rewrite as the
 * path it writes, security filters without the policy's name (an Ingress's is `Ingress/<ns>/<name>`, its
 * converted SecurityPolicy's `<ns>/<name>`: the same checks), a local rate limit as its first
 * per-client rate (what a converted RateLimitPolicy keeps; `rateLimited` hears of the rest, an
 * ingress-nginx burst and status), without a body limit (`bodyLimited` hears of it); shadowed
 * duplicates dropped.
 */
function normalised(routes: readonly Json[], dump: unknown, stripsQuery: (route: string) => void, rateLimited: (route: string) => void, bodyLimited: (route: string) => void): Json[] {
  const seen = new Set<string>();
  const out: Json[] = [];
  for (const r of routes) {
    if (String(r.name ?? '').startsWith('misdirected:')) continue;
    const match = JSON.stringify(r.match);
    if (seen.has(match)) continue;
    seen.add(match);
    const { name: _n, metadata: _m, decorator: _d, ...rest } = r;
    const copy = JSON.parse(JSON.stringify(rest)) as Json;
    if (copy.redirect?.stripQuery) {
      stripsQuery(String(r.name));
      delete copy.redirect.stripQuery;
    }
    if (copy.typedPerFilterConfig) copy.typedPerFilterConfig = withoutPolicyNames(copy.typedPerFilterConfig);
    if (copy.typedPerFilterConfig?.[BUFFER]) {
      bodyLimited(String(r.name));
      delete copy.typedPerFilterConfig[BUFFER];
      if (Object.keys(copy.typedPerFilterConfig).length === 0) delete copy.typedPerFilterConfig;
    }
    const limit = copy.typedPerFilterConfig?.[LOCAL_RATE_LIMIT];
    if (limit) {
      if (limit.status || (limit.descriptors ?? []).length > 1 || (limit.descriptors ?? []).some((d: Json) => d.tokenBucket.maxTokens !== d.tokenBucket.tokensPerFill)) rateLimited(String(r.name));
      const first = limit.descriptors?.[0];
      copy.typedPerFilterConfig[LOCAL_RATE_LIMIT] = { shared: limit.tokenBucket, first: first && { entries: first.entries, tokensPerFill: first.tokenBucket.tokensPerFill, fillInterval: first.tokenBucket.fillInterval } };
    }
    if (copy.route) {
      delete copy.route.timeout;
      delete copy.route.idleTimeout;
      if (copy.route.cluster) copy.route.cluster = clusterSignature(dump, copy.route.cluster);
      for (const c of copy.route.weightedClusters?.clusters ?? []) c.name = clusterSignature(dump, c.name);
      const rw = copy.route.regexRewrite;
      if (rw && !/\\[0-9]/.test(rw.substitution)) copy.route.regexRewrite = { fullPath: rw.substitution };
    }
    out.push(copy);
  }
  return out;
}

/** `envoy.filters.http.basic_auth/<policy>` → `…/<policy>`, and the RBAC per-route policy's name likewise. */
function withoutPolicyNames(perFilter: Json): Json {
  const out: Json = {};
  for (const [name, config] of Object.entries(perFilter as Record<string, Json>)) {
    const policies = config?.rbac?.rules?.policies;
    if (policies) config.rbac.rules.policies = Object.fromEntries(Object.values(policies).map((p, i) => [`<policy ${i}>`, p]));
    out[name.replace(/^(envoy\.filters\.http\.basic_auth)\/.*$/, '$1/<policy>')] = config;
  }
  return out;
}

const signatures = new WeakMap<object, Map<string, string>>();

/** A cluster by what it is: its config without names, and its endpoints. */
function clusterSignature(dump: any, name: string): string {
  let cache = signatures.get(dump);
  if (!cache) signatures.set(dump, (cache = new Map()));
  const known = cache.get(name);
  if (known) return known;
  const cluster = (dump.clusters?.dynamicActiveClusters ?? []).map((c: Json) => c.cluster).find((c: Json) => c.name === name);
  const endpoints = (dump.endpoints?.dynamicEndpointConfigs ?? []).map((c: Json) => c.endpointConfig).find((c: Json) => c.clusterName === name);
  const { name: _n, altStatName: _a, edsClusterConfig: _e, ...config } = cluster ?? { missing: name };
  const addresses = (endpoints?.endpoints ?? []).flatMap((l: Json) => (l.lbEndpoints ?? []).map((e: Json) => JSON.stringify(e.endpoint?.address))).sort();
  const signature = JSON.stringify({ config, addresses });
  cache.set(name, signature);
  return signature;
}

/** Can one request match both? Conservative: only disjoint paths, or different exact values of one header, say no. */
function mayOverlap(a: Json, b: Json): boolean {
  const headersDisjoint = (a.headers ?? []).some((ha: Json) => (b.headers ?? []).some((hb: Json) => ha.name === hb.name && ha.stringMatch?.exact !== undefined && hb.stringMatch?.exact !== undefined && ha.stringMatch.exact !== hb.stringMatch.exact));
  if (headersDisjoint) return false;
  const pa = pathOf(a);
  const pb = pathOf(b);
  if (pa.kind === 'regex' || pb.kind === 'regex') {
    const [re, other] = pa.kind === 'regex' ? [pa, pb] : [pb, pa];
    if (other.kind !== 'exact') return true;
    return new RegExp(`^(?:${re.value.replace(/^\(\?i\)/, '')})$`, re.value.startsWith('(?i)') ? 'i' : '').test(other.value);
  }
  const under = (p: string, prefix: string) => prefix === '/' || p === prefix || p.startsWith(`${prefix.replace(/\/$/, '')}/`);
  if (pa.kind === 'exact' && pb.kind === 'exact') return pa.value === pb.value;
  if (pa.kind === 'exact') return under(pa.value, pb.value);
  if (pb.kind === 'exact') return under(pb.value, pa.value);
  return under(pa.value, pb.value) || under(pb.value, pa.value);
}

function pathOf(match: Json): { kind: 'exact' | 'prefix' | 'regex'; value: string } {
  if (match.path !== undefined) return { kind: 'exact', value: match.path };
  if (match.safeRegex) return { kind: 'regex', value: match.safeRegex.regex };
  if (match.pathSeparatedPrefix !== undefined) return { kind: 'prefix', value: match.pathSeparatedPrefix };
  // A plain `prefix` is character-wise: treat as overlapping anything under it.
  return { kind: 'prefix', value: match.prefix ?? '/' };
}

function domainsOf(dump: any): string[] {
  return (dump.routes?.dynamicRouteConfigs ?? []).flatMap((c: Json) => (c.routeConfig.virtualHosts ?? []).flatMap((v: Json) => v.domains ?? []));
}

/** Request URLs: every host (and one nobody names) × paths made from the Ingresses' own paths × both schemes. */
export function sampledURLs(ingresses: readonly KubeObject[], domains: readonly string[]): string[] {
  const paths = new Set(['/', '/nope', '/favicon.ico', '/home']);
  for (const o of ingresses) {
    if (o.kind !== 'Ingress') continue;
    for (const rule of (o as any).spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const path = example(p.path ?? '/');
        for (const variant of [path, `${path}/x`, `${path}x`, path.toUpperCase(), `${path.replace(/\/$/, '')}/`]) paths.add(variant);
      }
    }
  }
  const hosts = [...domains.filter((d) => !d.startsWith('*')), 'unknown.invalid'];
  return ['http', 'https'].flatMap((scheme) => hosts.flatMap((h) => [...paths].sort().map((p) => `${scheme}://${h}${p}`)));
}

const NGINX = 'nginx.ingress.kubernetes.io/';

/**
 * Requests with the headers and cookies the canaries look at (always, never, their value, values a
 * pattern may or may not find, other cookies around), on every path of every host a canary names.
 */
export function canaryRequests(ingresses: readonly KubeObject[]): { url: string; headers: string[] }[] {
  const out: { url: string; headers: string[] }[] = [];
  for (const o of ingresses) {
    const a = o.metadata.annotations ?? {};
    if (o.kind !== 'Ingress' || a[`${NGINX}canary`] !== 'true') continue;
    const header = a[`${NGINX}canary-by-header`];
    const cookie = a[`${NGINX}canary-by-cookie`];
    const sets: string[][] = [[]];
    if (header) for (const v of ['always', 'never', 'maybe', a[`${NGINX}canary-by-header-value`] ?? 'yes', 'ios-17', 'android-14', 'web-ios-1']) sets.push([`${header}: ${v}`]);
    if (cookie) for (const c of [`${cookie}=always`, `a=1; ${cookie}=never`, `session=x;${cookie}=always; b=2`, `${cookie.toUpperCase()}=always`, `x${cookie}=always`, `${cookie}=alwaysx`]) sets.push([`Cookie: ${c}`]);
    if (header && cookie) sets.push([`${header}: never`, `Cookie: ${cookie}=always`], [`${header}: maybe`, `Cookie: ${cookie}=always`]);
    for (const rule of (o as any).spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const path = example(p.path ?? '/');
        for (const scheme of ['http', 'https']) {
          for (const variant of [path, `${path.replace(/\/$/, '')}/deep/x`]) for (const headers of sets) out.push({ url: `${scheme}://${rule.host}${variant}`, headers });
        }
      }
    }
  }
  return out;
}

/** A path a regex-mode Ingress path matches (the common regex pieces replaced by text they match). */
function example(path: string): string {
  return path
    .replace(/\(\/\|\$\)/g, '/')
    .replace(/\(\.\*\)|\.\*/g, 'x')
    .replace(/\.\+/g, 'a')
    .replace(/\[0-9\]\+/g, '7')
    .replace(/\[a-z\]\+/g, 'spring')
    .replace(/\(([a-z]+)\|[^)]*\)/g, '$1')
    .replace(/\\\./g, '.');
}
