/**
 * Per-route pieces of Gateway API filters that are not part of the route action: header modifiers
 * (HTTPHeaderFilter) and the typed_per_filter_config of the CORS and stateful-session HTTP filters,
 * which the connection manager installs whenever a route of its table uses them
 * (http-connection-manager.ts keys on the same CORS_FILTER / STATEFUL_SESSION_FILTER names).
 */
import type { Proto3Json } from '@portico/envoy';
import type { CORSIR, ExternalAuthIR, HeaderModifierIR, SessionPersistenceIR } from '@portico/ir';
import { CORS_FILTER, extAuthzFilterName, STATEFUL_SESSION_FILTER } from '../names.js';
import { durationFromMs } from '../proto-duration.js';
import { escapeRegex } from './route-regex.js';
import { typedConfig } from '../typed-config.js';

/** Header additions and removals in the field names Route and ClusterWeight share. */
export interface HeaderMutations {
  add: Proto3Json[];
  remove: string[];
  /** A `Host` given by a request header modifier: Envoy sets it with host_rewrite_literal instead. */
  host?: string;
}

/**
 * Envoy refuses the whole route table when request_headers_to_add/remove names `host` or a
 * `:`-pseudo-header (HeaderParser: ":-prefixed or host headers may not be modified"), so those never
 * reach these lists. Setting (or adding, which for the single-valued Host is the same) the request
 * `Host` becomes a host rewrite, as Contour does; removing Host, and any change to pseudo-headers or
 * to a response `host` header, is dropped (Gateway API's HTTPHeaderName already rules out `:`).
 */
export function headerMutations(modifier: HeaderModifierIR | undefined, direction: 'request' | 'response'): HeaderMutations {
  // Most routes and backends have no modifier: one shared, frozen answer rather than two arrays each.
  if (!modifier) return NO_MUTATIONS;
  const out: HeaderMutations = { add: [], remove: [] };
  const modifiable = (name: string): boolean => !name.startsWith(':') && name.toLowerCase() !== 'host';
  const isHost = (name: string): boolean => direction === 'request' && name.toLowerCase() === 'host';
  // set: replace every existing value; add: append another value (HTTPHeaderFilter Set/Add).
  for (const [list, appendAction] of [
    [modifier.set, 'OVERWRITE_IF_EXISTS_OR_ADD'],
    [modifier.add, 'APPEND_IF_EXISTS_OR_ADD'],
  ] as const) {
    for (const { name, value } of list ?? []) {
      if (isHost(name)) out.host = value;
      else if (modifiable(name)) out.add.push({ header: { key: name, value }, appendAction });
    }
  }
  out.remove = (modifier.remove ?? []).filter(modifiable);
  if (out.host === undefined) delete out.host;
  return out;
}

const NO_MUTATIONS: HeaderMutations = Object.freeze({ add: Object.freeze([]) as unknown as Proto3Json[], remove: Object.freeze([]) as unknown as string[] });

/** Sets `<prefix>HeadersToAdd` / `<prefix>HeadersToRemove` on a Route or ClusterWeight when non-empty. */
export function applyHeaderMutations(target: Proto3Json, prefix: 'request' | 'response', m: HeaderMutations): void {
  if (m.add.length) target[`${prefix}HeadersToAdd`] = m.add;
  if (m.remove.length) target[`${prefix}HeadersToRemove`] = m.remove;
}

/**
 * A per-route filter config wrapped in FilterConfig with `is_optional`: Envoy unwraps it and behaves
 * as without the wrapper, and an xDS client that lacks the filter (a proxyless gRPC client:
 * grpc-js-xds rejects the whole RouteConfiguration over an unknown per-route config otherwise) ignores
 * it. CORS and sticky sessions mean nothing to such a client anyway.
 */
function optionalFilterConfig(typeName: string, fields: Proto3Json): Proto3Json {
  return typedConfig('envoy.config.route.v3.FilterConfig', { config: typedConfig(typeName, fields), isOptional: true });
}

