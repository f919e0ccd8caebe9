/**
 * HTTPRoute/GRPCRoute filters (httproute_types.go HTTPRouteFilter) into IR route fields. A filter that
 * cannot be honoured is never skipped and never drops its rule: dropping the rule would hand its
 * requests to the next matching rule (an `/admin` behind ExternalAuth served by a catch-all `/` without
 * authorization). HTTPRouteFilter.Type: "If a reference to a custom filter type cannot be resolved,
 * the filter MUST NOT be skipped. Instead, requests that would have been processed by that filter MUST
 * receive a HTTP error response." We apply that rule to every filter we cannot serve as written (an
 * unsupported or unknown type, an unresolvable ExtensionRef, an incompatible combination): the rule
 * keeps its matches and answers 500 (`failClosed`); route-status.ts reports it.
 */
import type { CORSIR, HeaderModifierIR, HTTPRouteIR, MirrorIR, PathModifierIR, RedirectIR } from '@portico/ir';
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter } from '@portico/resources';
import type { ReferrerRef } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';
import { resolveBackendRef } from '../backends/backends.js';
import type { DestinationSink, Problem } from '../backends/destinations.js';
import { externalAuth } from './external-auth.js';

export type FilterFields = Pick<HTTPRouteIR, 'requestHeaders' | 'responseHeaders' | 'rewrite' | 'mirrors' | 'cors' | 'externalAuth' | 'redirect'>;

export interface FilterResult {
  fields: FilterFields;
  /** The rule cannot be served as written: its matches answer 500 (the first problem found). */
  failClosed?: Problem;
}

export function translateFilters(
  ctx: TranslationContext,
  from: ReferrerRef,
  filters: readonly HTTPRouteFilter[],
  allowed: ReadonlySet<string>,
  sink: DestinationSink,
): FilterResult {
  const fields: FilterFields = {};
  const result: FilterResult = { fields };
  for (const filter of filters) {
    if (!allowed.has(filter.type)) {
      result.failClosed ??= { reason: 'UnsupportedValue', message: `filter type ${filter.type} is not supported here (supported: ${[...allowed].join(', ')})` };
      continue;
    }
    switch (filter.type) {
      case 'RequestHeaderModifier':
        if (filter.requestHeaderModifier) fields.requestHeaders = headerModifier(filter.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        if (filter.responseHeaderModifier) fields.responseHeaders = headerModifier(filter.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = filter.requestRedirect ?? {};
        const redirect: RedirectIR = { statusCode: r.statusCode ?? 302 };
        if (r.scheme) redirect.scheme = r.scheme;
        if (r.hostname) redirect.hostname = r.hostname;
        if (r.port !== undefined) redirect.port = r.port;
        if (r.path) redirect.path = pathModifier(r.path);
        fields.redirect = redirect;
        break;
      }
      case 'URLRewrite': {
        const r = filter.urlRewrite ?? {};
        fields.rewrite = { ...(r.hostname ? { hostname: r.hostname } : {}), ...(r.path ? { path: pathModifier(r.path) } : {}) };
        break;
      }
      case 'RequestMirror': {
        const m = filter.requestMirror;
        if (!m) break;
        const resolution = resolveBackendRef(ctx, from, m.backendRef, from.kind === 'GRPCRoute' ? 'GRPC' : 'HTTP');
        // The one filter that is left out rather than failing closed, because the spec says so
        // (HTTPRequestMirrorFilter.BackendRef): "If the referent cannot be found, this BackendRef is
        // invalid and must be dropped from the Gateway ... ResolvedRefs ... status: False and not
        // configure this backend". The mirrored copy's answer is ignored anyway; the request is served.
        if (!resolution.ok) {
          sink.unresolved.push({ reason: resolution.reason, message: `request mirror: ${resolution.message}` });
          break;
        }
        sink.servicePorts.push({ namespace: resolution.backend.service.namespace, service: resolution.backend.service.name, port: resolution.backend.service.port });
        // An invalid BackendTLSPolicy makes connections to the backend fail (its status says why):
        // no mirror rather than a plaintext one.
        if (resolution.invalidTLS) break;
        const mirror: MirrorIR = { backend: resolution.backend.name, percent: mirrorPercent(m.percent, m.fraction) };
        fields.mirrors = [...(fields.mirrors ?? []), mirror];
        break;
      }
      case 'CORS':
        if (filter.cors) fields.cors = cors(filter.cors);
        break;
      case 'ExternalAuth': {
        const translated = externalAuth(ctx, from, filter.externalAuth, sink);
        if ('problem' in translated) result.failClosed ??= translated.problem;
        else fields.externalAuth = translated.auth;
        break;
      }
      case 'ExtensionRef': {
        const ref = filter.extensionRef;
        result.failClosed ??= {
          reason: 'InvalidKind',
          message: `extensionRef ${ref?.group ?? ''}/${ref?.kind ?? ''} ${ref?.name ?? ''} is not supported by this controller`,
        };
        break;
      }
    }
  }
  if (fields.redirect && fields.rewrite) {
    result.failClosed ??= { reason: 'IncompatibleFilters', message: 'RequestRedirect and URLRewrite cannot be used on the same rule' };
  }
  return result;
}

/** A rule that cannot be served as written keeps its matches and answers 500 (see the top of this file). */
export function failClosed(sink: DestinationSink, problem: Problem): { fields: FilterFields; target: { directResponse: { status: number } } } {
  sink.unresolved.push(problem);
  sink.failedClosed.push(problem);
  return { fields: {}, target: { directResponse: { status: 500 } } };
}

export function headerModifier(f: HTTPHeaderFilter): HeaderModifierIR {
  const out: HeaderModifierIR = {};
  if (f.set?.length) out.set = f.set.map(({ name, value }) => ({ name, value }));
  if (f.add?.length) out.add = f.add.map(({ name, value }) => ({ name, value }));
  if (f.remove?.length) out.remove = [...f.remove];
  return out;
}

export function pathModifier(p: HTTPPathModifier): PathModifierIR {
  return p.type === 'ReplaceFullPath'
    ? { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' }
    : { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
}

function mirrorPercent(percent: number | undefined, fraction: { numerator: number; denominator?: number } | undefined): number {
  if (percent !== undefined) return percent;
  if (fraction) return (fraction.numerator / (fraction.denominator ?? 100)) * 100;
  return 100;
}

function cors(c: NonNullable<HTTPRouteFilter['cors']>): CORSIR {
  const out: CORSIR = { allowOrigins: c.allowOrigins ?? [] };
  if (c.allowCredentials !== undefined) out.allowCredentials = c.allowCredentials;
  if (c.allowMethods?.length) out.allowMethods = [...c.allowMethods];
  if (c.allowHeaders?.length) out.allowHeaders = [...c.allowHeaders];
  if (c.exposeHeaders?.length) out.exposeHeaders = [...c.exposeHeaders];
  out.maxAgeSeconds = c.maxAge ?? 5;
  return out;
}
