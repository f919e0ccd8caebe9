/**
 * "When I send a "GET" request to "http://foo.bar.com/path"": upstream parses the URL and sends the
 * request to the Ingress's address with the URL's host as the Host header (and, for https, as SNI),
 * and its path.
 */
import type { ScenarioRequest } from './scenario-types.js';

export function requestTo(method: string, rawUrl: string): ScenarioRequest {
  const url = new URL(rawUrl);
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`unsupported scheme in ${rawUrl}`);
  // WHATWG URL gives "/" for "http://host"; Go's url.Parse gives "": both become "/" on the wire.
  return { method, scheme, host: url.host, path: url.pathname };
}