/** typed_per_filter_config of a route: CORS, external auth and session persistence; undefined when none applies. */
export function perFilterConfig(
  cors: CORSIR | undefined,
  session: SessionPersistenceIR | undefined,
  externalAuth?: ExternalAuthIR,
): Proto3Json | undefined {
  const out: Proto3Json = {};
  if (cors) out[CORS_FILTER] = optionalFilterConfig('envoy.extensions.filters.http.cors.v3.CorsPolicy', corsPolicy(cors));
  // Any per-route config enables a filter the connection manager installs disabled (HttpFilter.disabled);
  // an empty CheckSettings keeps the filter's own settings. Not optional, as the filter itself.
  if (externalAuth) {
    out[extAuthzFilterName(externalAuth)] = typedConfig('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', { checkSettings: {} });
  }
  if (session) {
    out[STATEFUL_SESSION_FILTER] = optionalFilterConfig('envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute', {
      statefulSession: statefulSession(session),
    });
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * HTTPCORSFilter → CorsPolicy. Envoy answers every preflight itself: one whose Origin matches with
 * 200 and that Origin (never `*`) in Access-Control-Allow-Origin, which is what the spec requires
 * when credentials are allowed. A lone `*` in allowMethods/allowHeaders is passed on: Envoy's CORS filter
 * then echoes the request's Access-Control-Request-Method/-Headers, as the spec asks.
 */
export function corsPolicy(cors: CORSIR): Proto3Json {
  const policy: Proto3Json = { allowOriginStringMatch: cors.allowOrigins.map(originMatcher) };
  if (cors.allowMethods?.length) policy.allowMethods = cors.allowMethods.join(', ');
  if (cors.allowHeaders?.length) policy.allowHeaders = cors.allowHeaders.join(', ');
  if (cors.exposeHeaders?.length) policy.exposeHeaders = cors.exposeHeaders.join(', ');
  // HTTPCORSFilter.MaxAge: "The default value of Access-Control-Max-Age response header is 5".
  policy.maxAge = String(cors.maxAgeSeconds ?? 5);
  if (cors.allowCredentials) policy.allowCredentials = true;
  // A preflight from an origin the filter does not allow is answered by Envoy (200 without
  // Access-Control-Allow-Origin, so the browser refuses the actual request), never passed to the
  // backend: Envoy's default (true) forwards it, and the backend might answer it with CORS headers of
  // its own (conformance HTTPRouteCORS, "CORS preflight request from a non-matching origin").
  policy.forwardNotMatchingPreflights = false;
  return policy;
}

/**
 * One allowed origin `<scheme>://<host>(:<port>)`. Browsers send the Origin lowercased and without a
 * default port, so the configured value is normalized the same way (the spec: port 80 is assumed
 * for http, 443 for https). A `*` in the host matches any number of DNS labels to its left; a lone
 * `*` allows every origin.
 */
export function originMatcher(origin: string): Proto3Json {
  if (origin === '*') return { safeRegex: { regex: '.*' } };
  const normalized = origin.toLowerCase().replace(/^(http:\/\/[^/]*):80$/, '$1').replace(/^(https:\/\/[^/]*):443$/, '$1');
  if (!normalized.includes('*')) return { exact: normalized };
  return { safeRegex: { regex: normalized.split('*').map(escapeRegex).join('[a-z0-9.-]+') } };
}

/**
 * SessionPersistence (GEP-1619) → StatefulSession. Cookie: the cookie names the chosen endpoint;
 * a `Permanent` cookie lives for absoluteTimeout (Max-Age), a `Session` one has no ttl (Envoy: "Set
 * this to 0s to use a session cookie"); its Path is `cookie.path`, `/` by default as v1.7.0 requires.
 * Header: the header carries the endpoint both ways. Not strict: when the endpoint is gone the load
 * balancer picks another ("implementations SHOULD" re-establish the session).
 */
function statefulSession(session: SessionPersistenceIR): Proto3Json {
  if (session.type === 'Header') {
    return {
      sessionState: {
        name: 'envoy.http.stateful_session.header',
        typedConfig: typedConfig('envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState', { name: session.name }),
      },
    };
  }
  const cookie: Proto3Json = { name: session.name, path: session.cookiePath ?? '/' };
  if (session.lifetime === 'Permanent' && session.absoluteTimeoutMs) cookie.ttl = durationFromMs(session.absoluteTimeoutMs);
  return {
    sessionState: {
      name: 'envoy.http.stateful_session.cookie',
      typedConfig: typedConfig('envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState', { cookie }),
    },
  };
}
