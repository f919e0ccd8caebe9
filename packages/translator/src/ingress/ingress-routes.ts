/**
 * One Ingress → route entries per host (networking/v1 IngressRule, HTTPIngressPath), independent of
 * the other Ingresses of its class; ingress-hosts.ts merges them into virtual hosts.
 *
 * Hosts: a rule without `host` serves every request no other host claims (`*`, the catch-all virtual
 * host). A `*.foo.com` host matches exactly ONE label (IngressRule.Host: "The wildcard character '*'
 * ... matches only a single label"; Ingress docs, "Hostname wildcards": `bar.foo.com` matches,
 * `baz.bar.foo.com` and `foo.com` do not), where a Gateway API wildcard and Envoy's `*.` domain match
 * any number of labels. The virtual host `*.foo.com` therefore receives requests for
 * `baz.bar.foo.com` too, and each route of a wildcard host carries an `:authority` match that lets only
 * one-label hosts through (see `wildcardAuthority`). Envoy compares domains case-insensitively; the
 * regular expression is written so that it need not know the suffix (the domain already checked it),
 * hence it stays case-insensitive too, which `^[^.]+\.foo\.com` would not be.
 */
import { escapeRegex, type HeaderMatchIR, type HTTPRouteIR } from '@portico/ir';
import type { Ingress } from '@portico/resources';
import type { RouteEntry } from '../routes/translated-route.js';
import type { TranslationContext } from '../context.js';
import { isWildcard } from '../routes/hostnames.js';
import { resolveIngressBackend, type RouteAction } from './ingress-backends.js';
import { ingressPathMatch, type IngressPathMatch } from './ingress-precedence.js';
import { annotatedRoute } from './annotations/apply.js';
import { ingressCustomHeaders } from './ingress-custom-headers.js';
import type { IngressAnnotations } from './annotations/ingress-annotations.js';
import { parseIngressAnnotations } from './annotations/registry.js';
import { regexPathMatch } from './annotations/routing/rewrite.js';
import { needsBackendTLS, speaksHTTP2 } from './annotations/routing/backend-protocol.js';
import { canaryPathKey, type CanaryOwner } from './annotations/routing/canary-routes.js';
import { ingressExternalAuth } from './ingress-external-auth.js';
import { ingressSecurity } from './ingress-security.js';

/** The host of a rule without `host`. */
export const CATCH_ALL_HOST = '*';

export interface IngressRouteEntry extends RouteEntry {
  path: IngressPathMatch;
}

/** What one Ingress brings to its class's gateway. */
export interface IngressContribution {
  ingress: Ingress;
  namespace: string;
  /** Route entries by host, in rule and path order; a host without paths maps to []. */
  hosts: Map<string, IngressRouteEntry[]>;
  /** `spec.defaultBackend`, resolved. */
  defaultBackend?: RouteAction;
  /** Broken references and annotation problems, for reporting (Ingress has no conditions). */
  problems: string[];
  /** Its ingress-nginx annotations (annotations/registry.ts). */
  annotations: IngressAnnotations;
  /** A canary Ingress (annotations/routing/canary.ts): its paths, shared with main routes, instead of hosts. */
  canary?: CanaryOwner;
}

