/**
 * `portico convert`: Ingress objects (with the ingress-nginx annotations Portico reads) → Gateway API
 * objects that route the same requests the same way, plus a report of what could not be expressed.
 * One Gateway per IngressClass (in the Ingresses' namespace when they share one, else `default`, or
 * as asked), one HTTPRoute per Ingress and host (in the Ingress's namespace, so its Services need no
 * grant), ReferenceGrants for TLS Secrets outside the Gateway's namespace, a BackendTLSPolicy for
 * HTTPS backends that have none, a SecurityPolicy (and htpasswd Secret) per Ingress with source ranges,
 * basic auth or auth-url (converted-security.ts), a RateLimitPolicy per Ingress with limit-rps/-rpm
 * (converted-rate-limit.ts), and the GatewayClass when the input has none of that name. Every
 * other object passes through unchanged (Services, Secrets, EndpointSlices…), so the output can be
 * translated on its own; Ingresses and IngressClasses are replaced.
 * Pure: the same input gives the same output, in a stable order.
 */
import type { BackendTLSPolicy, ConfigMap, GatewayClass, HTTPRoute, Ingress, IngressClass, KubeObject, Secret, Service } from '@portico/resources';
import { ResourceSet } from '@portico/resources';
import { compareAge, createContext, type TranslationContext } from '../context.js';
import { ingressExternalAuth } from '../ingress/ingress-external-auth.js';
import { parseIngressAnnotations } from '../ingress/annotations/registry.js';
import { defaultIngressClass, requestedClass } from '../ingress/ingress-classes.js';
import { ingressCustomHeaders } from '../ingress/ingress-custom-headers.js';
import { ingressSecurity } from '../ingress/ingress-security.js';
import { ingressSpecProblem } from '../ingress/ingress-validation.js';
import { DEFAULT_CONTROLLER_NAME, resolveOptions } from '../options.js';
import { CATCH_ALL, planClass, type ClassIngress, type ClassPlan } from './class-plan.js';
import type { ConversionNote } from './conversion-report.js';
import { gatewayLayout, MAX_LISTENERS, type GatewayLayout } from './converted-gateway.js';
import { convertedRules, type RuleContext } from './converted-rules.js';
import { convertedRateLimit } from './converted-rate-limit.js';
import { convertedSecurity } from './converted-security.js';

export const DEFAULT_CONVERT_GATEWAY_CLASS = 'portico';

export interface ConvertOptions {
  /**
   * The GatewayClass of the Gateways, one that exists (it is not created). Default `portico`, created
   * (with Portico's controllerName) when the input has none of that name.
   */
  gatewayClassName?: string;
  /** The namespace of every Gateway (default: the Ingresses' namespace when they share one, else `default`). */
  gatewayNamespace?: string;
  /** The controllerName of a GatewayClass the output has to add (default Portico's). */
  controllerName?: string;
}

export interface Conversion {
  objects: KubeObject[];
  notes: ConversionNote[];
}

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
/** HTTPRoute `spec.rules`, `spec.hostnames` and `spec.parentRefs` maxItems. */
const MAX_RULES = 16;
const MAX_HOSTNAMES = 16;
const MAX_PARENT_REFS = 32;

