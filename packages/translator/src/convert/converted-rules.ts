/**
 * One planned Ingress path (class-plan.ts) as an HTTPRoute rule, with the route action the Ingress
 * translator gives it (annotations/apply.ts): a fail-closed annotation answers instead of the backend
 * (a rule without backendRefs: 500), a permanent/temporal redirect or app-root is a RequestRedirect,
 * otherwise the Service backend with `rewrite-target` / `upstream-vhost` as URLRewrite and the proxy
 * timeouts as rule timeouts, CORS as the CORS filter, custom-headers as a ResponseHeaderModifier, and affinity as sessionPersistence (converted-session.ts). What Gateway API cannot say is reported once per Ingress and annotation.
 */
import { re2GroupCount, type CORSIR } from '@portico/ir';
import type { HTTPRouteFilter, HTTPRouteMatch, HTTPRouteRule, HTTPURLRewriteFilter, Service } from '@portico/resources';
import type { ConversionNote } from './conversion-report.js';
import { convertedRewrite } from './converted-paths.js';
import type { PlannedPath } from './class-plan.js';
import { withConvertedCanary } from './converted-canary.js';
import { convertedSessionPersistence, MAX_SESSION_SECONDS } from './converted-session.js';

export interface RuleContext {
  services: ReadonlyMap<string, Service>;
  note(n: ConversionNote): void;
  /** A backend reached over TLS (`backend-protocol` HTTPS/GRPCS), for BackendTLSPolicy (converted-gateway.ts). */
  tlsBackend(namespace: string, service: string, ingress: string): void;
  /** A backendRef from a route in `from` to a Service in `to` (a canary elsewhere), for a ReferenceGrant. */
  crossNamespaceBackend(from: string, to: string, service: string): void;
}

/** The rules of one planned path: the path's own, and its canary's (converted-canary.ts). */
export function convertedRules(entry: PlannedPath, ctx: RuleContext): HTTPRouteRule[] {
  return withConvertedCanary(entry, convertedRule(entry, ctx), ctx);
}

export function convertedRule(entry: PlannedPath, ctx: RuleContext): HTTPRouteRule {
  const { owner } = entry;
  const a = owner.annotations;
  const matches: HTTPRouteMatch[] = [{ path: { ...entry.path.match } }];
  if (a.failClosed) {
    if (a.failClosed.status !== 500) ctx.note({ ingress: owner.key, level: 'partial', message: `${a.failClosed.reason}: the rules answer 500 (no backendRefs), where the Ingress answers ${a.failClosed.status}` });
    return { matches };
  }
  if (a.redirect) {
    const { scheme, hostname, port, path, statusCode } = a.redirect;
    ctx.note({ ingress: owner.key, level: 'partial', message: 'permanent/temporal redirect: Gateway API keeps the request\'s query string on a redirect, nginx drops it' });
    return { matches, filters: [{ type: 'RequestRedirect', requestRedirect: { ...(scheme ? { scheme: scheme as 'http' | 'https' } : {}), ...(hostname ? { hostname } : {}), ...(port ? { port } : {}), ...(path?.type === 'ReplaceFullPath' ? { path: { type: 'ReplaceFullPath', replaceFullPath: path.value } } : {}), statusCode } }] };
  }
  if (entry.kind === 'app-root') return { matches, filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: a.appRoot! }, statusCode: 302 } }] };
  if (entry.path.problem) {
    ctx.note({ ingress: owner.key, level: 'invalid', message: `path ${JSON.stringify(entry.written)}: ${entry.path.problem}: the rule answers 500 (no backendRefs), as the Ingress does` });
    return { matches };
  }
  const backendRef = convertedBackendRef(entry, ctx);
  if (!backendRef) return { matches };
  const rule: HTTPRouteRule = { matches, backendRefs: [backendRef] };
  const rewrite = rewriteFilter(entry, ctx, matches);
  const filters: HTTPRouteFilter[] = [];
  if (rewrite) filters.push({ type: 'URLRewrite', urlRewrite: rewrite });
  if (a.cors) filters.push({ type: 'CORS', cors: convertedCORS(a.cors) });
  if (a.responseHeaders?.set) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: a.responseHeaders.set.map((h) => ({ ...h })) } });
  if (filters.length > 0) rule.filters = filters;
  if (a.sessionAffinity) {
    rule.sessionPersistence = convertedSessionPersistence(a.sessionAffinity, entry.kind === 'default-backend' ? '/' : entry.written, a.regexPaths);
    if ((a.sessionAffinity.ttlSeconds ?? 0) > MAX_SESSION_SECONDS) ctx.note({ ingress: owner.key, level: 'partial', message: `session-cookie-max-age/-expires: ${a.sessionAffinity.ttlSeconds}s is longer than Gateway API's largest duration: absoluteTimeout 99999h` });
  }
  if (a.maxRequestBytes !== undefined) {
    ctx.note({ ingress: owner.key, annotation: 'proxy-body-size', level: 'unsupported', message: `proxy-body-size (${a.maxRequestBytes} bytes): Gateway API has no request body limit (nor does a Portico policy): the converted rules accept bodies of any size` });
  }
  if (a.idleTimeoutMs !== undefined) {
    ctx.note({ ingress: owner.key, level: 'partial', message: `proxy-read/send-timeout (${a.idleTimeoutMs / 1000}s between reads/writes): Gateway API has no per-route idle timeout; the rules get timeouts.request 0s (no total limit, as nginx) and Envoy's stream idle timeout applies` });
    rule.timeouts = { request: '0s' };
  }
  return rule;
}

