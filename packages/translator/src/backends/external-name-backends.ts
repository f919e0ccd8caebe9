/**
 * ExternalName Services as backends (BackendObjectReference: "Support: Implementation-specific
 * (Services with type ExternalName)"). Such a Service is a DNS CNAME: it has no endpoints, and the
 * gateway's Envoy resolves `spec.externalName` itself (a LOGICAL_DNS cluster, see @portico/xds
 * clusters.ts) and connects to it on the backendRef's port, as a Pod would through the CNAME.
 *
 * Off unless the operator allows it (`portico serve --allow-external-name-services`), as Contour does
 * since GHSA-5ph6-qq5x-7jwc: whoever may create a Service could otherwise point a route at any host
 * the gateway can reach — the Envoy's own admin interface on localhost, a cloud metadata address,
 * another namespace's Service without a ReferenceGrant (`svc.other.svc.cluster.local`, CVE-2021-25740).
 * Even when allowed, names of the gateway's own host (`localhost`, `*.localhost`) are refused unless
 * the operator allows loopback too (`--allow-external-name-loopback`, for single-host setups and tests).
 * A refusal is ResolvedRefs=False with reason UnsupportedValue: the reference resolves, but to a value
 * this gateway will not route to.
 */
import type { BackendRefReason } from './backends.js';

/**
 * What the operator allows: `refuse` (the default), `allow` (any DNS name but the gateway's own host),
 * `allow-loopback` (loopback names too).
 */
export type ExternalNameServices = 'refuse' | 'allow' | 'allow-loopback';

export const EXTERNAL_NAME_SERVICES: readonly ExternalNameServices[] = ['refuse', 'allow', 'allow-loopback'];

export type ExternalNameCheck = { ok: true; hostname: string } | { ok: false; reason: BackendRefReason; message: string };

/** RFC 1123 subdomain, as the API server validates `spec.externalName` (IsDNS1123Subdomain). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether `service` (a `Service ns/name` display) may be routed to, and the name Envoy resolves. */
export function checkExternalName(allowed: ExternalNameServices, display: string, externalName: unknown): ExternalNameCheck {
  if (allowed === 'refuse') {
    return refused(
      `${display} is of type ExternalName, which this gateway does not route to: an ExternalName can point a route at any host the gateway reaches (start Portico with --allow-external-name-services, chart value allowExternalNameServices, to allow it)`,
    );
  }
  if (typeof externalName !== 'string' || externalName === '') return refused(`${display} is of type ExternalName but has no spec.externalName`);
  // The API server accepts one trailing dot (a fully qualified name); Envoy resolves either form.
  const hostname = externalName.endsWith('.') ? externalName.slice(0, -1) : externalName;
  const invalid = dns1123SubdomainProblem(hostname);
  if (invalid) return refused(`${display} has spec.externalName "${externalName}", which is not a DNS name: ${invalid}`);
  if (IPV4.test(hostname)) {
    // Kubernetes DNS answers such a name with a CNAME that never resolves; Envoy would connect to
    // the address itself. Neither is what the Service says: an IP belongs in an EndpointSlice.
    return refused(`${display} has spec.externalName "${externalName}", an IP address: an ExternalName is a DNS name (route to an IP through a Service with an EndpointSlice)`);
  }
  if (allowed !== 'allow-loopback' && isLoopbackName(hostname)) {
    return refused(
      `${display} has spec.externalName "${externalName}", the gateway's own host: Envoy would connect to itself (its admin interface, say), which is refused unless Portico is started with --allow-external-name-loopback`,
    );
  }
  return { ok: true, hostname };
}

/** RFC 6761: `localhost` and every name below it resolve to loopback. */
function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === 'localhost.localdomain';
}

/** The API server's messages for IsDNS1123Subdomain (k8s.io/apimachinery validation). */
function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!value.split('.').every((label) => DNS1123_LABEL.test(label))) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function refused(message: string): ExternalNameCheck {
  return { ok: false, reason: 'UnsupportedValue', message };
}
