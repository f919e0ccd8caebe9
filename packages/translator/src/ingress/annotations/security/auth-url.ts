/**
 * `auth-url` with `auth-response-headers`, `auth-always-set-cookie`, `auth-cache-key` and `auth-cache-duration` (ingress-nginx
 * docs, "External Authentication"): every request is first sent to an HTTP authorization service; a 2xx
 * answer lets it through (with the listed headers of the answer copied into the request), a 401 or 403
 * is returned to the client, anything else is a 500 — served as Envoy's HTTP ext_authz on the same IR
 * as the HTTPRoute ExternalAuth filter and a SecurityPolicy's extAuth (ingress-external-auth.ts).
 *
 * The URL names an in-cluster Service by its DNS name (`http://<service>.<namespace>.svc[.cluster.local][:port]/path`,
 * or `<service>.<namespace>` / `<service>`): Portico sends the check to that Service's cluster. Any
 * other DNS name is a host outside the cluster, which Envoy resolves itself — allowed only where
 * ExternalName Services are (ingress-external-auth.ts). `https://`, an IP address and nginx variables
 * (`$host`, …) cannot be served as written: every path of the Ingress answers 500 rather than be
 * served unchecked. The other `auth-*` annotations (auth-signin, auth-method, auth-snippet, …) are
 * not implemented and fail closed through unsupported.ts.
 */
import { isIP } from 'node:net';
import { parseBool } from '../annotation-values.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

export interface AuthURLAnnotation {
  /** The URL as written (for messages and `convert`). */
  url: string;
  /** An in-cluster Service, by its DNS name; or `external`. */
  service?: { name: string; namespace?: string };
  /** A host outside the cluster: Envoy resolves it itself (as for an ExternalName Service, and under the same gate). */
  external?: string;
  port: number;
  /** The URL's path: Envoy prefixes the request's path with it in the check (`/` is no prefix). */
  path: string;
  /** `auth-response-headers`: copied from an allowing answer into the request; absent: none (ingress-nginx). */
  responseHeaders: string[];
}

/** `<service>[.<namespace>[.svc[.<cluster domain>]]]`: the Service a cluster DNS name resolves to. */
const SERVICE_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.svc(?:\.cluster\.local)?)?)?$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export const authURLFamily: AnnotationFamily = {
  names: ['auth-url', 'auth-response-headers', 'auth-cache-key', 'auth-cache-duration', 'auth-always-set-cookie'],
  parse(values, out, report) {
    const url = values.get('auth-url');
    const responseHeaders = values.get('auth-response-headers');
    const alwaysSetCookie = values.get('auth-always-set-cookie');
    const cache = [values.get('auth-cache-key'), values.get('auth-cache-duration')].filter((v) => v !== undefined);
    if (!url) {
      for (const v of [responseHeaders, alwaysSetCookie, ...cache]) if (v) report(v, 'has no effect without auth-url');
      return;
    }
    // Envoy adds an allowing answer's Set-Cookie to every response (allowed_client_headers_on_success), which is
    // nginx's `always`; without it nginx adds the cookie to 2xx/3xx answers only: Portico adds it to errors too.
    if (alwaysSetCookie && parseBool(alwaysSetCookie.value) === undefined) report(alwaysSetCookie, 'is not "true" or "false": the auth answer\'s Set-Cookie reaches the client on every response anyway');
    const closed = (why: string, unsupported = false) => report(url, `${why}: every path of this Ingress answers 500 rather than be served unchecked`, { status: 500, ...(unsupported ? { unsupported: true as const } : {}) });
    if (url.value.includes('$')) return closed('uses nginx variables, which Portico cannot evaluate', true);
    let parsed: URL;
    try {
      parsed = new URL(url.value);
    } catch {
      return closed('is not a URL');
    }
    if (parsed.protocol === 'https:') return closed('is https: Portico checks in-cluster Services over plain HTTP (a BackendTLSPolicy on the Service does not apply to an Ingress auth-url)', true);
    if (parsed.protocol !== 'http:') return closed('is not an http:// URL');
    if (parsed.username || parsed.password) return closed('carries credentials in the URL');
    const hostname = parsed.hostname.toLowerCase();
    const host = SERVICE_HOST.exec(hostname);
    if (isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || (!host && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(hostname))) return closed('does not name a host by its DNS name (an IP address belongs in a Service with an EndpointSlice)');
    if (parsed.search) return closed('has a query string, which Envoy cannot send in the check', true);
    const headers = (responseHeaders?.value ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
    const badHeader = headers.find((h) => !HEADER_NAME.test(h));
    if (responseHeaders && badHeader !== undefined) {
      report(responseHeaders, `names ${JSON.stringify(badHeader)}, which is not a header name: every path of this Ingress answers 500`, { status: 500 });
      return;
    }
    for (const v of cache) report(v, 'is not applied: Portico does not cache auth answers, every request is checked (stricter, slower)', { unsupported: true });
    out.authURL = {
      url: url.value,
      ...(host ? { service: { name: host[1]!, ...(host[3] ? { namespace: host[3] } : {}) } } : { external: hostname }),
      port: parsed.port ? Number(parsed.port) : 80,
      path: parsed.pathname === '' ? '/' : decodeURIComponent(parsed.pathname),
      responseHeaders: headers.map((h) => h.toLowerCase()),
    };
  },
};