export function translateIngressRules(ctx: TranslationContext, ingress: Ingress): IngressContribution {
  const namespace = ingress.metadata.namespace ?? 'default';
  const name = ingress.metadata.name;
  const key = `${namespace}/${name}`;
  const parsed = parseIngressAnnotations(ingress);
  const problems = parsed.problems.map((p) => p.message);
  const annotations: IngressAnnotations = { ...parsed.annotations };
  // Source ranges and basic auth need the Secret: resolved here, once per Ingress.
  const secured = annotations.failClosed ? {} : ingressSecurity((ns, n) => ctx.resources.get('Secret', ns, n), namespace, name, annotations);
  if ('failClosed' in secured) {
    annotations.failClosed = secured.failClosed;
    problems.push(secured.problem);
  } else if (secured.security) annotations.security = secured.security;
  // custom-headers needs the ConfigMap: resolved here too.
  const custom = ingressCustomHeaders((ns, n) => ctx.resources.get('ConfigMap', ns, n), namespace, annotations);
  problems.push(...custom.problems);
  if (custom.headers) annotations.responseHeaders = custom.headers;
  if (annotations.authURL && !annotations.failClosed) {
    const checked = ingressExternalAuth(ctx, namespace, name, annotations.authURL);
    if ('failClosed' in checked) {
      annotations.failClosed = checked.failClosed;
      problems.push(checked.problem);
    } else annotations.externalAuth = checked.externalAuth;
  }
  const out: IngressContribution = { ingress, namespace, hosts: new Map(), problems, annotations };
  const resolve = (backend: Parameters<typeof resolveIngressBackend>[2], where: string): RouteAction => {
    const needs = { http2: speaksHTTP2(annotations.backendProtocol), tls: needsBackendTLS(annotations.backendProtocol) };
    const { problem, ...action } = resolveIngressBackend(ctx, namespace, backend, needs);
    if (problem) out.problems.push(`${where}: ${problem}`);
    return action;
  };

  // A canary Ingress (annotations/routing/canary.ts) has no routes of its own: its paths join the main
  // Ingress's routes (annotations/routing/canary-routes.ts). Its default backend is not used (ingress-nginx's neither).
  if (annotations.canary) {
    const paths = (ingress.spec.rules ?? []).flatMap((rule, ruleIndex) =>
      (rule.http?.paths ?? []).map((p, pathIndex) => ({ host: rule.host || CATCH_ALL_HOST, path: canaryPathKey(p.path), exact: p.pathType === 'Exact', backend: p.backend, where: `rule ${ruleIndex} path ${pathIndex}` })),
    );
    const resolveCanary = (backend: Parameters<typeof resolveIngressBackend>[2], main: IngressAnnotations) =>
      resolveIngressBackend(ctx, namespace, backend, { http2: speaksHTTP2(main.backendProtocol), tls: needsBackendTLS(main.backendProtocol) });
    out.canary = { namespace, name, policy: annotations.canary, paths, resolve: resolveCanary };
    return out;
  }
  (ingress.spec.rules ?? []).forEach((rule, ruleIndex) => {
    const host = rule.host || CATCH_ALL_HOST;
    let entries = out.hosts.get(host);
    if (!entries) out.hosts.set(host, (entries = []));
    if (annotations.appRoot !== undefined && entries.length === 0) entries.push(appRootEntry(ingress, key, host, annotations));
    (rule.http?.paths ?? []).forEach((p, pathIndex) => {
      const where = `rule ${ruleIndex} path ${pathIndex}`;
      const { path, problem } = annotatedPathMatch(p.pathType, p.path, annotations);
      if (problem) out.problems.push(`${where}: ${problem}`);
      const route: HTTPRouteIR = {
        name: `ingress/${key}/rule/${ruleIndex}/path/${pathIndex}`,
        source: { kind: 'Ingress', namespace, name, rule: ruleIndex, match: pathIndex },
        match: { path: { type: path.type, value: path.value }, ...authorityMatch(host) },
        ...resolve(p.backend, where),
      };
      const ir = problem ? failedPathRoute(route) : annotatedRoute(route, annotations, p.path ?? '/');
      entries.push({
        ir,
        path,
        origin: { creationTimestamp: ingress.metadata.creationTimestamp ?? '', key, rule: ruleIndex, match: pathIndex },
        grpc: false,
      });
    });
  });
  if (ingress.spec.defaultBackend) {
    out.defaultBackend = resolve(ingress.spec.defaultBackend, 'defaultBackend');
    // "If Rules are not specified, DefaultBackend must be specified": such an Ingress exists only to
    // catch what no rule does, so it takes part in the catch-all host.
    if (out.hosts.size === 0) out.hosts.set(CATCH_ALL_HOST, []);
  }
  return out;
}

