/**
 * The request `portico explain` reasons about: what Envoy's connection manager sees once it has
 * parsed and normalised it (lower-cased header names, pseudo-headers, the path after RFC 3986
 * normalisation and slash merging, which the listeners enable), plus the connection facts that pick
 * the listener and filter chain (port, TLS, SNI).
 */

export interface ExplainRequest {
  method: string;
  scheme: 'http' | 'https';
  /** The Host / `:authority` as sent, port included when the URL has one. */
  authority: string;
  /** The `:path` as sent (path and query). */
  path: string;
  /** Header names lower-cased; repeated headers keep every value, in order. */
  headers: Map<string, string[]>;
  /** The destination port: the listener is chosen by it. */
  port: number;
  /** The TLS SNI, for https (the URL's host unless given). */
  sni?: string;
}

export interface RequestOptions {
  method?: string;
  /** `Name: value` strings, as curl's `-H`. */
  headers?: readonly string[];
  /** Connect to this port instead of the URL's (the Host header keeps the URL's). */
  port?: number;
  sni?: string;
}

export class ExplainRequestError extends Error {
  override readonly name = 'ExplainRequestError';
}

/** Parses `https://shop.example.com:8443/api?x=1` plus curl-style headers into an ExplainRequest. */
export function parseExplainRequest(target: string, options: RequestOptions = {}): ExplainRequest {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExplainRequestError(`invalid request URL '${target}': expected http(s)://host[:port]/path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ExplainRequestError(`invalid request URL '${target}': only http and https are explained`);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const headers = new Map<string, string[]>();
  let authority = rawAuthority(text, url);
  for (const line of options.headers ?? []) {
    const colon = line.indexOf(':', line.startsWith(':') ? 1 : 0);
    if (colon <= 0) throw new ExplainRequestError(`invalid header '${line}': expected 'Name: value'`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Host is the :authority to Envoy (HTTP/1.1 and HTTP/2 alike).
    if (name === 'host' || name === ':authority') authority = value;
    else headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  const method = (options.method ?? 'GET').toUpperCase();
  // A fragment is kept: a client that sends one gets 400 (explain.ts), so it must not vanish here.
  const rawPath = `${url.pathname}${url.search}${url.hash}`;
  headers.set(':method', [method]);
  headers.set(':scheme', [scheme]);
  headers.set(':authority', [authority]);
  headers.set('host', [authority]);
  headers.set(':path', [rawPath]);
  const port = options.port ?? (url.port ? Number(url.port) : scheme === 'https' ? 443 : 80);
  const sni = scheme === 'https' ? options.sni ?? url.hostname.replace(/^\[|\]$/g, '') : undefined;
  return { method, scheme, authority, path: rawPath, headers, port, ...(sni === undefined ? {} : { sni }) };
}

/**
 * The Host a client sends for the URL: its authority as written (URL parsing would lower-case it,
 * and Envoy keeps the case it receives, e.g. in a redirect's Location), without a default port.
 */
function rawAuthority(target: string, url: URL): string {
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(target)?.[1] ?? url.host;
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  return url.port === '' && written.endsWith(defaultPort) ? written.slice(0, -defaultPort.length) : written;
}

/** The value a header matcher sees: every value joined with `,` (HeaderUtility::getAllOfHeaderAsString). */
export function headerValue(request: ExplainRequest, name: string): string | undefined {
  const values = request.headers.get(name.toLowerCase());
  return values && values.length > 0 ? values.join(',') : undefined;
}

/** The Host without its port (`[::1]:80` → `[::1]`), as ignore_port_in_host_matching compares it. */
export function hostWithoutPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  const bracket = authority.lastIndexOf(']');
  if (colon === -1 || colon < bracket) return authority;
  return /^[0-9]+$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority;
}

/** The path without its query string and fragment (Http::PathUtil::removeQueryAndFragment). */
export function pathOnly(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/**
 * The path as routed after the connection manager's normalize_path and merge_slashes; the query
 * string is left alone. normalize_path canonicalises as Chromium's URL library does (PathUtil::
 * canonicalPath): percent-encoded unreserved characters are decoded (`/%61pi` is `/api`, `%2e` a dot,
 * found by the agreement test), other escapes get upper-case hex, then dot segments are removed
 * (RFC 3986 §5.2.4).
 */
export function normalizedPath(path: string, steps: { dotSegments: boolean; mergeSlashes: boolean } = { dotSegments: true, mergeSlashes: true }): string {
  const q = path.indexOf('?');
  const [p, query] = q === -1 ? [path, ''] : [path.slice(0, q), path.slice(q)];
  const decoded = steps.dotSegments ? p.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9._~-]/.test(c) ? c : `%${hex.toUpperCase()}`;
  }) : p;
  const merged = steps.mergeSlashes ? decoded.replace(/\/{2,}/g, '/') : decoded;
  if (!steps.dotSegments) return `${merged}${query}`;
  const out: string[] = [];
  const segments = merged.split('/').slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) out.push('');
    } else if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(segment);
  });
  return `/${out.join('/')}${query}`;
}

/** `%2F` / `%5C` in the path: with UNESCAPE_AND_REDIRECT Envoy answers a redirect to the unescaped path. */
export function escapedSlashes(path: string): boolean {
  return /%2f|%5c/i.test(pathOnly(path));
}