export function convertedBackendRef(entry: PlannedPath, ctx: RuleContext): { name: string; port: number } | undefined {
  const { owner } = entry;
  const service = entry.backend?.service;
  if (!service) {
    ctx.note({ ingress: owner.key, level: 'unsupported', message: 'a resource backend (not a Service) cannot be an HTTPRoute backendRef here: the rule answers 500 (no backendRefs)' });
    return undefined;
  }
  const found = ctx.services.get(`${owner.namespace}/${service.name}`);
  let port = service.port?.number;
  if (port === undefined && service.port?.name !== undefined) port = found?.spec?.ports?.find((p) => p.name === service.port!.name)?.port;
  if (port === undefined) {
    ctx.note({ ingress: owner.key, level: 'unsupported', message: `Service ${owner.namespace}/${service.name} port ${JSON.stringify(service.port?.name ?? '')} cannot be resolved to a number from the input (a backendRef needs one): the rule answers 500 (no backendRefs) where the Ingress answers 503` });
    return undefined;
  }
  const protocol = owner.annotations.backendProtocol;
  if (protocol === 'HTTPS' || protocol === 'GRPCS') ctx.tlsBackend(owner.namespace, service.name, owner.key);
  if (protocol === 'GRPC' || protocol === 'GRPCS' || protocol === 'H2C') {
    const appProtocol = found?.spec?.ports?.find((p) => p.port === port)?.appProtocol;
    if (appProtocol !== 'kubernetes.io/h2c' && appProtocol !== 'grpc') {
      ctx.note({ ingress: owner.key, annotation: 'backend-protocol', level: 'partial', message: `${protocol}: an HTTPRoute speaks HTTP/2 to Service ${owner.namespace}/${service.name} port ${port} only when the port's appProtocol is kubernetes.io/h2c: set it (or use a GRPCRoute); until then HTTP/1.1 is used` });
    }
  }
  return { name: service.name, port };
}

/** `enable-cors` / `cors-*` (ingress-nginx's defaults filled in) as the HTTPRoute CORS filter. */
function convertedCORS(c: CORSIR): NonNullable<HTTPRouteFilter['cors']> {
  return {
    allowOrigins: [...c.allowOrigins],
    ...(c.allowCredentials !== undefined ? { allowCredentials: c.allowCredentials } : {}),
    ...(c.allowMethods ? { allowMethods: [...c.allowMethods] } : {}),
    ...(c.allowHeaders ? { allowHeaders: [...c.allowHeaders] } : {}),
    ...(c.exposeHeaders ? { exposeHeaders: [...c.exposeHeaders] } : {}),
    ...(c.maxAgeSeconds !== undefined ? { maxAge: c.maxAgeSeconds } : {}),
  } as NonNullable<HTTPRouteFilter['cors']>;
}

/** `upstream-vhost` and `rewrite-target` as one URLRewrite; a partial rewrite changes `matches` too. */
function rewriteFilter(entry: PlannedPath, ctx: RuleContext, matches: HTTPRouteMatch[]): HTTPURLRewriteFilter | undefined {
  const a = entry.owner.annotations;
  const out: HTTPURLRewriteFilter = a.upstreamHost !== undefined ? { hostname: a.upstreamHost } : {};
  if (a.rewriteTarget !== undefined) {
    // nginx leaves out groups the path does not have (annotations/routing/rewrite.ts rewriteSubstitution).
    const groups = entry.kind === 'path' && entry.path.match.type === 'RegularExpression' ? re2GroupCount(entry.written) : 0;
    const target = a.rewriteTarget.replace(/\$([0-9])/g, (all, n: string) => (Number(n) <= groups ? all : ''));
    const rewrite = convertedRewrite(entry.written, target);
    if (rewrite.kind === 'unsupported' || (rewrite.kind === 'partial' && entry.path.match.type !== 'RegularExpression')) {
      ctx.note({ ingress: entry.owner.key, annotation: 'rewrite-target', level: 'unsupported', message: rewrite.kind === 'unsupported' ? rewrite.message : `${JSON.stringify(entry.written)}: capture groups cannot be expressed in Gateway API: the path is passed on unchanged` });
    } else {
      if (rewrite.kind === 'partial') {
        ctx.note({ ingress: entry.owner.key, annotation: 'rewrite-target', level: 'partial', message: rewrite.message });
        matches[0] = { path: rewrite.match };
      }
      out.path = rewrite.filter.path!;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