/** The route that sends what no path of `host` matched to the Ingress's `defaultBackend`. */
export function defaultBackendRoute(contribution: IngressContribution, host: string): HTTPRouteIR {
  const { namespace, ingress } = contribution;
  const route: HTTPRouteIR = {
    name: `ingress/${namespace}/${ingress.metadata.name}/default-backend`,
    source: { kind: 'Ingress', namespace, name: ingress.metadata.name },
    match: { path: { type: 'PathPrefix', value: '/' }, ...authorityMatch(host) },
    ...contribution.defaultBackend,
  };
  return annotatedRoute(route, contribution.annotations, '/');
}

/**
 * The path match of one HTTPIngressPath: under `use-regex` / `rewrite-target` a case-insensitive
 * regular expression anchored at the start (annotations/routing/rewrite.ts), except for `Exact` paths; a
 * pattern RE2 refuses is a problem (the path then answers 500).
 */
function annotatedPathMatch(pathType: string, path: string | undefined, annotations: IngressAnnotations): { path: IngressPathMatch; problem?: string } {
  if (!annotations.regexPaths || pathType === 'Exact') return { path: ingressPathMatch(pathType, path) };
  const source = path ?? '/';
  const { regex, problem } = regexPathMatch(source);
  if (!problem) return { path: { type: 'RegularExpression', value: regex, source } };
  // Envoy would refuse the whole route table over one bad pattern: the path is matched as the literal
  // text it is (escaped) and answers 500.
  return { path: { type: 'RegularExpression', value: regexPathMatch(escapeRegex(source)).regex, source }, problem: `${problem}: the path answers 500` };
}

/** A path whose match could not be built as asked: it answers 500 (the reason is among the problems). */
function failedPathRoute(route: HTTPRouteIR): HTTPRouteIR {
  const { destination: _d, ...rest } = route;
  return { ...rest, directResponse: { status: 500 } };
}

/** ingress-nginx `app-root`: exactly `/` on the host is redirected (302) to the application's root. */
function appRootEntry(ingress: Ingress, key: string, host: string, annotations: IngressAnnotations): IngressRouteEntry {
  const namespace = ingress.metadata.namespace ?? 'default';
  const path: IngressPathMatch = { type: 'Exact', value: '/' };
  return {
    // A fail-closed or permanent/temporal redirect annotation wins here too (annotatedRoute).
    ir: annotatedRoute({
      name: `ingress/${key}/app-root`,
      source: { kind: 'Ingress', namespace, name: ingress.metadata.name },
      match: { path: { ...path }, ...authorityMatch(host) },
      redirect: { path: { type: 'ReplaceFullPath', value: annotations.appRoot! }, statusCode: 302 },
    }, annotations, '/'),
    path,
    origin: { creationTimestamp: ingress.metadata.creationTimestamp ?? '', key, rule: -1, match: -1 },
    grpc: false,
  };
}

function authorityMatch(host: string): { headers?: HeaderMatchIR[] } {
  return isWildcard(host) ? { headers: [wildcardAuthority(host, 'one')] } : {};
}

/**
 * An `:authority` (Host) match for requests that reached the virtual host of wildcard `host`: `one`
 * lets through hosts with exactly one label before the suffix (those the Ingress wildcard matches),
 * `several` those with more (which Envoy's `*.` domain match sends there, but the Ingress does not
 * claim). Only the label count is checked; an optional `:port` is allowed, as in any Host header.
 */
export function wildcardAuthority(host: string, labels: 'one' | 'several'): HeaderMatchIR {
  const suffixLabels = host.split('.').length - 1;
  const count = labels === 'one' ? `{${suffixLabels}}` : `{${suffixLabels + 1},}`;
  return { name: ':authority', type: 'RegularExpression', value: `^[^.:]+(\\.[^.:]+)${count}(:[0-9]+)?$` };
}
