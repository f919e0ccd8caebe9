/**
 * One request of the suite, sent from the host to the Ingress's address, captured the way upstream's
 * test/http CaptureRoundTrip captures it: the response's status, protocol, headers and (for https) the
 * first DNS name of the certificate the server presented; and, when the body is a JSON object, what
 * the echo backend saw (its path, host, method, protocol, headers, and the namespace, Ingress, Service
 * and pod it belongs to). Redirects are followed to the same address, as upstream does (a controller
 * may redirect http to https).
 *
 * The request looks like Go's net/http client's, whose behaviour the feature files assert: User-Agent
 * `Go-http-client/1.1`, no Accept-Encoding (upstream disables compression), `Content-Length: 0` on a
 * body-less POST, PUT or PATCH, a new connection each time, SNI = the Host for https (not for an IP).
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ScenarioRequest } from './scenario-types.js';

export const GO_USER_AGENT = 'Go-http-client/1.1';
const TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** What the echo backend reports (echo-basic's JSON). */
export interface EchoedRequest {
  path?: string;
  host?: string;
  method?: string;
  proto?: string;
  headers?: Record<string, string[]>;
  namespace?: string;
  ingress?: string;
  service?: string;
  pod?: string;
}

export interface CapturedExchange {
  status: number;
  proto: string;
  /** Go-canonical names (`Content-Type`), as upstream reads them from Go's http.Header. */
  headers: Record<string, string[]>;
  /** The first DNS name of the server certificate (https only). */
  tlsHostname?: string;
  /** Empty when the body was not a JSON object (e.g. a proxy's own 404). */
  echoed: EchoedRequest;
}

/** Go's textproto.CanonicalMIMEHeaderKey for the usual header names: each dash-separated word capitalised. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((word) => (word ? word[0]!.toUpperCase() + word.slice(1) : word))
    .join('-');
}

export function canonicalHeaders(headers: IncomingHttpHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[canonicalHeaderName(name)] = Array.isArray(value) ? value : [value];
  }
  return out;
}

/** The body as the echoed request when it is a JSON object; upstream cannot assume JSON either. */
export function parseEchoed(body: string): EchoedRequest {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as EchoedRequest) : {};
  } catch {
    return {};
  }
}

/** The request's headers, Go-style. An empty `host` leaves the Host header to be the address itself. */
export function requestHeaders(request: ScenarioRequest): Record<string, string> {
  return {
    ...(request.host ? { Host: request.host } : {}),
    'User-Agent': GO_USER_AGENT,
    ...(METHODS_WITH_BODY.has(request.method) ? { 'Content-Length': '0' } : {}),
  };
}

/** `/` + the path without its leading slashes, as upstream builds the URL. */
export function requestPath(path: string): string {
  return `/${path.replace(/^\/+/, '')}`;
}

/** The first DNS name in a certificate's subjectAltName string (`DNS:a, DNS:b, IP Address:…`). */
export function firstDnsName(subjectAltName: string | undefined): string | undefined {
  for (const entry of (subjectAltName ?? '').split(',')) {
    const trimmed = entry.trim();
    if (trimmed.startsWith('DNS:')) return trimmed.slice(4);
  }
  return undefined;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

/** The Ingress ports (IngressSpec: rules on 80, TLS on 443); tests point them elsewhere. */
export interface IngressPorts {
  http: number;
  https: number;
}

const INGRESS_PORTS: IngressPorts = { http: 80, https: 443 };

function sendOnce(request: ScenarioRequest, address: string, ports: IngressPorts): Promise<{ exchange: CapturedExchange; location?: string }> {
  const https = request.scheme === 'https';
  const send = https ? httpsRequest : httpRequest;
  const serverName = https && request.host && !isIP(request.host.replace(/:\d+$/, '')) ? request.host.replace(/:\d+$/, '') : undefined;
  return new Promise((resolve, reject) => {
    let tlsHostname: string | undefined;
    const req = send(
      {
        host: address,
        port: https ? ports.https : ports.http,
        method: request.method,
        path: requestPath(request.path),
        headers: requestHeaders(request),
        agent: false,
        timeout: TIMEOUT_MS,
        // Self-signed certificates: upstream skips verification too and only reads the certificate.
        ...(https ? { rejectUnauthorized: false, ...(serverName ? { servername: serverName } : {}) } : {}),
      },
      (response) => {
        if (https) tlsHostname = firstDnsName((response.socket as TLSSocket).getPeerCertificate?.()?.subjectaltname);
        readBody(response).then((body) => {
          const exchange: CapturedExchange = {
            status: response.statusCode ?? 0,
            proto: `HTTP/${response.httpVersion}`,
            headers: canonicalHeaders(response.headers),
            ...(tlsHostname !== undefined ? { tlsHostname } : {}),
            echoed: parseEchoed(body),
          };
          const location = REDIRECT_CODES.has(exchange.status) ? response.headers.location : undefined;
          resolve({ exchange, ...(location ? { location } : {}) });
        }, reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Sends `request` to `address` (the Ingress's status IP or hostname), following redirects there. */
export async function captureRoundTrip(request: ScenarioRequest, address: string, ports: IngressPorts = INGRESS_PORTS): Promise<CapturedExchange> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const { exchange, location } = await sendOnce(current, address, ports);
    if (!location || hop >= MAX_REDIRECTS) return exchange;
    const next = new URL(location, `${current.scheme}://${current.host || address}`);
    const scheme = next.protocol.slice(0, -1);
    if (scheme !== 'http' && scheme !== 'https') return exchange;
    current = { method: current.method, scheme, host: next.hostname, path: next.pathname };
  }
}
