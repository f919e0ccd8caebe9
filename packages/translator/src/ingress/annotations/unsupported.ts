/**
 * ingress-nginx annotations Portico does not implement (yet), each with what to use instead. They are
 * reported on the Ingress (a diagnostic, and `portico diagnose`), never silently ignored.
 *
 * Those that restrict who may reach a path fail CLOSED: serving the path without the protection would
 * open to everyone what the Ingress author meant to protect.
 * - `auth-*` other than basic auth and auth-url (auth-signin, auth-method, auth-snippet, auth-tls-*, …;
 *   basic-auth.ts reads auth-type, auth-secret, auth-secret-type, auth-realm; auth-url.ts reads auth-url,
 *   auth-response-headers, auth-cache-key, auth-cache-duration): 500, the answer ingress-nginx gives when its auth check cannot be
 *   run, and Gateway API's for a filter that cannot be served.
 */
export interface UnsupportedAnnotation {
  /** Gateway API / Portico alternative. */
  alternative: string;
  /** Set for annotations that restrict access: the status every path of the Ingress answers instead. */
  failClosedStatus?: number;
}

const HTTPROUTE = 'an HTTPRoute';
const EXT_AUTH = { alternative: `${HTTPROUTE} with an ExternalAuth filter (or Portico's ext_authz policy)`, failClosedStatus: 500 };

const TABLE: Record<string, UnsupportedAnnotation> = {
  'proxy-connect-timeout': { alternative: 'none per route: Envoy\'s connect timeout is per cluster, shared by every route to the Service port' },
  'limit-connections': { alternative: 'limit-rps / limit-rpm, or a RateLimitPolicy (requests per client address): Envoy has no per-client-address limit on concurrent connections (its connection_limit filter counts all the connections of a filter chain, whoever opens them)' },
  'configuration-snippet': { alternative: `${HTTPROUTE} with RequestHeaderModifier / ResponseHeaderModifier filters (nginx snippets cannot be translated)` },
  'server-snippet': { alternative: 'none: nginx snippets cannot be translated' },
  // ingress-nginx: "This service will be used to handle the response when the configured service in the
  // Ingress rule does not have any active endpoints" — a failover, not the Ingress's spec.defaultBackend.
  'default-backend': { alternative: 'none yet: a fallback Service for paths whose Service has no ready endpoints (not the Ingress\'s spec.defaultBackend, which serves unmatched requests)' },
  'custom-http-errors': { alternative: 'none yet in Gateway API' },
  'satisfy': { alternative: 'none: Portico requires both the source range and the credentials (ingress-nginx\'s `satisfy: all`)' },
};

/** What Portico says about an annotation no family implements; an unimplemented `auth-*` always fails closed. */
export function unsupportedAnnotation(name: string): UnsupportedAnnotation & { known: boolean } {
  if (name.startsWith('auth-')) return { ...EXT_AUTH, known: true };
  const entry = TABLE[name];
  return entry ? { ...entry, known: true } : { alternative: 'Gateway API (HTTPRoute filters and policies)', known: false };
}