export function convertIngresses(input: readonly KubeObject[], options: ConvertOptions = {}): Conversion {
  const gatewayClassName = options.gatewayClassName ?? DEFAULT_CONVERT_GATEWAY_CLASS;
  const notes: ConversionNote[] = [];
  const seen = new Set<string>();
  const note = (n: ConversionNote) => {
    const key = JSON.stringify(n);
    if (!seen.has(key)) notes.push(n), seen.add(key);
  };
  const services = new Map((input.filter((o) => o.kind === 'Service') as Service[]).map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
  const policies = input.filter((o) => o.kind === 'BackendTLSPolicy') as BackendTLSPolicy[];
  const configMaps = new Map((input.filter((o) => o.kind === 'ConfigMap') as ConfigMap[]).map((c) => [`${c.metadata.namespace ?? 'default'}/${c.metadata.name}`, c]));
  const secrets = new Map((input.filter((o) => o.kind === 'Secret') as Secret[]).map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
  let resolving: TranslationContext | undefined;
  // An external auth host converts to an ExternalName Service: whichever gateway serves the output applies
  // its own ExternalName gate to it, as the Ingress translation would; so convert does not refuse it here.
  const authContext = () => (resolving ??= createContext(ResourceSet.from(input as never), resolveOptions({ externalNameServices: 'allow' })));
  const generated: KubeObject[] = [];
  const tlsBackends = new Map<string, { namespace: string; service: string; ingress: string }>();
  const backendGrants = new Map<string, Set<string>>();
  const crossNamespaceBackend = (from: string, to: string, service: string) => {
    backendGrants.set(`${to}/${from}`, (backendGrants.get(`${to}/${from}`) ?? new Set()).add(service));
  };
  const ctx: RuleContext = { services, note, crossNamespaceBackend, tlsBackend: (namespace, service, ingress) => {
    if (!tlsBackends.has(`${namespace}/${service}`)) tlsBackends.set(`${namespace}/${service}`, { namespace, service, ingress });
  } };

  for (const [className, ingresses] of classGroups(input)) {
    const usable: ClassIngress[] = [];
    const canaries: ClassIngress[] = [];
    for (const ingress of ingresses) {
      const namespace = ingress.metadata.namespace ?? 'default';
      const key = `${namespace}/${ingress.metadata.name}`;
      const problem = ingressSpecProblem(ingress);
      if (problem) {
        note({ ingress: key, level: 'invalid', message: `not converted: the API server would refuse it (${problem})` });
        continue;
      }
      const parsed = parseIngressAnnotations(ingress);
      for (const p of parsed.problems) note({ ingress: key, annotation: p.annotation, level: p.reason, message: p.message });
      // Source ranges and basic auth, resolved against the input's Secrets as the translator does.
      const annotations = { ...parsed.annotations };
      const secured = annotations.failClosed ? {} : ingressSecurity((ns, n) => secrets.get(`${ns}/${n}`), namespace, ingress.metadata.name, annotations);
      if ('failClosed' in secured) {
        annotations.failClosed = secured.failClosed;
        note({ ingress: key, level: 'invalid', message: secured.problem });
      } else if (secured.security) annotations.security = secured.security;
      const custom = ingressCustomHeaders((ns, n) => configMaps.get(`${ns}/${n}`), namespace, annotations);
      for (const message of custom.problems) note({ ingress: key, annotation: 'custom-headers', level: 'invalid', message });
      if (custom.headers) annotations.responseHeaders = custom.headers;
      // auth-url, resolved against the input's Services and ReferenceGrants as the translator does.
      if (annotations.authURL && !annotations.failClosed) {
        const checked = ingressExternalAuth(authContext(), namespace, ingress.metadata.name, annotations.authURL);
        if ('failClosed' in checked) {
          annotations.failClosed = checked.failClosed;
          note({ ingress: key, annotation: 'auth-url', level: 'invalid', message: checked.problem });
        } else annotations.externalAuth = checked.externalAuth;
      }
      (annotations.canary ? canaries : usable).push({ ingress, namespace, key, annotations });
    }
    if (usable.length === 0) continue;
    const plan = planClass(usable, canaries, note);
    const namespaces = new Set(usable.map((u) => u.namespace));
    const gatewayNamespace = options.gatewayNamespace ?? (namespaces.size === 1 ? [...namespaces][0]! : 'default');
    const layout = gatewayLayout(gatewayName(className), gatewayNamespace, gatewayClassName, plan, namespaces);
    if (layout.gateway.spec.listeners.length > MAX_LISTENERS) {
      note({ ingress: `IngressClass ${className || '(none)'}`, level: 'unsupported', message: `the Gateway needs ${layout.gateway.spec.listeners.length} listeners, more than Gateway API's ${MAX_LISTENERS}: split the Ingresses into several classes (or Gateways)` });
    }
    const secured = new Map<ClassIngress, string[]>();
    const routes = classRoutes(plan, layout, ctx, (owner, name) => secured.set(owner, [...(secured.get(owner) ?? []), name]));
    for (const r of routes) {
      if ((r.spec.hostnames?.length ?? 0) > MAX_HOSTNAMES || r.spec.parentRefs!.length > MAX_PARENT_REFS) {
        note({ ingress: `${r.metadata.namespace}/${r.metadata.name.replace(/-http(-[0-9]+)?$/, '')}`, level: 'unsupported', message: `HTTPRoute ${r.metadata.name} needs ${r.spec.hostnames?.length ?? 0} hostnames and ${r.spec.parentRefs!.length} parentRefs, more than Gateway API's ${MAX_HOSTNAMES} / ${MAX_PARENT_REFS}: fewer server aliases (or hosts) per Ingress` });
      }
    }
    generated.push(layout.gateway, ...layout.grants, ...routes);
    const securityObjects = new Map<string, KubeObject>();
    for (const [owner, names] of secured) for (const o of convertedSecurity(owner, names)) securityObjects.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    for (const [owner, names] of secured) for (const o of convertedRateLimit(owner, names, note)) securityObjects.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    generated.push(...[...securityObjects.values()].sort((a, b) => (`${a.kind}/${a.metadata.namespace}/${a.metadata.name}` < `${b.kind}/${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1)));
  }

  for (const { namespace, service, ingress } of tlsBackends.values()) {
    if (policies.some((p) => (p.metadata.namespace ?? 'default') === namespace && p.spec.targetRefs.some((t) => t.kind === 'Service' && (t.group ?? '') === '' && t.name === service))) continue;
    const hostname = `${service}.${namespace}.svc`;
    note({ ingress, annotation: 'backend-protocol', level: 'partial', message: `Service ${namespace}/${service} is reached over TLS, which ingress-nginx did not verify: a BackendTLSPolicy ${service}-backend-tls verifies it against the system CAs for ${hostname}; point it at your CA (caCertificateRefs) and the name the certificate carries` });
    generated.push({
      apiVersion: GATEWAY_API,
      kind: 'BackendTLSPolicy',
      metadata: { name: `${service}-backend-tls`, namespace },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation: { wellKnownCACertificates: 'System', hostname } },
    } as BackendTLSPolicy);
  }

  for (const [key, names] of [...backendGrants].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [to, from] = key.split('/') as [string, string];
    generated.push({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: `httproutes-from-${from}`, namespace: to },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: from }], to: [...names].sort().map((name) => ({ group: '', kind: 'Service', name })) },
    } as KubeObject);
  }

  const hasClass = input.some((o) => o.kind === 'GatewayClass' && o.metadata.name === gatewayClassName);
  const gatewayClass: GatewayClass[] = hasClass || generated.length === 0 || options.gatewayClassName !== undefined ? [] : [{ apiVersion: GATEWAY_API, kind: 'GatewayClass', metadata: { name: gatewayClassName }, spec: { controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME } } as GatewayClass];
  const passed = input.filter((o) => o.kind !== 'Ingress' && o.kind !== 'IngressClass');
  return { objects: [...passed, ...gatewayClass, ...generated], notes };
}

/** Ingresses by the class they ask for (or the default class), oldest first; classes by name. */
function classGroups(input: readonly KubeObject[]): [string, Ingress[]][] {
  const classes = input.filter((o) => o.kind === 'IngressClass') as IngressClass[];
  const fallback = defaultIngressClass(classes)?.metadata.name ?? '';
  const groups = new Map<string, Ingress[]>();
  for (const ingress of input.filter((o) => o.kind === 'Ingress') as Ingress[]) {
    const name = requestedClass(ingress) ?? fallback;
    groups.set(name, [...(groups.get(name) ?? []), ingress]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, list]) => [name, list.sort(compareAge)]);
}

/** The IngressClass's name as a Gateway name (`ingress` for Ingresses without class). */
function gatewayName(className: string): string {
  return className === '' ? 'ingress' : className;
}

/**
 * One HTTPRoute per Ingress and host, named after the Ingress (plus the host when the Ingress has
 * several). Port 80 gets a route of its own (`-http`) when it differs from port 443's: an ssl-redirect
 * answers 308 there for the same matches, and server aliases are served there only.
 */
function classRoutes(plan: ClassPlan, layout: GatewayLayout, ctx: RuleContext, securedRoute: (owner: ClassIngress, name: string) => void): HTTPRoute[] {
  const hostsOf = new Map<ClassIngress, string[]>();
  for (const [host, entries] of plan.hosts) {
    for (const e of entries) if (!hostsOf.get(e.owner)?.includes(host)) hostsOf.set(e.owner, [...(hostsOf.get(e.owner) ?? []), host]);
  }
  const routes: HTTPRoute[] = [];
  const gateway = layout.gateway.metadata;
  // Names are the Ingress's (plus host, plus -http); one that another Ingress's route already took gets a number.
  const taken = new Set<string>();
  const unique = (namespace: string, name: string) => {
    let out = name;
    for (let i = 2; taken.has(`${namespace}/${out}`); i++) out = `${name}-${i}`;
    taken.add(`${namespace}/${out}`);
    return out;
  };
  for (const [owner, hosts] of hostsOf) {
    for (const host of hosts) {
      const entries = plan.hosts.get(host)!.filter((e) => e.owner === owner);
      const base = hosts.length === 1 ? owner.ingress.metadata.name : `${owner.ingress.metadata.name}-${host === CATCH_ALL ? 'any-host' : host.replace(/^\*/, 'wildcard').replace(/\./g, '-')}`;
      const rules = entries.flatMap((e) => convertedRules(e, ctx));
      const parent = (sectionName: string) => ({ name: gateway.name, ...(gateway.namespace !== owner.namespace ? { namespace: gateway.namespace } : {}), sectionName });
      // HTTPRoute allows 16 rules: more become `<name>-2`, `<name>-3`… in order. Their precedence is the
      // same (Gateway API orders matches, not routes; ties go to the older route, then the name, both in order).
      // `secured`: the route serves the Ingress's paths (not only its HTTPS redirects), so its SecurityPolicy targets it.
      const route = (name: string, sections: string[], hostnames: string[], routeRules: typeof rules, secured = true): HTTPRoute[] => {
        const chunks: (typeof rules)[] = [];
        for (let i = 0; i < routeRules.length; i += MAX_RULES) chunks.push(routeRules.slice(i, i + MAX_RULES));
        return chunks.map((chunk, i) => {
          const routeName = unique(owner.namespace, i === 0 ? name : `${name}-${i + 1}`);
          if (secured) securedRoute(owner, routeName);
          return {
            apiVersion: GATEWAY_API,
            kind: 'HTTPRoute',
            metadata: { name: routeName, namespace: owner.namespace },
            spec: { parentRefs: sections.map(parent), ...(hostnames.length > 0 ? { hostnames } : {}), rules: chunk },
          } as HTTPRoute;
        });
      };
      const named = host === CATCH_ALL ? [] : [host];
      const aliases = plan.aliases.get(host) ?? [];
      const redirect = plan.redirectsToHTTPS(owner, host);
      const http = layout.http(host);
      const https = layout.https(host);
      if (!redirect && aliases.length === 0) {
        routes.push(...route(base, [...http, ...https], named, rules));
        continue;
      }
      if (https.length > 0) routes.push(...route(base, https, named, rules));
      const httpRules = redirect ? rules.map((r) => ({ matches: r.matches, filters: [{ type: 'RequestRedirect' as const, requestRedirect: { scheme: 'https' as const, statusCode: 308 } }] })) : rules;
      routes.push(...route(`${base}-http`, http, [...named, ...aliases], httpRules, !redirect));
    }
  }
  return routes.sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
}
