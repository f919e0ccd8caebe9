/**
 * `backend-protocol` (ingress-nginx docs, "Backend Protocol"): how the gateway talks to the backend.
 * - HTTP: HTTP/1.1, the default (a Service port's appProtocol h2c/grpc still selects HTTP/2, as for
 *   every Portico route).
 * - GRPC, H2C: HTTP/2 in cleartext (prior knowledge).
 * - HTTPS, GRPCS: TLS to the backend (HTTP/1.1 resp. HTTP/2). ingress-nginx sends TLS without checking
 *   the backend's certificate (`proxy-ssl-verify` off); Portico never sends unverified TLS, so it
 *   takes the verification from a BackendTLSPolicy on the Service. Without one the paths answer 500
 *   (reported): neither cleartext nor unverified TLS to a backend that was meant to be reached over TLS.
 * AUTO_HTTP and FCGI are not supported: reported, and the paths answer 500 (an FCGI backend cannot
 * answer HTTP). Another value is invalid: reported, HTTP is used (ingress-nginx's default).
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

export type BackendProtocol = 'HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS' | 'H2C';

const SUPPORTED: ReadonlySet<string> = new Set<BackendProtocol>(['HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'H2C']);

export const backendProtocolFamily: AnnotationFamily = {
  names: ['backend-protocol'],
  parse(values, out, report) {
    const v = values.get('backend-protocol');
    if (!v) return;
    // ingress-nginx upper-cases the value before checking it.
    const protocol = v.value.trim().toUpperCase();
    if (SUPPORTED.has(protocol)) out.backendProtocol = protocol as BackendProtocol;
    else if (protocol === 'AUTO_HTTP' || protocol === 'FCGI') report(v, `is not supported by Portico: the Ingress's paths answer 500`, { status: 500, unsupported: true });
    else report(v, 'is not one of HTTP, HTTPS, GRPC, GRPCS, H2C, AUTO_HTTP, FCGI: HTTP is used, as ingress-nginx does');
  },
};

/** Does the protocol need TLS to the backend? */
export function needsBackendTLS(protocol: BackendProtocol | undefined): boolean {
  return protocol === 'HTTPS' || protocol === 'GRPCS';
}

/** Does the protocol speak HTTP/2 to the backend? */
export function speaksHTTP2(protocol: BackendProtocol | undefined): boolean {
  return protocol === 'GRPC' || protocol === 'GRPCS' || protocol === 'H2C';
}
